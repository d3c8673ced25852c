"""Markup and escape sequences from the cluster, the runbook and the keyboard, in the war room.

Each test starts the assembled app against the simulator and drives it with keys only: the
hostile text arrives the way it would in an outage (an event burst, a typed title, role or
env value, a runbook file), the view that used to crash or swallow it is opened, and the
screen must show the text literally while the app carries on.
"""

from __future__ import annotations

import subprocess
import sys

from textual.widgets import Select

from irtui.config import Config
from irtui.runbook import DEFAULT_RUNBOOK
from irtui.ui.incident import DeclareIncidentScreen, NoteScreen
from irtui.ui.main import open_connection
from irtui.ui.screens.confirm import ConfirmActionScreen, ParamsScreen
from irtui.ui.wiring import war_room

from hostile import HOSTILE_POD, NS, plant, warning_events
from polling import screen_text, until
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)

MARKUP_TITLE = "DB [/x] [@click=app.quit]q[/] [link=https://x]l[/link] [$accent]a [on red]r"


def _task_pod(app) -> str | None:
    index = app.pods_pane.table.index
    return next((row.name for key, row in app.cluster.rows["pods"].items()
                 if row.name.startswith("task-service-") and key in index), None)


async def _focus_by_tab(pilot, app, widget_id: str, limit: int = 30) -> None:
    """Press tab until the widget with this id has focus, as a person tabbing through a form."""
    for _ in range(limit):
        if app.focused is not None and app.focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached #{widget_id}")


async def _declare(pilot, app, title: str) -> str:
    await pilot.press("I")
    screen = await until(lambda: isinstance(app.screen, DeclareIncidentScreen) and app.screen,
                         "the declare-incident screen", pilot=pilot)
    await until(lambda: app.focused is not None and app.focused.id == "declare-title", "the title field", pilot=pilot)
    await pilot.press(*title)
    await _focus_by_tab(pilot, app, "declare-severity")
    await pilot.press("enter", "down", "enter")
    await until(lambda: screen.query_one("#declare-severity", Select).value is not Select.BLANK,
                "a severity chosen", pilot=pilot)
    await _focus_by_tab(pilot, app, "declare-ok")
    await pilot.press("enter")
    await until(lambda: app.session.is_open, "the incident to be declared", pilot=pilot)
    await until(lambda: not isinstance(app.screen, DeclareIncidentScreen), "the declare screen to close", pilot=pilot)
    return app.session.incident_id


async def _open_entry(pilot, app, kind: str) -> None:
    """Show the timeline (t), move the highlight to the newest entry of `kind`, press enter."""
    await pilot.press("t")
    await until(lambda: app.focused is not None and app.focused.id == "timeline-list", "the timeline", pilot=pilot)
    timeline = app.session.timeline
    target = max(i for i, e in enumerate(timeline) if e.kind == kind)
    await pilot.press("end")
    for _ in range(len(timeline) - 1 - target):
        await pilot.press("up")
    await pilot.press("enter")


async def test_markup_in_a_title_a_role_and_an_event_reason_is_shown_as_text(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(200, 60), notifications=True) as pilot:
            pod = await until(lambda: _task_pod(app), "task-service pods", pilot=pilot)
            await _declare(pilot, app, MARKUP_TITLE)
            assert app.session.state.title == MARKUP_TITLE
            await until(lambda: "DB [/x] [@click=app.quit]q[/]" in screen_text(app)
                        and "[link=https://x]l[/link] [$accent]a [on red]r" in screen_text(app),
                        "the title on the timeline, literally", pilot=pilot)

            # A role given to a person whose name is markup, and a role that is not one.
            await pilot.press("t", "a")
            await until(lambda: isinstance(app.screen, NoteScreen), "the role prompt", pilot=pilot)
            await pilot.press(*"scribe [b]al[/x]ice", "enter")
            await until(lambda: any(e.kind == "role" for e in app.session.timeline), "the role entry", pilot=pilot)
            await pilot.press("a")
            await until(lambda: isinstance(app.screen, NoteScreen), "the role prompt again", pilot=pilot)
            await pilot.press(*"[/x] bob", "enter")
            await until(lambda: "unknown role '[/x]'" in screen_text(app), "the unknown role, literally", pilot=pilot)

            # An event reason that closes a tag nobody opened, recorded as an observation.
            warning_events(sim, pod, "BackOff[/x]", "Probe[@click=app.quit] failed [require-owner]")
            await until(lambda: any(e.kind == "observation" and "BackOff[/x]" in e.text
                                    for e in app.session.timeline), "the warning-burst observation", pilot=pilot)
            await _open_entry(pilot, app, "observation")
            await until(lambda: "Timeline entry" in screen_text(app) and "'BackOff[/x]'" in screen_text(app),
                        "the observation's details, literally", pilot=pilot)
            await _open_entry(pilot, app, "role")
            await until(lambda: "[b]al[/x]ice" in screen_text(app), "the role's person, literally", pilot=pilot)
            await _open_entry(pilot, app, "declared")
            await until(lambda: "[link=https://x]l[/link]" in screen_text(app), "the title's details", pilot=pilot)
            assert app.is_running and app.return_code is None


async def test_env_value_with_brackets_is_set_shown_and_can_be_undone(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await until(lambda: _task_pod(app), "task-service pods", pilot=pilot)
            await pilot.press("1", "E")  # E acts on the deployment of the pod under the cursor
            await until(lambda: isinstance(app.screen, ParamsScreen), "the env parameters", timeout=120, pilot=pilot)
            await pilot.press("ctrl+a", "ctrl+k", *"MY_PATHS=[/srv/a]", "enter")
            confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                                  "the confirmation", timeout=120, pilot=pilot)
            assert "MY_PATHS=[/srv/a]" in screen_text(app)
            await pilot.press("y")
            await until(lambda: app.action_controller.outcomes, "the outcome", timeout=120, pilot=pilot)
            outcome = app.action_controller.outcomes[-1]
            assert outcome.status == "done", outcome
            await until(lambda: "MY_PATHS" in screen_text(app), "the outcome's toast", pilot=pilot)
            assert app.action_controller.runner.last_undo is not None
            await pilot.press("U")
            await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen is not confirm,
                        "the undo's confirmation", timeout=120, pilot=pilot)
            await pilot.press("y")
            await until(lambda: len(app.action_controller.outcomes) == 2,
                        "the undo's outcome", timeout=120, pilot=pilot)
            assert app.action_controller.outcomes[-1].status == "done", app.action_controller.outcomes[-1]
            target = confirm.request.target
    patches = [r for r in sim.audit() if r["method"] == "PATCH" and not r["dry_run"] and r["status"] < 400
               and r["path"].endswith(f"/namespaces/{NS}/{target.kind}s/{target.name}")]
    assert len(patches) == 2, patches  # the set, then its undo


def _markup_runbook(tmp_path) -> str:
    text = DEFAULT_RUNBOOK.read_text()
    assert 'text = "Services Available?"' in text
    path = tmp_path / "runbook.toml"
    path.write_text(text.replace('text = "Services Available?"', 'text = "Services [/x] Available? [@click=app.quit]"'))
    return str(path)


async def test_runbook_question_with_markup_is_accepted_and_shown_as_text(sim, isolated):
    runbook = _markup_runbook(isolated)
    check = subprocess.run([sys.executable, "-m", "irtui", "runbook", "check", runbook],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    config = Config.empty()
    args = war_args(sim, isolated)
    args.runbook = runbook
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await until(lambda: _task_pod(app), "task-service pods", pilot=pilot)
            await pilot.press("I")
            await until(lambda: isinstance(app.screen, DeclareIncidentScreen), "the declare screen", pilot=pilot)
            await until(lambda: "Services [/x] Available? [@click=app.quit]" in screen_text(app),
                        "the question, literally", pilot=pilot)
            await pilot.press("escape")
            await until(lambda: not isinstance(app.screen, DeclareIncidentScreen), "the screen to close", pilot=pilot)
            assert app.is_running


async def _filter_and_open(pilot, app, pane_key: str, needle: str, key: str, screen_name: str):
    """Show a pane, filter it to `needle`, and open a screen on the row under the cursor."""
    await pilot.press(pane_key, "slash", *needle, "enter")
    await pilot.press(key)
    return await until(lambda: type(app.screen).__name__ == screen_name and app.screen,
                       f"{screen_name} for {needle}", timeout=120, pilot=pilot)


async def test_escape_sequences_from_the_cluster_are_shown_visibly_in_every_view(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(200, 60), notifications=True) as pilot:
            log_pod = await until(lambda: _task_pod(app), "task-service pods", pilot=pilot)
            await _declare(pilot, app, "Hostile cluster")
            node = plant(sim, log_pod)
            osc52 = "␛]52;c;aGVsbG8=␇"

            await pilot.press("3")  # events: the reason and the message, made visible
            await until(lambda: "BackOff[/x]␛]52" in screen_text(app), "the hostile event reason", pilot=pilot)
            await until(lambda: any(e.kind == "observation" and osc52 in e.text for e in app.session.timeline),
                        "the burst in the timeline, made visible", pilot=pilot)
            await _open_entry(pilot, app, "observation")
            await until(lambda: "Timeline entry" in screen_text(app) and osc52 in screen_text(app),
                        "the observation's details", pilot=pilot)

            await _filter_and_open(pilot, app, "1", HOSTILE_POD, "d", "DescribeScreen")
            await until(lambda: "Image:         busybox:1.36␛[2J " in screen_text(app), "the image", pilot=pilot)
            assert "HOSTILE: ␛[2J ␛]52;c;aGVsbG8=␇" in screen_text(app)
            await pilot.press("escape")

            await _filter_and_open(pilot, app, "1", log_pod, "l", "LogsScreen")
            await until(lambda: app.screen.state == "complete", "the log read", pilot=pilot)
            await pilot.press("G")
            await until(lambda: "secret␈␈␈␈␈␈shown" in screen_text(app), "the log lines", pilot=pilot)
            assert "\\x9b31mc1-red" in screen_text(app) and "first␍over" in screen_text(app)
            await pilot.press("escape")

            await _filter_and_open(pilot, app, "2", node, "d", "DescribeScreen")
            await until(lambda: "Hostile␛]0;node␇" in screen_text(app), "the node condition", pilot=pilot)
            await pilot.press("escape")
            assert app.is_running and app.return_code is None


async def test_a_filter_typed_with_markup_is_shown_in_the_pane_title(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await until(lambda: _task_pod(app), "task-service pods", pilot=pilot)
            await pilot.press("1", "slash", *"[/x][@click=app.quit]")
            await until(lambda: "/[/x][@click=app.quit]: 0 shown" in screen_text(app),
                        "the filter in the title", pilot=pilot)
            await until(lambda: "no pods match “[/x][@click=app.quit]”" in screen_text(app),
                        "the empty text", pilot=pilot)
            assert app.is_running
