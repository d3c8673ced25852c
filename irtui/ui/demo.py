"""`irtui demo`: the simulator in a subprocess and the app against it, for drills.

This module owns the demo-only plumbing, kept apart from the product: starting
`python -m irtui sim` and waiting for its ready line, connecting through the kubeconfig it
writes (the same code path as a real cluster), stopping it when the app quits, and
`DemoApp`: the war room (`WarRoomApp`) plus a key (`x`) and command-palette entries that start or stop a fault
scenario through the simulator's `/sim` control API, and the drill's stand-in Slack,
Statuspage, PagerDuty and SMTP endpoints (`irtui.demo.receivers`) wired into its `[notify]`
config, with `ctrl+l` listing what they received. Nothing outside this module knows
the cluster is simulated. A drill's incidents live in `demo_dir()` (not a temporary
folder), and where is printed when it ends, so `irtui report`/`verify` can read them.

Scenario control is a change like any other: it goes through the session's guarded HTTP
client, so a read-only demo refuses it below the UI (and `--scenario` with read-only is
an error before the app starts).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from textual.binding import Binding
from textual.command import SimpleCommand

from irtui.config import Config, ConfigError
from irtui.demo import demo_dir
from irtui.files import private_dir
from irtui.kube.client import KubeConfigError
from irtui.safety import Guard, ReadOnlyError, guarded_http_client
from irtui.sim.ready import parse_ready
from irtui.ui.hangup import end_with_app, exit_on_hangup
from irtui.ui.main import open_connection, quiet_client_logs
from irtui.ui.palette import ListedCommands
from irtui.ui.war_room import WarRoomApp

SCENARIOS = (
    "crashloop-task-service", "node-notready", "emr-integration-failure", "complete-outage",
    "database-failure", "bad-deploy", "traffic-surge", "security-breach",
)


class SimProcess:
    """A `python -m irtui sim` child process, reached only over HTTP."""

    def __init__(self, *args: str, workdir: Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="irtui-demo-") if workdir is None else None
        self.workdir = Path(self._tmp.name) if self._tmp else workdir
        self.kubeconfig = str(self.workdir / "kubeconfig")
        self.stderr_path = self.workdir / "sim.stderr"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "irtui", "sim", "--port", "0", "--kubeconfig-out", self.kubeconfig, *args],
            stdout=subprocess.PIPE, stderr=open(self.stderr_path, "wb"), stdin=subprocess.DEVNULL, text=True,
        )
        self.url = ""

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            fields = parse_ready(line)
            if fields is not None:
                self.url, self.kubeconfig = fields["url"], fields["kubeconfig"]
                return
            if not line and self.proc.poll() is not None:
                break
        tail = self.stderr_path.read_text(errors="replace").strip().splitlines()[-1:] if self.stderr_path.exists() else []
        self.stop()
        raise RuntimeError("the simulator did not start" + (f": {tail[0]}" if tail else ""))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


async def sim_control(guard: Guard, url: str, method: str, path: str) -> dict:
    """One `/sim` control request through a guarded client; raises `ReadOnlyError` for a
    change in read-only, `httpx.HTTPError` when the simulator says no or is gone."""
    async with guarded_http_client(guard, base_url=url, timeout=10) as http:
        response = await http.request(method, path)
    response.raise_for_status()
    doc = response.json()
    return doc if isinstance(doc, dict) else {}


class ScenarioProvider(ListedCommands):
    """Palette entries "Demo: start scenario <name>" and "Demo: stop scenario <name>"."""

    def commands(self):
        app: DemoApp = self.app  # type: ignore[assignment]
        # Listed all the same in read-only, so that one looking for them learns why not.
        note = " (read-only: refused)" if app.connection.guard.read_only else ""
        for name in app.scenario_names:
            yield f"Demo: start scenario {name}{note}", partial(app.start_scenario, name), ""
        for name in sorted(app.running_scenarios):
            yield f"Demo: stop scenario {name}{note}", partial(app.stop_scenario, name), ""


class DemoApp(WarRoomApp):
    """The war room, plus starting fault scenarios on the simulator it runs against."""

    COMMANDS = WarRoomApp.COMMANDS | {ScenarioProvider}
    BINDINGS = [Binding("x", "choose_scenario", "Scenario", id="demo.scenario"),
                Binding("ctrl+l", "deliveries", "Deliveries", id="demo.deliveries")]

    def __init__(self, connection, *, sim_url: str, receivers: Any = None, database_note: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self.sim_url = sim_url
        self.receivers = receivers
        self.database_note = database_note
        self.scenario_names: list[str] = list(SCENARIOS)
        self.scenario_help: dict[str, str] = {}
        self.running_scenarios: set[str] = set()

    def on_mount(self) -> None:
        self.header.extra = "DEMO"
        self.run_worker(self._load_scenarios(), group="demo", exit_on_error=False)
        if self.wall:
            self.notify("Simulated cluster on a wall display: read-only, no prompts.", title="irtui demo", timeout=10)
        elif self.connection.guard.read_only:
            self.notify("Simulated cluster, read-only: fault scenarios are not started from this terminal.",
                        title="irtui demo", timeout=10)
        else:
            self.notify("Simulated cluster. Press x (or ctrl+p, \"Demo\") to start a fault scenario.",
                        title="irtui demo", timeout=10)
        if self.database_note:  # after the first frame, so it is drawn over the panes
            self.call_after_refresh(self.notify, self.database_note, title="Database pane", timeout=12, markup=False)

    async def _control(self, method: str, path: str) -> dict:
        return await sim_control(self.connection.guard, self.sim_url, method, path)

    async def _load_scenarios(self) -> None:
        try:
            doc = await self._control("GET", "/sim/scenarios")
        except (httpx.HTTPError, json.JSONDecodeError):
            return
        available = doc.get("available")
        running = doc.get("running") or doc.get("active")
        if available:
            self.scenario_names = [s if isinstance(s, str) else s.get("name", "") for s in available]
        if isinstance(doc.get("descriptions"), dict):
            self.scenario_help = {str(k): str(v) for k, v in doc["descriptions"].items()}
        if running:
            self.running_scenarios = {s if isinstance(s, str) else s.get("name", "") for s in running}

    def action_deliveries(self) -> None:
        if self.receivers is None:
            self.notify("this drill has no stand-in services (the config's own [notify] is used)", timeout=6)
            return
        from irtui.ui.screens.deliveries import DeliveriesScreen

        self.push_screen(DeliveriesScreen(lambda: self.receivers.deliveries,
                                          read_only=self.connection.guard.read_only))

    def action_choose_scenario(self) -> None:
        if self.connection.guard.read_only:
            self.notify("read-only: this terminal does not start or stop scenarios", severity="warning")
            return
        commands = [SimpleCommand(f"start {name}", partial(self.start_scenario, name),
                                  self.scenario_help.get(name, "fault scenario on the simulator"))
                    for name in self.scenario_names]
        commands += [SimpleCommand(f"stop {name}", partial(self.stop_scenario, name), "end this scenario")
                     for name in sorted(self.running_scenarios)]
        self.search_commands(commands, placeholder="Demo scenario…")

    def start_scenario(self, name: str) -> None:
        self.run_worker(self._scenario("POST", name), group="demo")

    def stop_scenario(self, name: str) -> None:
        self.run_worker(self._scenario("DELETE", name), group="demo")

    async def _scenario(self, method: str, name: str) -> None:
        verb = "started" if method == "POST" else "stopped"
        try:
            await self._control(method, f"/sim/scenarios/{name}")
        except ReadOnlyError as exc:
            self.notify(f"scenario {name} not {verb}: {exc}", severity="warning")
            return
        except httpx.HTTPError as exc:
            self.notify(f"scenario {name}: {exc}", severity="error")
            return
        (self.running_scenarios.add if method == "POST" else self.running_scenarios.discard)(name)
        self.notify(f"demo scenario {name} {verb}", timeout=4)


async def _start_scenario(guard: Guard, url: str, name: str) -> str | None:
    """`--scenario NAME` on the running simulator; a one-line reason when it cannot be."""
    try:
        await sim_control(guard, url, "POST", f"/sim/scenarios/{name}")
    except ReadOnlyError:
        return f"--scenario {name}: not started, this session is read-only (a scenario changes the cluster)"
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code == 404:
            try:
                available = (await sim_control(guard, url, "GET", "/sim/scenarios")).get("available") or SCENARIOS
            except httpx.HTTPError:
                available = SCENARIOS
            return f"unknown scenario {name!r} (available: {', '.join(map(str, available))})"
        return f"--scenario {name}: {exc}"
    except httpx.HTTPError as exc:
        return f"--scenario {name}: {exc}"
    return None


async def start_receivers(config: Config) -> Any:
    """The drill's stand-in services, wired into `[notify]`, unless the user's config has
    its own `[notify]` (then the drill sends where the team said, and None is returned)."""
    if "notify" in config.root.data:
        return None
    from irtui.demo.receivers import DemoReceivers

    receivers = DemoReceivers()
    await receivers.start()
    receivers.set_environment()
    config.root.data["notify"] = receivers.notify_config()
    return receivers


def stored_at(store: str) -> str:
    """The lines printed when a drill ends: where its incidents are, and how to read them."""
    return (f"irtui demo: the drill's incidents are kept in {store}\n"
            f"  irtui report ID --store {store}    irtui verify ID --store {store}")


async def _drill(args: Any, connection, config: Config, sim: SimProcess) -> int:
    scenario = getattr(args, "scenario", None)
    if scenario:
        # A wall is read-only, but `demo --wall --scenario X` asks for a drill to watch: the
        # scenario is the drill's set-up on its own simulator, started before the wall shows.
        guard = Guard(read_only=False) if getattr(args, "wall", False) else connection.guard
        problem = await _start_scenario(guard, sim.url, scenario)
        if problem:
            print(f"irtui demo: {problem}", file=sys.stderr)
            return 2
    from irtui.ui.wiring import run_war_room

    workdir = demo_dir()
    read_only = connection.guard.read_only
    if not read_only:  # a read-only drill writes nothing, not even this folder
        try:
            private_dir(workdir)
        except OSError as exc:
            print(f"irtui demo: cannot create {workdir}: {exc}", file=sys.stderr)
            return 2
    receivers = await start_receivers(config)
    try:
        code = await run_war_room(args, connection, config, app_class=DemoApp, workdir=workdir, sim_url=sim.url,
                                  receivers=receivers, database_note=choose_database(args, config, connection))
    finally:
        if receivers is not None:
            await receivers.stop()
    store = getattr(args, "store", None) or str(workdir / "incidents.sqlite")
    if not read_only and code == 0:
        print(stored_at(store))
    return code


# Where a drill looks for a PostgreSQL of its own when none is configured.
LOCAL_DATABASE = ("127.0.0.1", 5432)


def choose_database(args: Any, config: Config, connection) -> str | None:
    """The drill's database pane: `--db-dsn` or the config's DSN if given; else a PostgreSQL
    answering on this machine (as $PGUSER, or postgres); else none. Returns the one line the
    responder is told about it at start, or None when the choice was theirs."""
    from irtui.database.settings import DatabaseSettings

    try:
        chosen = DatabaseSettings.from_config(config, flag_dsn=getattr(args, "db_dsn", None), context=connection.context)
    except ConfigError:
        return None  # the war room says what is wrong with [database], before the UI
    if chosen.dsn:
        return None
    host, port = LOCAL_DATABASE
    try:
        with socket.create_connection((host, port), timeout=0.5):
            pass
    except OSError:
        return (f"no database pane: no PostgreSQL answers on {host}:{port}; give one with --db-dsn "
                "postgresql://USER@HOST/DB (the database playbook's checks still run in the pods)")
    user = os.environ.get("PGUSER") or "postgres"
    args.db_dsn = f"postgresql://{user}@{host}:{port}/postgres"
    return (f"the database pane watches the PostgreSQL on this machine ({user}@{host}:{port}); "
            "--db-dsn chooses another")


_SCRIPTS_DIR = Path(__file__).resolve().parent.parent / "demo" / "scripts"
DEMO_SCRIPTS = {
    "smoke_tests": _SCRIPTS_DIR / "smoke-tests.sh",
    "failover_to_dr": _SCRIPTS_DIR / "failover-to-dr.sh",
    "restore_database": _SCRIPTS_DIR / "restore-database.sh",
    "flush_cache": _SCRIPTS_DIR / "flush-cache.sh",
}


def use_demo_scripts(config: Config) -> None:
    """The runbook's scripts in a drill: harmless examples that act on the simulator, unless
    the config names the team's own."""
    scripts = config.root.data.setdefault("scripts", {})
    for name, path in DEMO_SCRIPTS.items():
        scripts.setdefault(name, str(path))


def run(args: Any) -> int:
    exit_on_hangup()
    quiet_client_logs()
    try:
        config = Config.load(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"irtui: {exc}", file=sys.stderr)
        return 2
    # A drill has no Prometheus: unless the config says otherwise, read each service's
    # /metrics through the simulator's service proxy and compute the rates here.
    config.root.data.setdefault("metrics", {}).setdefault("source", "scrape")
    use_demo_scripts(config)
    sim = SimProcess()
    end_with_app(sim.proc)
    try:
        try:
            sim.wait_ready()
        except RuntimeError as exc:
            print(f"irtui demo: {exc}", file=sys.stderr)
            return 2
        try:
            # The generated kubeconfig, not the user's: a demo never touches a real cluster.
            args.kubeconfig, args.context = sim.kubeconfig, None
            connection = open_connection(args, config, kubeconfig=sim.kubeconfig)
        except (KubeConfigError, ConfigError) as exc:
            print(f"irtui demo: {exc}", file=sys.stderr)
            return 2
        from irtui.ui import hangup

        return hangup.run(_drill(args, connection, config, sim))
    finally:
        sim.stop()
