"""The live view of a running command: what runs, its output as it arrives, and how it ended.

This module owns `OutputScreen` and `output_view_factory(app)`, the `env.extra["output_view"]`
that script actions call on the app's event loop (`irtui.actions.output.OutputView`). The
output is foreign text: it is shown as `Text` built from printable lines (control characters
made visible), never as markup. Output is drawn in batches, a few times a second, and only
the last `MAX_LINES` lines are kept on screen, so a command printing without pause cannot
starve the UI; the timeline keeps the digest of all of it. Escape cancels a running command;
once it has ended, escape (or q, enter) closes the view.
"""

from __future__ import annotations

import json
from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import RichLog, Static

from irtui.actions.model import Prepared
from irtui.actions.output import OutputView, printable

MAX_LINES = 5_000
_DRAW_EVERY = 0.1


class OutputScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    OutputScreen { align: center middle; }
    OutputScreen #dialog { width: 120; max-width: 100%; height: 90%; border: thick $primary;
                           background: $surface; padding: 0 1; }
    OutputScreen #output-log { height: 1fr; border: round $panel; }
    OutputScreen #output-status { text-style: bold; }
    OutputScreen .command { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "cancel_or_close", "Cancel / close"),
        Binding("q,enter", "close", "Close", show=False),
    ]

    def __init__(self, title: str, prepared: Prepared) -> None:
        super().__init__()
        self.title_text = title
        self.prepared = prepared
        self.cancel_requested = False
        self.exit_code: int | None = None
        self.ended = False
        self.status_text = "running; escape cancels"
        self._partial = ""
        self._pending: list[str] = []
        self._dropped = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(printable(self.title_text), style="bold"))
            argv = self.prepared.state.get("argv")
            if argv:
                # The argv exactly, word boundaries included.
                yield Static(Text(printable(f"argv {json.dumps(argv)}")))
            yield Static(Text(printable(self.prepared.command)), classes="command")
            yield RichLog(id="output-log", max_lines=MAX_LINES, wrap=True, markup=False, highlight=False)
            yield Static(Text(self.status_text), id="output-status")

    def on_mount(self) -> None:
        self.set_interval(_DRAW_EVERY, self._draw)

    # --- fed by the running command -----------------------------------------------------
    def append(self, data: bytes) -> None:
        text = self._partial + data.decode("utf-8", "replace")
        *lines, self._partial = text.split("\n")
        self._pending.extend(lines)
        if len(self._pending) > MAX_LINES:
            # Only the last MAX_LINES could be shown anyway: drop the rest before drawing.
            self._dropped += len(self._pending) - MAX_LINES
            del self._pending[:-MAX_LINES]

    def finish(self, exit_code: int | None, message: str) -> None:
        if self._partial:
            self._pending.append(self._partial)
            self._partial = ""
        self.exit_code = exit_code
        self.ended = True
        self.status_text = f"{message}; escape closes"
        self._draw()
        self._status(self.status_text, "bold green" if exit_code == 0 else "bold red")

    def _draw(self) -> None:
        if not self.is_mounted or not (self._pending or self._dropped):
            return
        log = self.query_one("#output-log", RichLog)
        if self._dropped:
            log.write(Text(f"... {self._dropped} lines not shown (the timeline keeps the first and last)",
                           style="dim"))
            self._dropped = 0
        lines, self._pending = self._pending, []
        for line in lines:
            log.write(Text(printable(line)))

    def _status(self, text: str, style: str = "bold") -> None:
        if self.is_mounted:
            self.query_one("#output-status", Static).update(Text(text, style=style))

    # --- keys ---------------------------------------------------------------------------
    def action_cancel_or_close(self) -> None:
        if self.ended:
            self.dismiss(None)
        elif not self.cancel_requested:
            self.cancel_requested = True
            self.status_text = "cancelling: SIGTERM sent to the process group"
            self._status(self.status_text)

    def action_close(self) -> None:
        if self.ended:
            self.dismiss(None)


class _ScreenView:
    """The `OutputView` a running command writes into."""

    def __init__(self, screen: OutputScreen) -> None:
        self.screen = screen

    def output(self, channel: int, data: bytes) -> None:
        self.screen.append(data)

    def finished(self, exit_code: int | None, message: str) -> None:
        self.screen.finish(exit_code, message)

    def cancelled(self) -> bool:
        return self.screen.cancel_requested


def output_view_factory(app) -> Callable[[str, Prepared], OutputView]:
    """`env.extra["output_view"]` for `app`: opens an `OutputScreen` for each run."""

    def open_view(title: str, prepared: Prepared) -> OutputView:
        screen = OutputScreen(title, prepared)
        app.push_screen(screen)
        return _ScreenView(screen)

    return open_view
