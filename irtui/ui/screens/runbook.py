"""The runbook reader: the runbook in use, section by section, with the keys that act on it.

`RunbookScreen` lists the document's sections (from `irtui.runbook.document`) on the left
and shows the highlighted one on the right. It opens at the section the responder needs
now: the incident's current phase when one is open, the overview otherwise. It reads and
writes nothing, so it works the same on a read-only screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from irtui.runbook.document import Section
from irtui.text import visible


class RunbookScreen(ModalScreen[None]):
    """Contents on the left (up/down choose), the section on the right (tab, then arrows or
    page keys scroll it); escape closes."""

    DEFAULT_CSS = """
    RunbookScreen { align: center middle; }
    RunbookScreen > Vertical { width: 96%; height: 94%; border: thick $primary; background: $surface; }
    RunbookScreen #runbook-title { height: 1; padding: 0 1; text-style: bold; }
    RunbookScreen Horizontal { height: 1fr; }
    RunbookScreen #runbook-contents { width: 30; max-width: 35%; height: 1fr; border: none; border-right: solid $primary; }
    RunbookScreen #runbook-body { width: 1fr; height: 1fr; padding: 0 1; }
    RunbookScreen #runbook-hint { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="runbook.close"),
        Binding("tab", "switch", "Contents/text", id="runbook.switch"),
        Binding("shift+tab", "switch", "Contents/text", show=False, id="runbook.switch_back"),
    ]

    def __init__(self, title: str, sections: Sequence[Section], start: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.sections = list(sections)
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(visible(self.title_text), id="runbook-title", markup=False)
            with Horizontal():
                yield OptionList(*(Option(visible(s.title), id=s.id) for s in self.sections), id="runbook-contents")
                with VerticalScroll(id="runbook-body"):
                    yield Markdown(id="runbook-text")
            yield Static("up/down: section · tab: read it (arrows, page up/down) · escape: close",
                         id="runbook-hint", markup=False)

    def on_mount(self) -> None:
        contents = self.query_one("#runbook-contents", OptionList)
        contents.focus()
        ids = [s.id for s in self.sections]
        contents.highlighted = ids.index(self.start) if self.start in ids else 0
        self._show(contents.highlighted or 0)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#runbook-body").focus()

    def _show(self, index: int) -> None:
        if 0 <= index < len(self.sections):
            self.query_one("#runbook-text", Markdown).update(self.sections[index].markdown)
            self.query_one("#runbook-body", VerticalScroll).scroll_home(animate=False)

    def action_switch(self) -> None:
        contents = self.query_one("#runbook-contents", OptionList)
        (self.query_one("#runbook-body") if contents.has_focus else contents).focus()

    def action_close(self) -> None:
        self.dismiss(None)
