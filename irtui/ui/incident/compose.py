"""The update composer: the internal update (the runbook's "Incident Update" template) and,
for a P0/P1, the external status-page message (the runbook's customer template), each in
its own editable box; ctrl+s sends both, ctrl+y copies the box being edited to the
clipboard (OSC 52, through SSH and tmux), escape cancels.

A read-only terminal opens the composer too, says on screen that nothing is sent from it,
and still copies: the text can be posted by someone who may.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from irtui.text import visible_lines
from irtui.ui.stylesheets import widget_css

READ_ONLY_SEND = "read-only terminal: nothing is sent from here (ctrl+y copies the text)"


@dataclass(frozen=True)
class Composed:
    """What the responder sends: the internal update, and the status page's message or ""."""

    internal: str
    external: str = ""


def copy_text(widget: object, text: str, what: str) -> None:
    """Copy `text` with the app's OSC 52 clipboard and say so (the one copy path of the
    incident screens)."""
    app = widget.app  # type: ignore[attr-defined]
    app.copy_to_clipboard(text)
    app.notify(f"{what} copied to the clipboard ({len(text)} characters, OSC 52)", title="Copied", timeout=4)


class UpdateComposer(ModalScreen[Composed | None]):
    DEFAULT_CSS = widget_css(__file__, "compose.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="incident.compose.cancel"),
        Binding("ctrl+s", "send", "Send", id="incident.compose.send"),
        # Above the TextArea, whose ctrl+y is redo (super+y still is).
        Binding("ctrl+y", "copy", "Copy", id="incident.compose.copy", priority=True),
    ]

    def __init__(self, prompt: str, internal: str, external: str | None = None, *, read_only: bool = False) -> None:
        super().__init__()
        self.prompt = visible_lines(prompt)
        self.internal = visible_lines(internal)
        self.external = visible_lines(external) if external is not None else None
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.prompt))
            if self.read_only:
                yield Static(READ_ONLY_SEND, classes="composer-read-only", id="composer-read-only")
            yield Label("Internal update (Slack, email, PagerDuty):")
            yield TextArea(self.internal, id="composer-internal")
            if self.external is not None:
                yield Label("Status page (customers see this):")
                yield TextArea(self.external, id="composer-external")
            keys = "ctrl+y copy · escape cancel" if self.read_only else "ctrl+s send · ctrl+y copy · escape cancel"
            yield Static(keys, classes="composer-keys")

    def _box(self) -> TextArea:
        focused = self.focused
        if isinstance(focused, TextArea):
            return focused
        return self.query_one("#composer-internal", TextArea)

    def action_copy(self) -> None:
        box = self._box()
        what = "status page message" if box.id == "composer-external" else "internal update"
        copy_text(self, box.text, what.capitalize())

    def action_send(self) -> None:
        if self.read_only:
            self.app.notify(READ_ONLY_SEND, title="Status update", severity="warning", timeout=6)
            return
        internal = self.query_one("#composer-internal", TextArea).text.strip()
        external = self.query_one("#composer-external", TextArea).text.strip() if self.external is not None else ""
        if not internal:
            self.app.notify("the internal update is empty: nothing sent", severity="warning", timeout=6)
            return
        self.dismiss(Composed(internal, external))

    def action_cancel(self) -> None:
        self.dismiss(None)
