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
from war_room_help import isolated, until, war_args  # noqa: F401 (isolated: a fixture)

MARKUP_TITLE = "DB [/x] [@click=app.quit]q[/] [link=https://x]l[/link] [$accent]a [on red]r"


def screen_text(app) -> str:
    """The screen as a terminal would show it, toasts included (the tests run the app with
    notifications on: Textual's test harness leaves them out unless asked)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


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
    screen = await until(pilot, lambda: isinstance(app.screen, DeclareIncidentScreen) and app.screen,
                         "the declare-incident screen")
    await until(pilot, lambda: app.focused is not None and app.focused.id == "declare-title", "the title field")
    await pilot.press(*title)
    await _focus_by_tab(pilot, app, "declare-severity")
    await pilot.press("enter", "down", "enter")
    await until(pilot, lambda: screen.query_one("#declare-severity", Select).value is not Select.BLANK,
                "a severity chosen")
    await _focus_by_tab(pilot, app, "declare-ok")
    await pilot.press("enter")
    await until(pilot, lambda: app.session.is_open, "the incident to be declared")
    await until(pilot, lambda: not isinstance(app.screen, DeclareIncidentScreen), "the declare screen to close")
    return app.session.incident_id


async def _open_entry(pilot, app, kind: str) -> None:
    """Show the timeline (t), move the highlight to the newest entry of `kind`, press enter."""
    await pilot.press("t")
    await until(pilot, lambda: app.focused is not None and app.focused.id == "timeline-list", "the timeline")
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
            pod = await until(pilot, lambda: _task_pod(app), "task-service pods")
            await _declare(pilot, app, MARKUP_TITLE)
            assert app.session.state.title == MARKUP_TITLE
            await until(pilot, lambda: "DB [/x] [@click=app.quit]q[/]" in screen_text(app)
                        and "[link=https://x]l[/link] [$accent]a [on red]r" in screen_text(app),
                        "the title on the timeline, literally")

            # A role given to a person whose name is markup, and a role that is not one.
            await pilot.press("t", "a")
            await until(pilot, lambda: isinstance(app.screen, NoteScreen), "the role prompt")
            await pilot.press(*"scribe [b]al[/x]ice", "enter")
            await until(pilot, lambda: any(e.kind == "role" for e in app.session.timeline), "the role entry")
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, NoteScreen), "the role prompt again")
            await pilot.press(*"[/x] bob", "enter")
            await until(pilot, lambda: "unknown role '[/x]'" in screen_text(app), "the unknown role, literally")

            # An event reason that closes a tag nobody opened, recorded as an observation.
            warning_events(sim, pod, "BackOff[/x]", "Probe[@click=app.quit] failed [require-owner]")
            await until(pilot, lambda: any(e.kind == "observation" and "BackOff[/x]" in e.text
                                           for e in app.session.timeline), "the warning-burst observation")
            await _open_entry(pilot, app, "observation")
            await until(pilot, lambda: "Timeline entry" in screen_text(app) and "'BackOff[/x]'" in screen_text(app),
                        "the observation's details, literally")
            await _open_entry(pilot, app, "role")
            await until(pilot, lambda: "[b]al[/x]ice" in screen_text(app), "the role's person, literally")
            await _open_entry(pilot, app, "declared")
            await until(pilot, lambda: "[link=https://x]l[/link]" in screen_text(app), "the title's details")
            assert app.is_running and app.return_code is None


async def test_env_value_with_brackets_is_set_shown_and_can_be_undone(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await until(pilot, lambda: _task_pod(app), "task-service pods")
            await pilot.press("1", "E")  # E acts on the deployment of the pod under the cursor
            await until(pilot, lambda: isinstance(app.screen, ParamsScreen), "the env parameters", timeout=120)
            await pilot.press("ctrl+a", "ctrl+k", *"MY_PATHS=[/srv/a]", "enter")
            confirm = await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                                  "the confirmation", timeout=120)
            assert "MY_PATHS=[/srv/a]" in screen_text(app)
            await pilot.press("y")
            await until(pilot, lambda: app.action_controller.outcomes, "the outcome", timeout=120)
            outcome = app.action_controller.outcomes[-1]
            assert outcome.status == "done", outcome
            await until(pilot, lambda: "MY_PATHS" in screen_text(app), "the outcome's toast")
            assert app.action_controller.runner.last_undo is not None
            await pilot.press("U")
            await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen is not confirm,
                        "the undo's confirmation", timeout=120)
            await pilot.press("y")
            await until(pilot, lambda: len(app.action_controller.outcomes) == 2, "the undo's outcome", timeout=120)
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
            await until(pilot, lambda: _task_pod(app), "task-service pods")
            await pilot.press("I")
            await until(pilot, lambda: isinstance(app.screen, DeclareIncidentScreen), "the declare screen")
            await until(pilot, lambda: "Services [/x] Available? [@click=app.quit]" in screen_text(app),
                        "the question, literally")
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, DeclareIncidentScreen), "the screen to close")
            assert app.is_running


async def _filter_and_open(pilot, app, pane_key: str, needle: str, key: str, screen_name: str):
    """Show a pane, filter it to `needle`, and open a screen on the row under the cursor."""
    await pilot.press(pane_key, "slash", *needle, "enter")
    await pilot.press(key)
    return await until(pilot, lambda: type(app.screen).__name__ == screen_name and app.screen,
                       f"{screen_name} for {needle}", timeout=120)


async def test_escape_sequences_from_the_cluster_are_shown_visibly_in_every_view(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(200, 60), notifications=True) as pilot:
            log_pod = await until(pilot, lambda: _task_pod(app), "task-service pods")
            await _declare(pilot, app, "Hostile cluster")
            node = plant(sim, log_pod)
            osc52 = "␛]52;c;aGVsbG8=␇"

            await pilot.press("3")  # events: the reason and the message, made visible
            await until(pilot, lambda: "BackOff[/x]␛]52" in screen_text(app), "the hostile event reason")
            await until(pilot, lambda: any(e.kind == "observation" and osc52 in e.text for e in app.session.timeline),
                        "the burst in the timeline, made visible")
            await _open_entry(pilot, app, "observation")
            await until(pilot, lambda: "Timeline entry" in screen_text(app) and osc52 in screen_text(app),
                        "the observation's details")

            await _filter_and_open(pilot, app, "1", HOSTILE_POD, "d", "DescribeScreen")
            await until(pilot, lambda: "Image:         busybox:1.36␛[2J " in screen_text(app), "the image")
            assert "HOSTILE: ␛[2J ␛]52;c;aGVsbG8=␇" in screen_text(app)
            await pilot.press("escape")

            await _filter_and_open(pilot, app, "1", log_pod, "l", "LogsScreen")
            await until(pilot, lambda: app.screen.state == "complete", "the log read")
            await pilot.press("G")
            await until(pilot, lambda: "secret␈␈␈␈␈␈shown" in screen_text(app), "the log lines")
            assert "\\x9b31mc1-red" in screen_text(app) and "first␍over" in screen_text(app)
            await pilot.press("escape")

            await _filter_and_open(pilot, app, "2", node, "d", "DescribeScreen")
            await until(pilot, lambda: "Hostile␛]0;node␇" in screen_text(app), "the node condition")
            await pilot.press("escape")
            assert app.is_running and app.return_code is None


async def test_a_filter_typed_with_markup_is_shown_in_the_pane_title(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await until(pilot, lambda: _task_pod(app), "task-service pods")
            await pilot.press("1", "slash", *"[/x][@click=app.quit]")
            await until(pilot, lambda: "/[/x][@click=app.quit]: 0 shown" in screen_text(app), "the filter in the title")
            await until(pilot, lambda: "no pods match “[/x][@click=app.quit]”" in screen_text(app), "the empty text")
            assert app.is_running
