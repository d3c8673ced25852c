"""`irtui demo`: the simulator in a subprocess and the app against it, for drills.

This module owns the demo-only plumbing, kept apart from the product: starting
`python -m irtui sim` and waiting for its ready line, connecting through the kubeconfig it
writes (the same code path as a real cluster), stopping it when the app quits, and
`DemoApp`: the app plus a key (`x`) and command-palette entries that start or stop a fault
scenario through the simulator's `/sim` control API. Nothing outside this module knows
the cluster is simulated.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider, SimpleCommand

from irtui.config import Config, ConfigError
from irtui.kube.client import KubeConfigError
from irtui.sim.ready import parse_ready
from irtui.ui.app import IrtuiApp
from irtui.ui.hangup import end_with_app, exit_on_hangup
from irtui.ui.main import open_connection, quiet_client_logs

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

    def control(self, method: str, path: str, **kwargs) -> httpx.Response:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            response = http.request(method, path, **kwargs)
        response.raise_for_status()
        return response

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


class ScenarioProvider(Provider):
    """Palette entries "Demo: start scenario <name>" and "Demo: stop scenario <name>"."""

    def _commands(self):
        app: DemoApp = self.app  # type: ignore[assignment]
        for name in app.scenario_names:
            yield f"Demo: start scenario {name}", partial(app.start_scenario, name)
        for name in sorted(app.running_scenarios):
            yield f"Demo: stop scenario {name}", partial(app.stop_scenario, name)

    async def discover(self) -> Hits:
        for text, callback in self._commands():
            yield DiscoveryHit(text, callback)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback)


class DemoApp(IrtuiApp):
    """The app, plus starting fault scenarios on the simulator it runs against."""

    COMMANDS = IrtuiApp.COMMANDS | {ScenarioProvider}
    BINDINGS = [Binding("x", "choose_scenario", "Scenario", id="demo.scenario")]

    def __init__(self, connection, *, sim_url: str, **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self.sim_url = sim_url
        self.scenario_names: list[str] = list(SCENARIOS)
        self.scenario_help: dict[str, str] = {}
        self.running_scenarios: set[str] = set()

    def on_mount(self) -> None:
        self.header.extra = "DEMO"
        self.run_worker(self._load_scenarios, thread=True, group="demo")
        self.notify("Simulated cluster. Press x (or ctrl+p, \"Demo\") to start a fault scenario.",
                    title="irtui demo", timeout=10)

    def _control(self, method: str, path: str, **kwargs) -> httpx.Response:
        with httpx.Client(base_url=self.sim_url, timeout=10) as http:
            response = http.request(method, path, **kwargs)
        response.raise_for_status()
        return response

    def _load_scenarios(self) -> None:
        try:
            doc = self._control("GET", "/sim/scenarios").json()
        except (httpx.HTTPError, json.JSONDecodeError):
            return
        available = doc.get("available") if isinstance(doc, dict) else None
        running = doc.get("running") or doc.get("active") if isinstance(doc, dict) else None
        if available:
            self.scenario_names = [s if isinstance(s, str) else s.get("name", "") for s in available]
        if isinstance(doc, dict) and isinstance(doc.get("descriptions"), dict):
            self.scenario_help = {str(k): str(v) for k, v in doc["descriptions"].items()}
        if running:
            self.running_scenarios = {s if isinstance(s, str) else s.get("name", "") for s in running}

    def action_choose_scenario(self) -> None:
        commands = [SimpleCommand(f"start {name}", partial(self.start_scenario, name),
                                  self.scenario_help.get(name, "fault scenario on the simulator"))
                    for name in self.scenario_names]
        commands += [SimpleCommand(f"stop {name}", partial(self.stop_scenario, name), "end this scenario")
                     for name in sorted(self.running_scenarios)]
        self.search_commands(commands, placeholder="Demo scenario…")

    def start_scenario(self, name: str) -> None:
        self.run_worker(partial(self._scenario, "POST", name), thread=True, group="demo")

    def stop_scenario(self, name: str) -> None:
        self.run_worker(partial(self._scenario, "DELETE", name), thread=True, group="demo")

    def _scenario(self, method: str, name: str) -> None:
        verb = "started" if method == "POST" else "stopped"
        try:
            self._control(method, f"/sim/scenarios/{name}")
        except httpx.HTTPError as exc:
            self.call_from_thread(self.notify, f"scenario {name}: {exc}", severity="error")
            return
        (self.running_scenarios.add if method == "POST" else self.running_scenarios.discard)(name)
        self.call_from_thread(self.notify, f"demo scenario {name} {verb}", timeout=4)


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
    sim_args = ["--scenario", args.scenario] if getattr(args, "scenario", None) else []
    sim = SimProcess(*sim_args)
    end_with_app(sim.proc)
    try:
        try:
            sim.wait_ready()
        except RuntimeError as exc:
            print(f"irtui demo: {exc}", file=sys.stderr)
            return 2
        try:
            # The generated kubeconfig, not the user's: a demo never touches a real cluster.
            args.kubeconfig, args.context, args.namespace = sim.kubeconfig, None, None
            connection = open_connection(args, config, kubeconfig=sim.kubeconfig)
        except (KubeConfigError, ConfigError) as exc:
            print(f"irtui demo: {exc}", file=sys.stderr)
            return 2
        from irtui.ui import hangup
        from irtui.ui.wiring import run_war_room

        return hangup.run(run_war_room(args, connection, config, app_class=DemoApp, workdir=sim.workdir,
                                       sim_url=sim.url))
    finally:
        sim.stop()
