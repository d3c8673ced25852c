"""The note-entry screen: one line (a note; `TODO:` makes it an action item) or, with
`multiline=True`, a block such as a status update prefilled from the runbook's template."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, TextArea

from irtui.text import visible, visible_lines
from irtui.ui.stylesheets import widget_css


class NoteScreen(ModalScreen[str | None]):
    DEFAULT_CSS = widget_css(__file__, "note.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="incident.note.cancel"),
        Binding("ctrl+s", "save", "Save", id="incident.note.save"),
    ]

    def __init__(self, prompt: str = "Note for the timeline (start with TODO: for an action item)",
                 initial: str = "", *, multiline: bool = False) -> None:
        super().__init__()
        # Prompts quote the runbook (open checklist items, roles) and initial text may quote
        # the incident: shown as text, with control characters visible, never as markup.
        self.prompt = visible_lines(prompt)
        self.initial = visible_lines(initial) if multiline else visible(initial)
        self.multiline = multiline

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.prompt + ("  (ctrl+s saves)" if self.multiline else "")))
            if self.multiline:
                yield TextArea(self.initial, id="note-text")
            else:
                yield Input(value=self.initial, placeholder="what happened, what you saw, what to do", id="note-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_save(self) -> None:
        if self.multiline:
            self.dismiss(self.query_one(TextArea).text.strip() or None)
        else:
            self.dismiss(self.query_one(Input).value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
