"""The assembled war room (`irtui.ui.wiring`) against the real simulator, SQLite and PostgreSQL.

Every test builds the app the way `irtui` does (arguments, config, the connection's Guard,
the incident store on disk) and drives it headless through keys; what is asserted is what
arrived at the servers and what is on disk, not which method was called.
"""

from __future__ import annotations

import socket
import subprocess
import sys

from textual.widgets import Button, Input, OptionList, Select

from irtui.config import Config
from irtui.ui.action_bindings import action_bindings
from irtui.ui.incident import ClockBar, DeclareIncidentScreen, NoteScreen
from irtui.ui.main import open_connection
from irtui.ui.panes.database import DatabasePane
from irtui.ui.panes.health import HealthPane
from irtui.ui.panes.metrics import MetricsPane
from irtui.ui.screens.confirm import ConfirmActionScreen
from irtui.ui.war_room import KEYMAP
from irtui.ui.wiring import run_war_room, war_room

from polling import screen_text, until
from war_room_help import control, isolated, store_rows, war_args  # noqa: F401 (isolated: a fixture)

PANES = ["pods", "nodes", "events", "timeline", "metrics", "health", "database"]


def _task_service_pod(app) -> str | None:
    """A task-service pod the pods pane lists (its sorted index follows the state a moment
    later, and selecting or asking for the cursor's row needs it there)."""
    index = app.pods_pane.table.index
    return next((key for key, row in app.cluster.rows["pods"].items()
                 if row.name.startswith("task-service-") and key in index), None)


async def test_full_app_mounts_every_pane_shows_pods_and_fits_80x24(sim, isolated, pg_dsn):
    config = Config.empty()
    args = war_args(sim, isolated, db_dsn=pg_dsn)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: _task_service_pod(app), "task-service pods in the pods pane", pilot=pilot)
            assert [frame.spec.id for frame in app.pane_frames] == PANES
            assert isinstance(app.pane("metrics"), MetricsPane)
            assert isinstance(app.pane("health"), HealthPane)
            assert isinstance(app.pane("database"), DatabasePane)
            assert app.pods_pane.selected() is not None
            # The keys the module docstring promises bring each pane forward.
            for key, pane_id in (("t", "timeline"), ("m", "metrics"), ("h", "health"), ("7", "database"),
                                 ("1", "pods")):
                await pilot.press(key)
                await until(lambda: app.active_pane == pane_id, f"{key} to show {pane_id}", pilot=pilot)
            await pilot.press("tab")
            await until(lambda: app.active_pane == "nodes", "tab to move to the next pane", pilot=pilot)
            await pilot.press("shift+tab")
            await until(lambda: app.active_pane == "pods", "shift+tab to move back", pilot=pilot)
            assert app.action_keys()["kube.rollout_restart"] == "R"
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            for number in range(1, len(PANES) + 1):
                await pilot.press(str(number))
                await until(lambda: app.active_pane == PANES[number - 1], f"pane {number}", pilot=pilot)
                await pilot.pause()
                bar = app.query_one(ClockBar)
                assert bar.region.height == 1 and bar.region.y < 24 and bar.region.width >= 78, bar.region
                assert "no incident open" in str(bar.render())
            assert app.query_one("Footer").region.y == 23
            await pilot.resize_terminal(300, 80)
            await pilot.pause()
            assert app.layout_mode == "grid" and all(frame.display for frame in app.pane_frames)
            assert app.query_one("#sidebar").display


async def _declare(pilot, app, title: str) -> str:
    await pilot.press("I")
    screen = await until(lambda: isinstance(app.screen, DeclareIncidentScreen) and app.screen,
                         "the declare-incident screen", pilot=pilot)
    screen.query_one("#declare-title", Input).focus()
    await pilot.press(*title)
    screen.query_one("#declare-severity", Select).value = "P1"
    screen.query_one("#declare-services", Input).value = "task-service"
    screen.query_one("#declare-ok", Button).press()
    await until(lambda: app.session.is_open, "the incident to be declared", pilot=pilot)
    await until(lambda: not isinstance(app.screen, DeclareIncidentScreen), "the declare screen to close", pilot=pilot)
    return app.session.incident_id


async def test_declare_tick_note_and_remediate_are_recorded_in_order(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    store_file = isolated / "incidents.sqlite"
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            await until(lambda: _task_service_pod(app), "task-service pods", pilot=pilot)
            incident_id = await _declare(pilot, app, "Task service restarting")

            # Tick the first item of the open phase, from the checklist sidebar.
            checklist = app.query_one("#checklist-list", OptionList)
            checklist.focus()
            await pilot.pause()
            await pilot.press("space")
            await until(lambda: app.session.state.ticks, "the tick", pilot=pilot)

            # A note, from wherever the responder is (N is an app key).
            app.show_pane("pods")
            await pilot.pause()
            await pilot.press("N")
            await until(lambda: isinstance(app.screen, NoteScreen), "the note screen", pilot=pilot)
            await pilot.press(*"db pool exhausted?", "enter")
            await until(lambda: any(e.kind == "note" for e in app.session.timeline), "the note", pilot=pilot)

            # Rollout restart of task-service from one of its pods, confirmed with y.
            pod = _task_service_pod(app)
            assert app.pods_pane.select(pod)
            await pilot.pause()
            await pilot.press("R")
            confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                                  "the confirmation", timeout=120, pilot=pilot)
            assert confirm.request.target.label == "deployment/task-service"
            assert app.pods_pane.frozen  # the list cannot move under the confirmation
            await pilot.press("y")
            await until(lambda: app.action_controller.outcomes, "the restart's outcome", timeout=120, pilot=pilot)
            outcome = app.action_controller.outcomes[-1]
            assert outcome.status == "done", outcome
            assert not app.pods_pane.frozen

    records = sim.audit()
    patches = [r for r in records if r["method"] == "PATCH" and r["path"].endswith("/deployments/task-service")
               and r["status"] < 400]
    assert [r["dry_run"] for r in patches][:2] == [True, False], patches

    rows = store_rows(store_file, incident_id)
    kinds = [r["kind"] for r in rows]
    wanted = ["declared", "checklist", "note", "action_started", "action_finished"]
    positions = [kinds.index(kind) for kind in wanted]
    assert positions == sorted(positions), kinds
    finished = rows[kinds.index("action_finished")]
    assert finished["details"]["action"] == "kube.rollout_restart" and finished["details"]["result"] == "done"
    assert "rollout restart" in finished["details"]["command"]

    verify = subprocess.run([sys.executable, "-m", "irtui", "verify", incident_id, "--store", str(store_file)],
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr


async def test_scenario_becomes_one_observation_in_the_open_incident(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: _task_service_pod(app), "task-service pods", pilot=pilot)
            await _declare(pilot, app, "Watching task-service")
            await control(sim, "POST", "/sim/scenarios/crashloop-task-service")
            await control(sim, "POST", "/sim/advance", json={"seconds": 120})

            def observed():
                return [e for e in app.session.timeline if e.kind == "observation"
                        and "task-service" in e.details.get("key", "")]

            await until(observed, "a task-service observation in the timeline", timeout=120, pilot=pilot)
            # More time passes and the watch delivers more changes for the same pods; the
            # same occurrence must not be written again (and a replay to the observer, as on
            # attaching to an incident, is deduplicated too).
            await control(sim, "POST", "/sim/advance", json={"seconds": 60})
            await pilot.pause(2)
            app.cluster.remove_observer(app.session.observer)
            app.cluster.add_observer(app.session.observer)
            await pilot.pause(2)
            await until(lambda: not app.session._observations, "queued observations to be written", pilot=pilot)
            keys = [e.details["key"] for e in app.session.timeline if e.kind == "observation"]
            assert len(keys) == len(set(keys)), keys
            rows = store_rows(isolated / "incidents.sqlite", app.session.incident_id)
            stored = [r["details"]["key"] for r in rows if r["kind"] == "observation"]
            assert sorted(stored) == sorted(keys)


async def test_demo_app_is_the_war_room_with_its_scenario_key(sim, isolated):
    """`irtui demo` runs the same assembly with the demo's app class; its incidents and audit
    journal stay in the demo's own directory."""
    from irtui.ui.demo import DemoApp

    config = Config.empty()
    args = war_args(sim, isolated)
    args.store = None
    workdir = isolated / "demo-work"
    workdir.mkdir()
    connection = open_connection(args, config)
    async with war_room(args, connection, config, app_class=DemoApp, workdir=workdir, sim_url=sim.url) as app:
        assert isinstance(app, DemoApp)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: _task_service_pod(app), "task-service pods", pilot=pilot)
            assert [frame.spec.id for frame in app.pane_frames] == PANES[:-1]  # no DSN: no database pane
            assert app.header.extra == "DEMO"
            await _declare(pilot, app, "Drill")
            await pilot.press("x")
            await until(lambda: len(app.screen_stack) > 1, "the scenario picker", pilot=pilot)
            await pilot.press("escape")
    assert store_rows(workdir / "incidents.sqlite")
    assert not (isolated / "data-home" / "irtui" / "incidents.sqlite").exists()


async def test_bad_runbook_and_bad_store_are_one_line_and_exit_2(sim, isolated, capsys, pg_dsn):
    config = Config.empty()
    bad = isolated / "runbook.toml"
    bad.write_text('[runbook]\nname = "x"\n\n[[severities]]\nid = 3\n')
    args = war_args(sim, isolated)
    args.runbook = str(bad)
    connection = open_connection(args, config)
    assert await run_war_room(args, connection, config) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err and ":" in err.split(str(bad), 1)[1], err

    args = war_args(sim, isolated)
    # A server that answers and refuses (an unknown role): unusable, unlike one that is down.
    server = pg_dsn.split("@", 1)[1].split("/", 1)[0]
    args.store = f"postgresql://nobody:secret@{server}/none"
    assert await run_war_room(args, connection, config) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "incident store" in err and "secret" not in err, err


def _keys(cls) -> dict[str, set[str]]:
    """key -> binding ids (or actions) a class binds, after the war room's remaps."""
    out: dict[str, set[str]] = {}
    for klass in reversed(cls.__mro__):
        for binding in klass.__dict__.get("BINDINGS", []):
            ident = binding.id or binding.action
            for key in KEYMAP.get(ident, binding.key).split(","):
                out.setdefault(key.strip(), set()).add(ident)
    return out


def test_key_map_has_no_collisions():
    """What a focused pane (or its table) binds never shadows an app key with a different
    meaning; the only shared keys are documented aliases of the same action."""
    from irtui.ui.demo import DemoApp
    from irtui.ui.incident import ChecklistSidebar, TimelinePane
    from irtui.ui.panes import ClusterPane
    from irtui.ui.widgets.virtual_table import CellTable, VirtualTable

    aliases = [{"incident.timeline.note", "incident.note"}, {"incident.timeline.close", "incident.close"},
               {"database.promote_replica", "db.promote_replica"}]
    app = _keys(DemoApp)
    app.update({spec_key: {f"show_pane:{spec_key}"} for spec_key in ("t", "m", "h")})  # PaneSpec keys
    panes = {
        "cluster pane": (VirtualTable, ClusterPane), "checklist": (OptionList, ChecklistSidebar),
        "timeline": (OptionList, TimelinePane), "metrics": (CellTable, MetricsPane),
        "health": (CellTable, HealthPane), "database": (CellTable, DatabasePane),
    }
    for where, classes in panes.items():
        pane: dict[str, set[str]] = {}
        for cls in classes:
            for key, idents in _keys(cls).items():
                pane.setdefault(key, set()).update(idents)
        for key in pane.keys() & app.keys():
            both = pane[key] | app[key]
            assert any(both <= alias for alias in aliases), f"{where}: {key!r} is {sorted(pane[key])} there " \
                                                             f"but {sorted(app[key])} in the app"
    # Every app-level key means one thing.
    for key, idents in app.items():
        assert len(idents) == 1 or key in ("tab", "shift+tab"), (key, idents)
    assert len({b.key for b in action_bindings()}) == len(action_bindings())


async def test_keys_are_remapped_from_config_and_bad_entries_are_one_line(sim, isolated, capsys):
    """`[keys]` moves an action to another key: the old key no longer runs it, the new one
    does (the scale dialog opens for the selected workload); a bad entry names file:line."""
    path = isolated / "config.toml"
    path.write_text('[keys]\n"kube.scale" = "f6"\n')
    config = Config.load(path)
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            pod = await until(lambda: _task_service_pod(app), "task-service pods", pilot=pilot)
            app.pods_pane.select(pod)
            app.pods_pane.focus()
            await pilot.pause()
            assert app.action_controller.keys["kube.scale"] == "f6"
            await pilot.press("S")
            await pilot.pause()
            assert len(app.screen_stack) == 1, "S still runs scale after it was remapped"
            await pilot.press("f6")
            await until(lambda: len(app.screen_stack) > 1, "the scale dialog on f6", pilot=pilot)
            await pilot.press("escape")

    path.write_text('[actions]\nbulk_confirm_over = 3\n\n[keys]\n"kube.scale" = 6\n')
    assert await run_war_room(args, connection, Config.load(path)) == 2
    err = capsys.readouterr().err.strip()
    assert f"{path}:5: keys.kube.scale:" in err, err


async def test_a_drill_watches_the_local_postgresql_or_says_once_that_there_is_none(sim, isolated, pg_dsn,
                                                                                     monkeypatch):
    """`irtui demo` without --db-dsn: a PostgreSQL answering on this machine becomes the
    database pane (said at start); with none answering, the start says so, once, and how."""
    from urllib.parse import urlsplit

    from irtui.ui import demo
    from irtui.ui.demo import DemoApp, choose_database

    where = urlsplit(pg_dsn)
    monkeypatch.setattr(demo, "LOCAL_DATABASE", (where.hostname, where.port or 5432))
    monkeypatch.setenv("PGUSER", where.username or "postgres")
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    note = choose_database(args, config, connection)
    assert args.db_dsn and args.db_dsn.startswith(f"postgresql://{where.username or 'postgres'}@")
    async with war_room(args, connection, config, app_class=DemoApp, workdir=isolated, sim_url=sim.url,
                        database_note=note) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            assert "watches the PostgreSQL on this machine" in note
            await until(lambda: f"{where.username or 'postgres'} @ postgresql://" in screen_text(app),
                        "the database pane on the local server", pilot=pilot)
            assert "database" in [frame.spec.id for frame in app.pane_frames]

    with socket.socket() as closed:  # bound, not listening: nothing answers there
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setattr(demo, "LOCAL_DATABASE", closed.getsockname())
        args = war_args(sim, isolated)
        note = choose_database(args, config, connection)
    assert args.db_dsn is None and note.startswith("no database pane: no PostgreSQL answers on 127.0.0.1:")
    assert "--db-dsn" in note
    args.db_dsn = pg_dsn  # the responder's own choice is not remarked on
    assert choose_database(args, config, connection) is None and args.db_dsn == pg_dsn
