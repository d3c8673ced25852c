"""Journeys through the assembled war room, keys only, from the app's start against the
simulator: a script step run from its key (exit code in the store, output on screen), one
cancelled with escape (recorded cancelled, its processes gone), one printing 100,000 lines
(a bounded digest); a Vault revoke arriving at a Vault-compatible receiver; a team's own
step from the config; and a read-only session where none of them starts or sends anything."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from polling import until
from war_room_help import isolated, store_rows, war_args  # noqa: F401, F811 (isolated: a fixture)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))
from test_vault import ADMIN_TOKEN, VaultReceiver  # noqa: E402

from irtui.actions import registry  # noqa: E402
from irtui.config import Config  # noqa: E402
from irtui.ui.main import open_connection  # noqa: E402
from irtui.ui.screens.confirm import ConfirmActionScreen, ParamsScreen  # noqa: E402
from irtui.ui.screens.output import OutputScreen  # noqa: E402
from irtui.ui.wiring import war_room  # noqa: E402

from receiver import Receiver  # noqa: E402

NS = "emrtask-prod"
COMPROMISED = "hvs.journey-compromised"


def script(directory: Path, name: str, body: str) -> Path:
    path = directory / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(0o755)
    return path


def config(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Config.load(path)


@pytest.fixture
async def receiver():
    server = Receiver()
    await server.start()
    yield server
    await server.stop()


def finished(action_id: str) -> list[dict]:
    """What the session recorded of `action_id`'s end. No incident is open in these
    journeys, so the record is in the local audit journal, to be attached to the next one."""
    from irtui.incident.journal import Journal

    journal = Journal()
    try:
        return [e.details for e in journal.unattached() if e.kind == "action_finished"
                and e.details["action"] == action_id]
    finally:
        journal.close()


def everything_recorded(tmp_path: Path) -> str:
    from irtui.incident.journal import Journal

    journal = Journal()
    try:
        entries = [(e.text, e.details) for e in journal.unattached()]
    finally:
        journal.close()
    return json.dumps([entries, store_rows(tmp_path / "incidents.sqlite")], default=str)


def output_text(app) -> str:
    screen = app.screen
    if not isinstance(screen, OutputScreen):
        return ""
    log = screen.query_one("#output-log")
    return "\n".join(line.text for line in log.lines)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


async def run_app(sim, tmp_path, cfg: Config, steps, *, read_only: bool | None = None):
    args = war_args(sim, tmp_path, read_only=read_only)
    connection = open_connection(args, cfg)
    async with war_room(args, connection, cfg) as app:
        async with app.run_test(size=(140, 45)) as pilot:
            await until(lambda: app.cluster.rows.get("pods"), "the pods pane", pilot=pilot)
            await steps(pilot, app)
            await until(lambda: not app.action_controller.busy, "the action's end", pilot=pilot)


async def test_smoke_tests_run_from_their_key_with_output_on_screen(sim, isolated):
    # A title-setting escape and markup-looking text: both must arrive as visible characters.
    smoke = script(isolated, "smoke.sh", 'echo "smoke $1"\nprintf "\\033]0;pwned\\007[bold]x[/bold]\\n"\n'
                                         'echo "all green"\n')
    cfg = config(isolated, f"""
        [scripts]
        smoke_tests = "{smoke}"
        """)

    async def steps(pilot, app):
        await pilot.press("Q")
        confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                              "the confirmation", pilot=pilot)
        assert confirm.request.command == f"{smoke} production"
        await pilot.press("y")
        screen = await until(lambda: isinstance(app.screen, OutputScreen) and app.screen.ended and app.screen,
                             "the script's end", pilot=pilot)
        await until(lambda: "all green" in output_text(app), "the output on screen", pilot=pilot)
        assert "smoke production" in output_text(app) and "exit code 0" in screen.status_text
        assert "␛]0;pwned␇[bold]x[/bold]" in output_text(app)
        await pilot.press("escape")
        await until(lambda: len(app.screen_stack) == 1, "the view closed", pilot=pilot)

    await run_app(sim, isolated, cfg, steps)
    [done] = finished("smoke.run")
    assert done["result"] == "done" and done["details"]["exit_code"] == 0
    assert done["details"]["argv"] == [str(smoke), "production"]


async def test_escape_cancels_a_running_script_and_its_processes_end(sim, isolated):
    pids = isolated / "pids"
    slow = script(isolated, "slow.sh", f"""\
        sleep 300 &
        echo $! >> {pids}
        echo $$ >> {pids}
        echo started
        wait
        """)
    cfg = config(isolated, f"""
        [actions]
        script_grace_seconds = 1

        [scripts]
        failover_to_dr = "{slow}"
        """)

    async def steps(pilot, app):
        await pilot.press("ctrl+d")
        confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                              "the confirmation", pilot=pilot)
        assert confirm.request.danger.label == "high" and confirm.request.typed == NS
        await pilot.press(*NS, "enter")
        await until(lambda: "started" in output_text(app), "the script running", pilot=pilot)
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, OutputScreen) and app.screen.ended, "the cancel", pilot=pilot)
        assert "cancelled" in app.screen.status_text
        await pilot.press("escape")

    await run_app(sim, isolated, cfg, steps)
    [done] = finished("dr.failover")
    assert done["result"] == "cancelled" and done["details"]["cancelled"] is True
    recorded = [int(p) for p in pids.read_text().split()]
    await until(lambda: all(gone(p) for p in recorded), f"the script's processes {recorded} to be gone", timeout=10,
                step=0.05)


async def test_a_hundred_thousand_lines_stay_bounded_on_screen_and_in_the_store(sim, isolated):
    loud = script(isolated, "loud.sh", "seq 1 100000\n")
    cfg = config(isolated, f"""
        [scripts]
        restore_database = "{loud}"
        """)

    async def steps(pilot, app):
        await pilot.press("ctrl+u")
        await until(lambda: isinstance(app.screen, ConfirmActionScreen), "the confirmation", pilot=pilot)
        await pilot.press(*NS, "enter")
        await until(lambda: isinstance(app.screen, OutputScreen) and app.screen.ended,
                    "the end", timeout=120, pilot=pilot)
        await until(lambda: output_text(app).endswith("100000"), "the last line on screen", pilot=pilot)
        assert len(app.screen.query_one("#output-log").lines) <= 5001
        await pilot.press("escape")

    await run_app(sim, isolated, cfg, steps)
    [done] = finished("db.restore_backup")
    output = done["details"]["output"]
    assert output["lines"] == 100000 and output["head"].startswith("1\n2\n") and output["tail"].endswith("100000\n")
    assert len(output["head"].encode()) + len(output["tail"].encode()) <= 2048
    assert len(output["sha256"]) == 64 and output["omitted_bytes"] > 0


@pytest.fixture
async def vault():
    server = VaultReceiver(ADMIN_TOKEN)
    await server.start()
    yield server
    await server.stop()


async def test_vault_revoke_from_its_key_reaches_the_receiver(sim, isolated, vault, monkeypatch):
    receiver = vault
    monkeypatch.setenv("VAULT_ADDR", receiver.url)
    monkeypatch.setenv("VAULT_TOKEN", ADMIN_TOKEN)
    cfg = Config.empty()

    async def steps(pilot, app):
        await pilot.press("ctrl+w")
        await until(lambda: isinstance(app.screen, ParamsScreen), "the token prompt", pilot=pilot)
        await pilot.press(*COMPROMISED, "enter")
        confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                              "the confirmation", pilot=pilot)
        assert COMPROMISED not in json.dumps([confirm.request.command, confirm.request.summary])
        await pilot.press(*NS, "enter")
        await until(lambda: app.action_controller.outcomes, "the outcome", pilot=pilot)
        assert app.action_controller.outcomes[-1].status == "done", app.action_controller.outcomes[-1]

    await run_app(sim, isolated, cfg, steps)
    [request] = receiver.to("/v1/auth/token/revoke")
    assert request.headers["X-Vault-Token"] == ADMIN_TOKEN and request.json == {"token": COMPROMISED}
    rows = everything_recorded(isolated)
    assert ADMIN_TOKEN not in rows and COMPROMISED not in rows and "sha256:" in rows


async def test_a_team_step_from_config_runs_from_its_key(sim, isolated, receiver):
    cfg = config(isolated, f"""
        [[actions.custom]]
        id = "cdn.purge"
        title = "Purge CDN"
        kind = "http"
        key = "f8"
        url = "{receiver.url}/hooks/purge"
        body = '{{"all": true}}'
        danger = "low"
        """)

    async def steps(pilot, app):
        await pilot.press("f8")
        confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                              "the confirmation", pilot=pilot)
        assert confirm.request.spec.title == "Purge CDN"
        await pilot.press("y")
        await until(lambda: app.action_controller.outcomes, "the outcome", pilot=pilot)

    await run_app(sim, isolated, cfg, steps)
    assert registry.all_actions() == registry.ACTIONS  # the session's own steps ended with it
    [request] = receiver.to("/hooks/purge")
    assert request.method == "POST" and request.json == {"all": True}
    [done] = finished("cdn.purge")
    assert done["result"] == "done"


async def test_read_only_starts_no_script_and_sends_nothing(sim, isolated, receiver, vault, monkeypatch):
    marker = isolated / "started"
    for name in ("smoke.sh", "failover.sh"):
        script(isolated, name, f"touch {marker}\n")
    monkeypatch.setenv("VAULT_ADDR", vault.url)
    monkeypatch.setenv("VAULT_TOKEN", ADMIN_TOKEN)
    cfg = config(isolated, f"""
        [scripts]
        smoke_tests = "{isolated / 'smoke.sh'}"
        failover_to_dr = "{isolated / 'failover.sh'}"

        [[actions.custom]]
        id = "cdn.purge"
        title = "Purge CDN"
        kind = "http"
        key = "f8"
        url = "{receiver.url}/hooks/purge"
        """)

    async def steps(pilot, app):
        for key in ("Q", "ctrl+d", "ctrl+w", "f8"):
            await pilot.press(key)
            await pilot.pause(0.2)
            while len(app.screen_stack) > 1:
                await pilot.press("escape")
                await pilot.pause(0.1)
        # And through the command palette, as a responder would type it.
        for query in ("Run smoke tests", "Revoke Vault token", "Purge CDN"):
            await pilot.press("ctrl+p", *query)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.3)
            while len(app.screen_stack) > 1:
                await pilot.press("escape")
                await pilot.pause(0.1)
        outcomes = {o.action_id: o.status for o in app.action_controller.outcomes}
        assert set(outcomes.values()) <= {"unavailable"}, outcomes

    await run_app(sim, isolated, cfg, steps, read_only=True)
    assert not marker.exists()
    assert receiver.requests == [] and vault.requests == []


async def test_the_demo_runs_its_smoke_tests_and_flushes_the_cache_on_the_simulator(sim, isolated):
    """The drill's own scripts, as `irtui demo` configures them: smoke tests pass against the
    simulator, and the runbook's flush cache (a [[actions.custom]] step) acts on it."""
    from irtui.actions.custom import CustomAction
    from irtui.ui.demo import DemoApp, use_demo_scripts

    cfg = Config.empty()
    use_demo_scripts(cfg)
    args = war_args(sim, isolated)
    args.store = None
    workdir = isolated / "demo-work"
    workdir.mkdir()
    connection = open_connection(args, cfg)
    async with war_room(args, connection, cfg, app_class=DemoApp, workdir=workdir, sim_url=sim.url) as app:
        flush = next(a for a in app.action_controller.env.settings.custom if a.id == "cache.flush")
        assert isinstance(flush, CustomAction) and not flush.key  # the runbook gives it no key: the palette runs it
        async with app.run_test(size=(140, 45)) as pilot:
            await until(lambda: app.cluster.rows.get("pods"), "the pods pane", pilot=pilot)
            await pilot.press("Q")
            await until(lambda: isinstance(app.screen, ConfirmActionScreen), "the confirmation", pilot=pilot)
            await pilot.press("y")
            await until(lambda: isinstance(app.screen, OutputScreen) and app.screen.ended,
                        "the smoke tests", pilot=pilot)
            assert "PASS handover-service" in output_text(app) and "0 failed" in output_text(app)
            await pilot.press("escape")
            await until(lambda: not app.action_controller.busy and len(app.screen_stack) == 1, "the end", pilot=pilot)
            await pilot.press("ctrl+p", *"Flush cache")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await until(lambda: isinstance(app.screen, ConfirmActionScreen), "the flush confirmation", pilot=pilot)
            await pilot.press("y")
            await until(lambda: isinstance(app.screen, OutputScreen) and app.screen.ended, "the flush", pilot=pilot)
            assert "cache flushed" in output_text(app)
            await pilot.press("escape")
            await until(lambda: not app.action_controller.busy, "the end", pilot=pilot)
        assert [o.status for o in app.action_controller.outcomes] == ["done", "done"]
    patched = [r for r in sim.audit() if r.get("verb") == "patch" and "/deployments/" in r["path"]]
    assert patched, "the flush script annotated no deployment"
