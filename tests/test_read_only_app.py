"""A read-only war room changes nothing, whatever is pressed, run or called.

The whole assembled app (`irtui.ui.wiring`) runs against the simulator and a real PostgreSQL
with `--read-only`; every key of the app and of every pane is pressed with that pane
focused, every command-palette entry is run, and the action code is called directly, past
the UI. Afterwards the simulator's audit log holds no mutating request, a `pg_sleep`
session is still alive, and the incident store's file is byte-for-byte untouched.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from textual.widgets import Input

from irtui.actions import registry
from irtui.actions.model import Target
from irtui.config import Config
from irtui.safety import Guard
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import until
from war_room_help import NS, file_state, isolated, mutations, store_rows, war_args  # noqa: F401 (isolated: a fixture)

asyncpg = pytest.importorskip("asyncpg")

SKIP_KEYS = {"q", "ctrl+q", "ctrl+c", "ctrl+p"}  # quitting ends the test; the palette is driven below


def _guards(root, seen=None, depth=0):
    """Every Guard reachable from `root` through attributes (a few levels deep)."""
    seen = seen if seen is not None else set()
    if id(root) in seen or depth > 4 or isinstance(root, (str, bytes, int, float, type)):
        return []
    seen.add(id(root))
    if isinstance(root, Guard):
        return [root]
    found = []
    children = list(root.values()) if isinstance(root, dict) else list(root) if isinstance(root, (list, tuple)) else \
        list(vars(root).values()) if hasattr(root, "__dict__") else []
    for child in children:
        if child.__class__.__module__.startswith(("irtui", "builtins", "kubernetes")):
            found += _guards(child, seen, depth + 1)
    return found


def _bound_keys(app) -> set[str]:
    """Every key bound along the focus chain, including bindings `check_action` hides (a
    read-only pane hides its remediation keys; they are pressed anyway)."""
    from irtui.ui.war_room import KEYMAP

    keys = set(app.active_bindings)
    node = app.focused
    chain = list(node.ancestors_with_self) if node is not None else [app.screen, app]
    for holder in chain:
        for klass in type(holder).__mro__:
            for binding in klass.__dict__.get("BINDINGS", []):
                if isinstance(binding, tuple):
                    keys.add(binding[0])
                    continue
                keys.update(k.strip() for k in KEYMAP.get(binding.id or "", binding.key).split(","))
    return keys


async def _seed_open_incident(store_file) -> str:
    """An incident already open in the store, as another responder would have declared it."""
    from irtui.incident.boot import start_session

    session = await start_session(store=str(store_file), guard=Guard())
    incident_id = await session.declare("task-service errors", "P1", ["task-service"])
    await session.note("seeded before the read-only terminal attached")
    await session.stop()
    await session.store.close()
    return incident_id


async def _close_modals(pilot) -> None:
    app = pilot.app
    for _ in range(10):
        if len(app.screen_stack) <= 1 and not isinstance(app.focused, Input):
            return
        await pilot.press("escape")
        await pilot.pause()


@pytest.mark.timeout(900)  # ~200 keys and palette entries, each given time to act, on 2 shared cores
async def test_read_only_app_changes_nothing_anywhere(sim, isolated, pg_dsn):
    tag = f"irtui-ro-{uuid.uuid4().hex[:8]}"
    try:
        sleeper = await asyncpg.connect(pg_dsn, server_settings={"application_name": tag}, timeout=5)
        watcher = await asyncpg.connect(pg_dsn, timeout=5)
    except Exception as exc:
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable at {pg_dsn}: {exc}")
    # A query text of its own, so no other test's "find the pg_sleep(600)" can pick it.
    sleep_task = asyncio.ensure_future(sleeper.execute(f"SELECT pg_sleep(600) /* {tag} */"))
    try:
        pid = None
        for _ in range(400):
            pid = await watcher.fetchval("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
                                         tag)
            if pid:
                break
            await asyncio.sleep(0.05)
        assert pid, "the pg_sleep session did not start"

        config_file = isolated / "config.toml"
        # A low threshold so the sleeper is listed (and selectable) in the database pane, and
        # metrics scraped through the API server so that path is exercised too.
        config_file.write_text('[database]\nlong_running_minutes = 0.01\ninterval = 1\n\n'
                               '[metrics]\nsource = "scrape"\n')
        config = Config.load(config_file)
        store_file = isolated / "incidents.sqlite"
        incident_id = await _seed_open_incident(store_file)
        before_rows = store_rows(store_file)
        before_files = file_state(store_file)
        audit_start = len(sim.audit())

        args = war_args(sim, isolated, read_only=True, db_dsn=pg_dsn)
        connection = open_connection(args, config)
        assert connection.guard.read_only
        async with war_room(args, connection, config) as app:
            async with app.run_test(size=(160, 50)) as pilot:
                # One switch: every Guard the session's parts hold is the connection's.
                holders = [app.session, app.session.store, app.action_controller.env, app.database_pane.clients,
                           app.pane("health").checker, app.pane("metrics").source]
                for holder in holders:
                    guards = _guards(holder)
                    assert guards and all(g is connection.guard for g in guards), (holder, guards)
                await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
                await until(lambda: app.session.incident_id == incident_id, "the open incident", pilot=pilot)
                db = app.pane("database")
                long_table = db.query_one("#db-long")
                await until(lambda: str(pid) in long_table.rows,
                            "the pg_sleep backend in the database pane", pilot=pilot)
                long_table.move_cursor(row=long_table.get_row_index(str(pid)))
                await until(lambda: getattr(db.selected(), "pid", None) == pid, "the cursor on the pg_sleep backend",
                            pilot=pilot)
                assert "RO" in str(app.header.render()) or app.header.read_only

                focus_targets = {
                    "pods": lambda: app.pods_pane.table, "nodes": lambda: app.nodes_pane.table,
                    "events": lambda: app.events_pane.table,
                    "timeline": lambda: app.query_one("#timeline-list"),
                    "metrics": lambda: app.pane("metrics").query_one("CellTable"),
                    "health": lambda: app.pane("health").query_one("CellTable"),
                    "database": lambda: db.query_one("#db-long"),
                    "checklist": lambda: app.query_one("#checklist-list"),
                }
                pressed: dict[str, list[str]] = {}
                for where, widget in focus_targets.items():
                    if where != "checklist":
                        app.show_pane(where)
                    await pilot.pause()
                    widget().focus()
                    await pilot.pause()
                    keys = sorted(key for key in _bound_keys(app) if key not in SKIP_KEYS)
                    pressed[where] = keys
                    for key in keys:
                        await pilot.press(key)
                        await pilot.pause()
                        await _close_modals(pilot)
                        if where != "checklist" and app.active_pane != where:
                            app.show_pane(where)
                            await pilot.pause()
                        if app.focused is not widget():
                            widget().focus()
                            await pilot.pause()
                # The keys that would change something were among those pressed.
                assert {"R", "S", "X", "D", "C"} <= set(pressed["pods"])
                assert {"c", "k", "K", "ctrl+o", "T"} <= set(pressed["database"])
                assert {"N", "s", "V", "plus"} <= set(pressed["timeline"])
                assert {"space", "right_square_bracket"} <= set(pressed["checklist"])

                # Every command-palette entry every provider offers.
                app.show_pane("pods")
                await pilot.pause()
                ran = 0
                for provider_class in app.COMMANDS:
                    if not isinstance(provider_class, type):
                        continue
                    provider = provider_class(app.screen)
                    hits = [hit async for hit in provider.discover()]
                    for hit in hits:
                        result = hit.command()
                        if asyncio.iscoroutine(result):
                            await result
                        ran += 1
                        await pilot.pause()
                        await _close_modals(pilot)
                assert ran >= len(registry.all_actions())
                await until(lambda: not app.action_controller.busy, "the last action to finish", pilot=pilot)

                # Past the UI: the runner with a responder who says yes to everything, then
                # each implementation's steps called directly, so only the clients stand in
                # the way.
                env = app.action_controller.env
                runner = app.action_controller.runner

                async def yes(_request):
                    return True

                runner.confirm = yes
                targets = {
                    "deployment": Target("deployment", "task-service", NS),
                    "statefulset": Target("statefulset", "postgres", NS),
                    "pod": Target("pod", app.pods_pane.selected().name, NS),
                    "node": Target("node", app.nodes_pane.rows[next(iter(app.nodes_pane.rows))].name),
                    "namespace": Target("namespace", NS, NS),
                    "secret": Target("secret", "emr-api-credentials", NS),
                    "configmap": Target("configmap", "task-service-config", NS),
                    "release": Target("release", "emrtask-prod", NS),
                    "db_backend": Target("db_backend", str(pid)),
                    "database": Target("database", "primary"),
                    "db_replica": Target("db_replica", "replica"),
                }
                defaults = {"replicas": 0, "name": "EMR_FALLBACK_MODE", "value": "true", "key": "K", "minutes": 0}
                for spec in registry.all_actions():
                    if not spec.mutating:
                        continue
                    target = targets[spec.target_kinds[0]]
                    outcome = await runner.run(spec.id, target, defaults)
                    assert outcome.status != "done", outcome
                    impl = registry.implementation(spec)
                    from irtui.actions.executor import _call

                    try:
                        prepared = await _call(impl.prepare, env, target, defaults)
                        await _call(impl.execute, env, target, defaults, prepared)
                    except Exception:  # ReadOnlyError from a guarded client, or nothing to do
                        pass
                    else:
                        raise AssertionError(f"{spec.id} ran in a read-only session")
            await asyncio.sleep(0)

        # Nothing reached the cluster, the database or the store.
        assert mutations(sim.audit()[audit_start:]) == []
        alive = await watcher.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", pid)
        assert alive == 1, "the pg_sleep backend was terminated or cancelled"
        assert not sleep_task.done()
        assert store_rows(store_file) == before_rows
        assert file_state(store_file) == before_files
    finally:
        sleep_task.cancel()
        with contextlib_suppress():
            await watcher.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                                  tag)
        sleeper.terminate()
        await watcher.close()


def contextlib_suppress():
    import contextlib

    return contextlib.suppress(Exception)


async def test_read_only_war_room_writes_no_file_in_the_data_directory(sim, isolated):
    """`irtui --read-only` with the default store: the data directory is not even created,
    whatever is pressed, and nothing mutating reaches the cluster."""
    from irtui.cli import parse_args

    data_home = isolated / "data-home"
    args = parse_args(["--read-only", "--kubeconfig", sim.kubeconfig, "--context", "sim-sre"])
    config = Config.load(args.config)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            for key in ("I", "N", "X", "R", "F", "E", "t", "N", "space"):
                await pilot.press(key)
                await pilot.pause()
                await _close_modals(pilot)
            await until(lambda: not app.action_controller.busy, "the last action to finish", pilot=pilot)
            await pilot.press("q")
    assert not data_home.exists(), sorted(str(p) for p in data_home.rglob("*"))
    assert mutations(sim.audit()) == []


async def test_read_only_demo_says_read_only_and_starts_no_scenario(sim, isolated):
    """In a read-only demo the scenario key says so instead of opening the picker, and the
    palette's scenario entries are refused by the guarded client: the simulator runs none."""
    from irtui.cli import parse_args
    from irtui.ui.demo import DemoApp

    from polling import screen_text
    from war_room_help import control

    args = parse_args(["--read-only", "demo"])
    config = Config.empty()
    connection = open_connection(args, config, kubeconfig=sim.kubeconfig, context="sim-sre")
    workdir = isolated / "demo-work"
    workdir.mkdir()
    async with war_room(args, connection, config, app_class=DemoApp, workdir=workdir, sim_url=sim.url) as app:
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            await until(lambda: app.scenario_help, "the scenario list", pilot=pilot)
            await pilot.press("x")
            await until(lambda: "does not start or stop scenarios" in screen_text(app),
                        "the read-only notice", pilot=pilot)
            assert len(app.screen_stack) == 1
            await pilot.press("ctrl+p")
            await until(lambda: len(app.screen_stack) > 1, "the command palette", pilot=pilot)
            await pilot.press(*"start scenario node-notready")
            await until(lambda: "(read-only: refused)" in screen_text(app),
                        "the palette's read-only entry", pilot=pilot)
            await pilot.press("enter")
            await until(lambda: "not started: read-only mode" in screen_text(app), "the refusal", pilot=pilot)
    doc = (await control(sim, "GET", "/sim/scenarios")).json()
    assert not doc.get("active") and not doc.get("running"), doc
    assert mutations(sim.audit()) == []


async def test_write_over_a_read_only_context_is_shown_and_recorded(sim, isolated):
    from irtui.cli import parse_args
    from irtui.incident.journal import Journal

    from polling import screen_text

    config_file = isolated / "config.toml"
    config_file.write_text('[contexts."sim-sre".cluster]\nread_only = true\n')
    args = parse_args(["--config", str(config_file), "--kubeconfig", sim.kubeconfig, "--context", "sim-sre",
                       "--write"])
    config = Config.load(args.config)
    connection = open_connection(args, config)
    assert not connection.guard.read_only
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 40)) as pilot:
            await until(lambda: screen_text(app).startswith(" WRITE "), "the WRITE badge", pilot=pilot)
            await pilot.press("q")
    recorded = Journal(isolated / "data-home" / "irtui" / "journal.sqlite").unattached()
    assert [(e.kind, e.text) for e in recorded] == [
        ("write_override", '--write overrides [contexts."sim-sre".cluster] read_only')]


async def test_theme_before_or_after_demo_is_applied_and_an_unknown_one_is_one_line(sim, isolated, capsys):
    from irtui.cli import parse_args
    from irtui.ui.demo import DemoApp
    from irtui.ui.wiring import run_war_room

    config = Config.empty()
    for argv in (["--theme", "nord", "demo"], ["demo", "--theme", "nord"]):
        args = parse_args(argv)
        connection = open_connection(args, config, kubeconfig=sim.kubeconfig, context="sim-sre")
        workdir = isolated / f"demo-{len(argv[0])}"
        workdir.mkdir()
        async with war_room(args, connection, config, app_class=DemoApp, workdir=workdir, sim_url=sim.url) as app:
            assert app.theme == "nord"
    args = parse_args(["--theme", "no-such-theme", "--kubeconfig", sim.kubeconfig, "--context", "sim-sre"])
    args.store = str(isolated / "incidents.sqlite")
    assert await run_war_room(args, open_connection(args, config), config) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown theme 'no-such-theme'" in err, err
