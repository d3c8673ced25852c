"""The live view of a running command: what runs, its output as it arrives, and how it ended.

This module owns `OutputScreen` and `output_view_factory(app)`, the `OutputView`
(`irtui.actions.output`) that commands write into: local scripts from the app's event loop
(`env.extra["output_view"]`), execs in pods from their worker thread (`env.extra["exec_view"]`,
made with `from_thread=True`, every call hopping to the app's thread). The output is foreign
text: it is shown as `Text` built from visible lines (control characters made visible), never
as markup; stderr is drawn in red. Output is drawn in batches, a few times a second, and only
the last `MAX_LINES` lines are kept on screen, so a command printing without pause cannot
starve the UI; the timeline keeps the digest of all of it. Escape cancels a running command;
once it has ended, escape (or q, enter) closes the view.
"""

from __future__ import annotations

import json
from typing import Callable

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from irtui.actions.model import Prepared
from irtui.actions.output import OutputView
from irtui.text import visible, visible_lines
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed

STDERR = 2
MAX_LINES = 5_000
_DRAW_EVERY = 0.1


class OutputScreen(ModalScreen[None]):
    DEFAULT_CSS = widget_css(__file__, "output.tcss")
    BINDINGS = [
        Binding("escape", "cancel_or_close", "Cancel / close", id="output.cancel_or_close"),
        Binding("q,enter", "close", "Close", show=False, id="output.close"),
    ]

    def __init__(self, title: str, prepared: Prepared) -> None:
        super().__init__()
        self.title_text = title
        self.prepared = prepared
        # Read by the command's thread: a plain bool is enough, it only ever turns True.
        self.cancel_requested = False
        self.exit_code: int | None = None
        self.ended = False
        self.status_text = "running; escape cancels"
        self._partial: dict[int, str] = {}  # per channel: the line still being written
        self._pending: list[tuple[int, str]] = []
        self._dropped = 0

    def compose(self) -> ComposeResult:
        state = self.prepared.state
        with Vertical(id="dialog"):
            yield Static(Text(visible(self.title_text), style="bold"))
            if state.get("pod"):
                yield Static(Text(visible(f"pod/{state['pod']}  container {state.get('container')}")))
            if state.get("argv"):
                # The argv exactly, word boundaries included; then the line a human would type.
                yield Static(Text(visible(f"argv {json.dumps(state['argv'])}")))
            yield Static(Text(visible(self.prepared.command)), classes="command")
            from textual.widgets import RichLog  # with rich.pretty: not needed before a first output

            yield RichLog(id="output-log", max_lines=MAX_LINES, wrap=True, markup=False, highlight=False)
            yield Static(Text(self.status_text), id="output-status")

    def on_mount(self) -> None:
        self.set_interval(_DRAW_EVERY, self._draw)

    # --- fed by the running command, on the app's thread ------------------------------------
    def append(self, channel: int, data: bytes) -> None:
        text = self._partial.pop(channel, "") + data.decode("utf-8", "replace")
        *lines, rest = text.split("\n")
        if rest:
            self._partial[channel] = rest
        self._pending.extend((channel, line) for line in lines)
        if len(self._pending) > MAX_LINES:
            # Only the last MAX_LINES could be shown anyway: drop the rest before drawing.
            self._dropped += len(self._pending) - MAX_LINES
            del self._pending[:-MAX_LINES]

    def finish(self, exit_code: int | None, message: str) -> None:
        self._pending.extend(sorted(self._partial.items()))
        self._partial.clear()
        self.exit_code = exit_code
        self.ended = True
        self.status_text = f"{message}; escape closes"
        self._draw()
        self._status(self.status_text, themed("bold $irtui-healthy" if exit_code == 0 else "bold $irtui-failing"))

    def _draw(self) -> None:
        if not self.is_mounted or not (self._pending or self._dropped):
            return
        from textual.widgets import RichLog

        log = self.query_one("#output-log", RichLog)
        if self._dropped:
            log.write(Text(f"... {self._dropped} lines not shown (the timeline keeps the first and last)",
                           style="dim"))
            self._dropped = 0
        lines, self._pending = self._pending, []
        for channel, line in lines:
            log.write(Text(visible_lines(line), style=themed("$irtui-log-error") if channel == STDERR else ""))

    def _status(self, text: str, style: str | Style = "bold") -> None:
        if self.is_mounted:
            self.query_one("#output-status", Static).update(Text(visible(text), style=style))

    # --- keys -------------------------------------------------------------------------------
    def action_cancel_or_close(self) -> None:
        if self.ended:
            self.dismiss(None)
        elif not self.cancel_requested:
            self.cancel_requested = True
            self.status_text = "cancelling..."
            self._status(self.status_text)

    def action_close(self) -> None:
        if self.ended:
            self.dismiss(None)


class _ScreenView:
    """The `OutputView` a command running on the app's event loop writes into."""

    def __init__(self, screen: OutputScreen) -> None:
        self.screen = screen

    def output(self, channel: int, data: bytes) -> None:
        self.screen.append(channel, data)

    def finished(self, exit_code: int | None, message: str) -> None:
        self.screen.finish(exit_code, message)

    def cancelled(self) -> bool:
        return self.screen.cancel_requested


class _FromThread(_ScreenView):
    """The same, for a command running in a worker thread: every call hops to the app's thread."""

    def __init__(self, app: App, screen: OutputScreen) -> None:
        super().__init__(screen)
        self.app = app

    def output(self, channel: int, data: bytes) -> None:
        self.app.call_from_thread(self.screen.append, channel, data)

    def finished(self, exit_code: int | None, message: str) -> None:
        self.app.call_from_thread(self.screen.finish, exit_code, message)


def output_view_factory(app: App, *, from_thread: bool = False) -> Callable[[str, Prepared], OutputView]:
    """A callable opening an `OutputScreen` on `app` for each run and returning its view;
    `from_thread` when the command runs in a worker thread (an exec) rather than on the loop."""

    def open_view(title: str, prepared: Prepared) -> OutputView:
        screen = OutputScreen(title, prepared)
        if from_thread:
            app.call_from_thread(app.push_screen, screen)
            return _FromThread(app, screen)
        app.push_screen(screen)
        return _ScreenView(screen)

    return open_view
