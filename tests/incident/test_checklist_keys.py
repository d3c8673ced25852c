"""The checklist by keyboard, in the assembled war room against the simulator and SQLite.

From the app's start, by keys only: `o` reaches the checklist on the current phase's next
unticked item, `space` ticks (who and when beside the item) and never unticks, `u` unticks
with a reason, `enter` runs the item's action on the object its runbook step names, escape
goes back to the pane. What is asserted is on screen, in the store and in the simulator's
audit log.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from irtui.config import Config
from irtui.ui.incident import NoteScreen
from irtui.ui.main import open_connection
from irtui.ui.screens.confirm import ConfirmActionScreen
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import declared_elsewhere, isolated, mutations, store_rows, war_args  # noqa: F401 (a fixture)


def highlighted(app) -> str:
    checklist = app.query_one("#checklist-list", OptionList)
    index = checklist.highlighted
    return (checklist.get_option_at_index(index).id or "") if index is not None else ""


def in_checklist(app) -> bool:
    return app.focused is app.query_one("#checklist-list", OptionList)


async def move_to(pilot, app, item: str) -> None:
    """Arrow down the checklist until the cursor is on `item` (the way a responder reads)."""
    for _ in range(60):
        if highlighted(app) == f"item:{item}":
            return
        await pilot.press("down")
    raise AssertionError(f"{item} not reached by arrows; on {highlighted(app)}")


def checklist_rows(path: Path, incident_id: str) -> list[dict]:
    return [r for r in store_rows(path, incident_id) if r["kind"] == "checklist"]


async def test_tick_by_keys_shows_who_and_space_never_unticks(sim, isolated):
    store_file = isolated / "incidents.sqlite"
    incident_id = await declared_elsewhere(store_file, "Task service restarting", phase="assess")
    config = Config.empty()
    args = war_args(sim, isolated)
    args.as_name = "bob"
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await until(lambda: app.session.incident_id == incident_id and app.cluster.rows["pods"],
                        "the open incident and the pods list", pilot=pilot)
            await pilot.press("o")
            await until(lambda: in_checklist(app), "o to focus the checklist", pilot=pilot)
            # The assess phase is open and nothing in it is ticked: its first item.
            assert highlighted(app) == "item:confirm_real"
            await pilot.press("space")
            await until(lambda: "confirm_real" in app.session.state.ticks, "the first tick", pilot=pilot)
            await pilot.press("escape")
            await until(lambda: app._focused_pane_id() == "pods", "escape back to the pods pane", pilot=pilot)
            await pilot.press("o")
            await until(lambda: in_checklist(app), "o again", pilot=pilot)
            assert highlighted(app) == "item:determine_severity"  # the next unticked item

            await pilot.press("down", "space")
            await until(lambda: "identify_affected" in app.session.state.ticks, "the tick", pilot=pilot)
            await until(lambda: "✓ bob" in screen_text(app), "who ticked it, beside the item", pilot=pilot)
            tick = app.session.state.ticks["identify_affected"]
            assert f"✓ {tick.who} {tick.ts.strftime('%H:%M')}" in screen_text(app)

            # Who is here: bob, who joined, and alice, who declared a moment ago.
            await until(lambda: "Here: bob" in screen_text(app) and "alice" in screen_text(app),
                        "who is here", pilot=pilot)

            await pilot.press("space")
            await until(lambda: "already ticked by bob" in screen_text(app), "space refusing to untick", pilot=pilot)
            assert "press u to untick" in screen_text(app)
            assert "identify_affected" in app.session.state.ticks

            await pilot.press("u")
            await until(lambda: isinstance(app.screen, NoteScreen), "the reason asked for", pilot=pilot)
            await pilot.press(*"wrong item", "enter")
            await until(lambda: "identify_affected" not in app.session.state.ticks, "the untick", pilot=pilot)

            await pilot.press("o")
            await until(lambda: app._focused_pane_id() == "pods", "o back to the pods pane", pilot=pilot)

    rows = checklist_rows(store_file, incident_id)
    assert [(r["details"]["item"], r["details"]["state"]) for r in rows] == [
        ("confirm_real", "ticked"), ("identify_affected", "ticked"), ("identify_affected", "unticked")]
    assert rows[2]["details"]["reason"] == "wrong item"
    kinds = [r["kind"] for r in store_rows(store_file, incident_id)]
    assert kinds.count("joined") == 1


async def test_enter_runs_the_items_action_on_the_object_its_step_names(sim, isolated):
    store_file = isolated / "incidents.sqlite"
    incident_id = await declared_elsewhere(store_file, "Gateway errors", phase="assess")
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await until(lambda: app.session.incident_id == incident_id and app.cluster.rows["pods"],
                        "the open incident and the pods list", pilot=pilot)
            # The pods cursor on a task-service pod: what R would restart from the pane.
            for _ in range(40):
                selected = app.pods_pane.selected()
                if selected is not None and selected.name.startswith("task-service-"):
                    break
                await pilot.press("j")
            else:
                raise AssertionError("no task-service pod reached")
            await pilot.press("o")
            await until(lambda: in_checklist(app), "o to focus the checklist", pilot=pilot)
            for phase in ("communicate", "investigate", "resolve"):
                await pilot.press("right_square_bracket")
                await until(lambda: app.session.state.phase == phase, f"] to {phase}", pilot=pilot)
            # "Restart failed pods" names no pod: it acts on the pods pane's row, and says so.
            await move_to(pilot, app, "restart_failed_pods")
            await pilot.press("enter")
            confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                                  "the confirmation", timeout=120, pilot=pilot)
            assert confirm.request.target.label == f"pod/{selected.name}"
            await pilot.press("escape")
            await until(lambda: not isinstance(app.screen, ConfirmActionScreen), "the cancel", pilot=pilot)
            await until(lambda: "names no object" in screen_text(app)
                        and "pods pane's selection" in screen_text(app),
                        "the step saying whose selection it used", pilot=pilot)
            await until(lambda: in_checklist(app), "the checklist again", pilot=pilot)
            ran = len(app.action_controller.outcomes)

            # "Restart specific service": kubectl rollout restart deployment/api-gateway.
            await move_to(pilot, app, "restart_specific_service")
            assert "[R]" in screen_text(app)
            await pilot.press("enter")
            confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                                  "the confirmation", timeout=120, pilot=pilot)
            assert confirm.request.target.label == "deployment/api-gateway"
            await pilot.press("y")
            await until(lambda: len(app.action_controller.outcomes) > ran,
                        "the restart's outcome", timeout=120, pilot=pilot)
            assert app.action_controller.outcomes[-1].status == "done", app.action_controller.outcomes[-1]

    patched = [r["path"].rsplit("/", 1)[-1] for r in mutations(sim.audit())
               if r["method"] == "PATCH" and "/deployments/" in r["path"] and not r["dry_run"] and r["status"] < 400]
    assert patched == ["api-gateway"], patched
    finished = [r for r in store_rows(store_file, incident_id) if r["kind"] == "action_finished"]
    assert finished[-1]["details"]["action"] == "kube.rollout_restart"
    assert "api-gateway" in finished[-1]["details"]["target"]


async def test_on_a_narrow_screen_the_key_shows_the_checklist_and_back_hides_it(sim, isolated):
    store_file = isolated / "incidents.sqlite"
    incident_id = await declared_elsewhere(store_file, "Narrow terminal", phase="assess")
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(lambda: app.session.incident_id == incident_id and app.cluster.rows["pods"],
                        "the open incident and the pods list", pilot=pilot)
            sidebar = app.query_one("#sidebar")
            assert not sidebar.display  # too narrow for it until asked
            await pilot.press("o")
            await until(lambda: in_checklist(app) and sidebar.display, "the checklist shown and focused", pilot=pilot)
            assert highlighted(app) == "item:confirm_real"
            await pilot.press("escape")
            await until(lambda: app._focused_pane_id() == "pods" and not sidebar.display,
                        "back to the pods pane, the checklist hidden again", pilot=pilot)
