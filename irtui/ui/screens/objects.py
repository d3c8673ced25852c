"""The views of the objects the playbooks touch (ConfigMaps, Secrets, StatefulSets, recent
changes, workloads), each a filterable list, and the same list as a picker when an action
needs an object of that kind and none is selected.

This module owns the display: the rows come from `irtui.actions.objects` (read in a thread
worker; Secret values never reach it), every cell is foreign text shown as text. As a view
it is a plain screen, so the app's action keys work on it: the row under the cursor is
what they act on (`selected_target`), and it reloads when an action finished. As a picker
(`pick=True`) enter answers with the row's object and escape with None.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from irtui.actions.model import Target
from irtui.actions.objects import KINDS, Listing, ObjectRow
from irtui.text import visible, visible_lines
from irtui.ui.stylesheets import widget_css

Loader = Callable[[], Listing]


class ObjectsScreen(Screen["Target | None"]):
    DEFAULT_CSS = widget_css(__file__, "objects.tcss")
    BINDINGS = [
        Binding("escape", "back", "Back", id="objects.back"),
        Binding("slash", "filter", "Filter", id="objects.filter"),
        Binding("r", "reload", "Reload", id="objects.reload"),
    ]

    def __init__(self, kind: str, load: Loader, *, namespace: str = "", pick: bool = False, prompt: str = "",
                 select: str | None = None, hint: str = "", kinds: tuple[str, ...] = ()) -> None:
        super().__init__()
        # A picker offers only the kinds its action takes (a namespace row only to one that
        # can act on all of it).
        self.kinds = kinds
        self.kind = kind
        self.namespace = namespace
        self.load = load
        self.pick = pick
        self.prompt = prompt
        self.select = select
        self.hint = hint
        self.listing: Listing | None = None
        self.shown: list[ObjectRow] = []
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        title, command = KINDS[self.kind]
        head = f"{self.prompt}  ·  " if self.prompt else ""
        command = command.replace("<namespace>", self.namespace or "<namespace>")
        yield Static(Text(visible(f"{head}{title}   ({command})")), id="title")
        yield Input(placeholder="/ filter: words that must all appear", id="filter", compact=True)
        yield DataTable(cursor_type="row", id="rows")
        yield Static("loading...", id="notes", markup=False)
        keys = "enter pick · esc cancel" if self.pick else "esc back"
        yield Static(Text(visible(f"{self.hint + ' · ' if self.hint else ''}/ filter · r reload · {keys}")), id="hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.action_reload()

    @property
    def loaded(self) -> bool:
        return self.listing is not None or self.error is not None

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="objects")
    def _load(self) -> None:
        try:
            listing, error = self.load(), None
        except Exception as exc:  # the cluster refused or went away: said, not raised
            listing, error = None, str(exc) or type(exc).__name__
        self.app.call_from_thread(self._show, listing, error)

    def _show(self, listing: Listing | None, error: str | None) -> None:
        self.error = error
        if listing is not None:
            self.listing = listing
        if self.listing is None:
            self.query_one("#notes", Static).update(Text(visible(f"could not list: {error}")))
            return
        table = self.query_one(DataTable)
        if not table.columns:
            table.add_columns(*self.listing.columns)
        self._fill()

    def _fill(self) -> None:
        assert self.listing is not None
        table = self.query_one(DataTable)
        current = self.selected_row()
        words = self.query_one("#filter", Input).value
        self.shown = [row for row in self.listing.rows
                      if row.matches(words) and (not self.kinds or row.kind in self.kinds)]
        table.clear()
        for row in self.shown:
            table.add_row(*(Text(visible(str(cell))) for cell in (row.name, *row.cells)), key=row.key)
        wanted = current.key if current is not None else None
        if wanted is None and self.select:
            wanted = next((row.key for row in self.shown if row.name == self.select), None)
            self.select = None
        if wanted is not None:
            index = next((i for i, row in enumerate(self.shown) if row.key == wanted), 0)
            table.move_cursor(row=index)
        notes = list(self.listing.notes)
        if self.error:
            notes.insert(0, f"not refreshed: {self.error}")
        total = len(self.listing.rows)
        count = f"{len(self.shown)} of {total}" if len(self.shown) != total else f"{total}"
        notes.insert(0, f"{count} {'row' if total == 1 else 'rows'} in {self.listing.namespace}"
                        + ("" if self.shown or not words.strip() else ": nothing matches the filter"))
        self.query_one("#notes", Static).update(Text(visible_lines("\n".join(notes))))

    def selected_row(self) -> ObjectRow | None:
        if not self.shown:
            return None
        index = self.query_one(DataTable).cursor_row
        return self.shown[index] if 0 <= index < len(self.shown) else None

    def selected_target(self) -> Target | None:
        """The object under the cursor, as the actions take it."""
        row = self.selected_row()
        if row is None:
            return None
        return Target(row.kind, row.name, row.namespace, dict(row.extra))

    # --- keys ------------------------------------------------------------------------
    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def _filtered(self) -> None:
        if self.listing is not None:
            self._fill()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.pick:
            target = self.selected_target()
            if target is None:
                self.notify("nothing to pick: the list is empty", severity="warning")
                return
            self.dismiss(target)

    def action_back(self) -> None:
        field = self.query_one("#filter", Input)
        if field.value:
            field.value = ""
            self.query_one(DataTable).focus()
            return
        if self.pick:
            self.dismiss(None)
        else:
            self.app.pop_screen()
