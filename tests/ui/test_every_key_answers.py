"""A key that cannot act says why, on screen, and sends nothing; a read-only terminal runs
the diagnostics that change nothing and shows their result without recording it.

Driven from the app's start by key presses only, against the simulator; what is asserted is
the screen, the simulator's audit log and the store on disk."""

from __future__ import annotations

from irtui.config import Config
from irtui.ui.main import open_connection
from irtui.ui.screens.confirm import ResultScreen
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import isolated, mutations, store_rows  # noqa: F401 (isolated: a fixture)


async def _answer(pilot, key: str, expected: str) -> None:
    await pilot.press(key)
    await until(lambda: expected in screen_text(pilot.app), f"{key} to answer {expected!r}", timeout=30, pilot=pilot)
    await pilot.press("escape")  # nothing opened; escape must not matter


async def test_read_only_keys_say_why_and_diagnostics_run_unrecorded(sim, isolated):
    from irtui.cli import parse_args

    store_file = isolated / "incidents.sqlite"
    args = parse_args(["--read-only", "--kubeconfig", sim.kubeconfig, "--context", "sim-sre",
                       "--store", str(store_file)])
    config = Config.empty()
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            await _answer(pilot, "R", "Rollout restart: read-only terminal")
            await _answer(pilot, "X", "Delete pod: read-only terminal")
            await _answer(pilot, "J", "Health from inside the pod: read-only")
            await _answer(pilot, "I", "read-only terminal: declaring an incident")
            await _answer(pilot, "N", "read-only terminal: notes are not recorded")
            await pilot.press("4")  # the timeline's own keys answer too
            await until(lambda: app.active_pane == "timeline", "the timeline pane", pilot=pilot)
            await _answer(pilot, "V", "read-only terminal: the timeline is not")
            await _answer(pilot, "g", "read-only terminal: the timeline is not")
            await _answer(pilot, "r", "no incident open: v lists the incidents")
            await pilot.press("1")
            await _answer(pilot, "A", "Cancel query: read-only terminal")
            await _answer(pilot, "F", "Collect forensics: read-only terminal")
            # The health checks only read: they run, and their round is shown.
            await pilot.press("H")
            result = await until(lambda: isinstance(app.screen, ResultScreen) and app.screen,
                                 "the health check round", timeout=60, pilot=pilot)
            assert result.title_text.startswith("Health check all services"), result.title_text
            await pilot.press("escape")
            outcome = app.action_controller.outcomes[-1]
            assert (outcome.action_id, outcome.status) == ("health.check_all", "done"), outcome
            # So does the rollout status of the selected pod's deployment.
            await pilot.press("W")
            await until(lambda: app.action_controller.outcomes[-1].action_id == "kube.rollout_status",
                        "the rollout status", timeout=60, pilot=pilot)
            outcome = app.action_controller.outcomes[-1]
            assert outcome.status == "done" and outcome.target.kind == "deployment", outcome
            while len(app.screen_stack) > 1:  # its result, when it has lines
                await pilot.press("escape")
                await pilot.pause()
            await pilot.press("q")
    assert mutations(sim.audit()) == []
    assert store_rows(store_file) == []


async def test_no_pod_selected_says_where_to_pick_one(sim, isolated):
    from irtui.cli import parse_args

    args = parse_args(["--kubeconfig", sim.kubeconfig, "--context", "sim-sre",
                       "--store", str(isolated / "incidents.sqlite")])
    config = Config.empty()
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            await pilot.press("2")  # the nodes pane: a node is no pod
            await until(lambda: app.active_pane == "nodes", "the nodes pane", pilot=pilot)
            await _answer(pilot, "X", "Delete pod: no pod selected")
            await _answer(pilot, "A", "Cancel query: no database configured")
            await pilot.press("4")  # the timeline: nothing to act on, and no incident
            await until(lambda: app.active_pane == "timeline", "the timeline pane", pilot=pilot)
            await _answer(pilot, "V", "no incident open: I declares one")
    assert mutations(sim.audit()) == []


async def test_a_refused_identity_hears_the_rbac_reason(sim, isolated):
    from war_room_help import war_args

    args = war_args(sim, isolated, context="sim-viewer")
    config = Config.empty()
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            await pilot.press("j")  # the cursor settles on a pod: its access reviews are asked
            await until(lambda: app.action_controller.check("kube.delete_pod") is None,
                        "the access review", pilot=pilot)
            await _answer(pilot, "X", "Delete pod: RBAC: viewer may not")
    assert mutations(sim.audit()) == []
