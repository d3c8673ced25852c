"""The exec view with a real exec behind it (the simulator's WebSocket): output arrives while
the command runs, escape cancels a running command and then closes the view, and what a
container prints is shown as text with its control characters made visible.
"""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widgets import Static

from irtui.actions.model import Prepared
from irtui.kube.exec import run_exec
from irtui.ui.screens.output import OutputScreen, output_view_factory

from actionhelp import NS, make_env
from polling import screen_text, until


class Host(App):
    def compose(self) -> ComposeResult:
        yield Static("war room")


def _prepared(pod: str, argv: list[str]) -> Prepared:
    return Prepared(command=f"kubectl exec -n {NS} {pod} -- ...",
                    state={"namespace": NS, "pod": pod, "container": "task-service", "argv": argv})


def _pod(sim) -> str:
    return sim.kubectl("get", "pods", "-n", NS, "-l", "app=task-service", "-o",
                       "jsonpath={.items[0].metadata.name}").stdout.strip()


async def _run_in_view(app, env, pod: str, argv: list[str]):
    """What the exec action does: open the view from the worker thread and stream into it."""
    def work():
        view = output_view_factory(app, from_thread=True)("test exec", _prepared(pod, argv))
        result = run_exec(env.kube.api, env.guard, NS, pod, None, argv, on_output=view.output,
                          cancelled=view.cancelled)
        view.finished(result.exit_code, "cancelled" if result.cancelled else f"exit {result.exit_code}")
        return result

    return asyncio.create_task(asyncio.to_thread(work))


async def test_escape_cancels_a_running_command_then_closes(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path)
    pod = _pod(sim)
    app = Host()
    async with app.run_test(size=(140, 40)) as pilot:
        task = await _run_in_view(app, env, pod, ["sh", "-c", "echo started; sleep 300"])
        view = await until(lambda: isinstance(app.screen, OutputScreen) and app.screen, "the exec view", pilot=pilot)
        await until(lambda: "started" in screen_text(app), "the first line, while it runs", pilot=pilot)
        assert not view.ended
        await pilot.press("escape")
        result = await until(lambda: task.done() and task.result(), "the exec to stop", pilot=pilot)
        assert result.cancelled and result.exit_code is None
        await until(lambda: view.ended, "the view to say it ended", pilot=pilot)
        assert "cancelled" in screen_text(app)
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, OutputScreen), "the view to close", pilot=pilot)


async def test_control_characters_from_a_container_are_shown_escaped(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path)
    pod = _pod(sim)
    app = Host()
    async with app.run_test(size=(140, 40)) as pilot:
        task = await _run_in_view(app, env, pod, ["echo", "\x1b[2Jwiped\u202egnp.exe [b]bold[/b]"])
        view = await until(lambda: isinstance(app.screen, OutputScreen) and app.screen, "the exec view", pilot=pilot)
        await until(lambda: view.ended and task.done(), "the command to end", pilot=pilot)
        text = screen_text(app)
        assert "␛[2Jwiped\\u202egnp.exe [b]bold[/b]" in text
        assert "\x1b" not in text and "\u202e" not in text
