"""The live view of a command running in a pod: what runs where, its output as it arrives,
and how it ended.

This module owns `ExecScreen` and `exec_view_factory(app)`, the `env.extra["exec_view"]` the
exec actions call from their worker thread (`irtui.actions.exec.ExecView`). The output is
foreign text: it is shown as `Text` built from escaped lines (control characters made
visible), never as markup. Escape cancels a running command; once it has ended, escape
(or q, enter) closes the view.
"""

from __future__ import annotations

import json
import threading
from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import RichLog, Static

from irtui.actions.exec import ExecView
from irtui.actions.model import Prepared
from irtui.text import visible_lines

STDERR = 2
MAX_LINES = 10_000  # kept on screen; the timeline keeps the digest of all of it


class ExecScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ExecScreen { align: center middle; }
    ExecScreen #dialog { width: 120; max-width: 100%; height: 90%; border: thick $primary;
                         background: $surface; padding: 0 1; }
    ExecScreen #exec-output { height: 1fr; border: round $panel; }
    ExecScreen #exec-status { text-style: bold; }
    ExecScreen .command { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "cancel_or_close", "Cancel / close"),
        Binding("q,enter", "close", "Close", show=False),
    ]

    def __init__(self, title: str, prepared: Prepared) -> None:
        super().__init__()
        self.title_text = title
        self.prepared = prepared
        self.cancel_requested = threading.Event()
        self.exit_code: int | None = None
        self.ended = False
        self.status_text = "running; escape cancels"
        self._partial: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        state = self.prepared.state
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"))
            yield Static(Text(f"pod/{state.get('pod')}  container {state.get('container')}"))
            # The argv exactly, word boundaries included; then the line a human would type.
            yield Static(Text(f"argv {json.dumps(state.get('argv') or [])}"))
            yield Static(Text(self.prepared.command), classes="command")
            yield RichLog(id="exec-output", max_lines=MAX_LINES, wrap=True, markup=False, highlight=False)
            yield Static(Text(self.status_text), id="exec-status")

    # --- called on the app's thread ---------------------------------------------------------
    def append(self, channel: int, data: bytes) -> None:
        text = self._partial.pop(channel, "") + data.decode("utf-8", "replace")
        *lines, rest = text.split("\n")
        if rest:
            self._partial[channel] = rest
        for line in lines:
            self._write(channel, line)

    def finish(self, exit_code: int | None, message: str) -> None:
        for channel, rest in sorted(self._partial.items()):
            self._write(channel, rest)
        self._partial.clear()
        self.exit_code = exit_code
        self.ended = True
        self.status_text = f"{message}; escape closes"
        self._status(self.status_text, "bold green" if exit_code == 0 else "bold red")

    def _write(self, channel: int, line: str) -> None:
        if not self.is_mounted:
            return
        self.query_one("#exec-output", RichLog).write(
            Text(visible_lines(line), style="red" if channel == STDERR else ""))

    def _status(self, text: str, style: str = "bold") -> None:
        if self.is_mounted:
            self.query_one("#exec-status", Static).update(Text(text, style=style))

    # --- keys -------------------------------------------------------------------------------
    def action_cancel_or_close(self) -> None:
        if self.ended:
            self.dismiss(None)
        elif not self.cancel_requested.is_set():
            self.cancel_requested.set()
            self.status_text = "cancelling..."
            self._status(self.status_text)

    def action_close(self) -> None:
        if self.ended:
            self.dismiss(None)


class _FromThread:
    """The `ExecView` the exec worker thread talks to; every call hops to the app's thread."""

    def __init__(self, app, screen: ExecScreen) -> None:
        self.app = app
        self.screen = screen

    def output(self, channel: int, data: bytes) -> None:
        self.app.call_from_thread(self.screen.append, channel, data)

    def finished(self, exit_code: int | None, message: str) -> None:
        self.app.call_from_thread(self.screen.finish, exit_code, message)

    def cancelled(self) -> bool:
        return self.screen.cancel_requested.is_set()


def exec_view_factory(app) -> Callable[[str, Prepared], ExecView]:
    """`env.extra["exec_view"]` for `app`: opens an `ExecScreen` for each exec."""

    def open_view(title: str, prepared: Prepared) -> ExecView:
        screen = ExecScreen(title, prepared)
        app.call_from_thread(app.push_screen, screen)
        return _FromThread(app, screen)

    return open_view
