"""The incidents of the store, open and closed, and the timeline of one, read-only.

This module owns `IncidentsScreen` (the list; enter opens one) and `IncidentTimelineScreen`
(its entries as the timeline pane draws them; `r` hands them to the `report` callback the
list was given, which writes and shows the incident report). Both read through the store
they are given and write nothing to it: a closed incident is looked at here, not reopened.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from irtui.incident.model import Entry
from irtui.incident.store import Store
from irtui.text import visible
from irtui.ui.incident.entries import entry_text
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed


class IncidentsScreen(ModalScreen[None]):
    """Every incident of the store, newest first; enter shows one's timeline."""

    DEFAULT_CSS = widget_css(__file__, "incidents.tcss")
    BINDINGS = [Binding("escape,q", "close", "Close", id="incidents.close")]

    def __init__(self, store: Store, report: Callable[[list[Entry]], None] | None = None) -> None:
        super().__init__()
        self.store = store
        self.report = report

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Incidents (enter shows the timeline, escape closes)", id="incidents-title")
            yield OptionList(id="incidents-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._load()

    @work(exclusive=True, group="incidents-list", exit_on_error=False)
    async def _load(self) -> None:
        listing = self.query_one(OptionList)
        try:
            incidents = await self.store.incidents()
        except Exception as exc:  # an unreachable store is said, in one line
            self.query_one("#incidents-title", Static).update(f"Incidents: cannot read the store: {visible(str(exc))}")
            return
        options = []
        for incident_id, is_open in incidents:
            text = Text(f"{visible(incident_id):<16} ", style="bold")
            text.append("open" if is_open else "closed", style=themed("bold $irtui-failing" if is_open else "$irtui-healthy"))
            options.append(Option(text, id=incident_id))
        listing.set_options(options or [Option("no incidents in this store", disabled=True)])
        if options:
            listing.highlighted = 0

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is None:
            return
        try:
            entries = await self.store.entries(event.option.id)
        except Exception as exc:
            self.notify(f"cannot read {event.option.id}: {exc}", severity="error")
            return
        self.app.push_screen(IncidentTimelineScreen(event.option.id, entries, self.report))

    def action_close(self) -> None:
        self.dismiss(None)


class IncidentTimelineScreen(ModalScreen[None]):
    """One incident's timeline, oldest first, as recorded; nothing here writes."""

    DEFAULT_CSS = widget_css(__file__, "incidents.tcss")
    BINDINGS = [Binding("escape,q", "close", "Close", id="incidents.timeline.close"),
                Binding("r", "report", "Report", id="incidents.timeline.report")]

    def __init__(self, incident_id: str, entries: list[Entry],
                 report: Callable[[list[Entry]], None] | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.entries = entries
        self.report = report

    def compose(self) -> ComposeResult:
        state = "closed" if any(e.kind == "closed" for e in self.entries) else "open"
        keys = " · r writes its report" if self.report is not None else ""
        with Vertical():
            yield Static(Text(f"{visible(self.incident_id)} ({state}, read-only){keys} · escape goes back",
                              style="bold"))
            yield OptionList(*(Option(entry_text(e), id=e.entry_id) for e in self.entries), id="incident-entries")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_report(self) -> None:
        if self.report is None:
            self.notify("no report here: this view was opened without a runbook", severity="warning")
            return
        self.report(self.entries)

    def action_close(self) -> None:
        self.dismiss(None)
