"""A keyed table that renders through Textual's Line API, one cached strip per row.

Textual's `DataTable` renders every visible cell through Rich on every frame after any cell
changes (measured here: 25-40 ms a frame for 10 rows of sparklines), which breaks a 50 ms
frame budget when panes refresh every few seconds. This table keeps one pre-rendered
`Strip` per row, rebuilds only the rows whose cells changed, and renders only the lines in
view, so a frame costs a few dictionary look-ups per visible line.

It has the part of DataTable's API the panes use: keyed rows and columns, `add_row`,
`update_cell`, `remove_row`, `get_cell`, `rows`, a row cursor with `move_cursor`,
`get_row_index` and `cursor_key`. Columns have fixed widths (nothing is measured); the
header stays in place while rows scroll. When the table is narrower than its columns, whole
columns are left out in their declared order of importance (`Column.drop`) rather than cut at
the edge, so a value never loses its unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from irtui.ui.stylesheets import widget_css

Cell = Text | str


@dataclass
class Column:
    key: str
    label: str
    width: int
    drop: int = 0  # too narrow: the column with the highest `drop` goes first; 0 never goes


class StripTable(ScrollView, can_focus=True):
    """Rows by key, rendered as cached strips; only changed rows are re-rendered."""

    DEFAULT_CSS = widget_css(__file__, "strip_table.tcss")

    COMPONENT_CLASSES = {"strip-table--header", "strip-table--cursor"}

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False, id="strip_table.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="strip_table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="strip_table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="strip_table.page_down"),
        Binding("home", "edge(0)", "First", show=False, id="strip_table.first"),
        Binding("end", "edge(1)", "Last", show=False, id="strip_table.last"),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    class CursorMoved(Message):
        def __init__(self, table: StripTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None,
                 gap: int = 1) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: dict[str, Column] = {}
        self.rows: dict[str, dict[str, Cell]] = {}
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._strips: dict[str, Strip] = {}
        # The strip as last drawn (cropped, styled), with what it was drawn for: a frame that
        # changes nothing in a row costs one dictionary look-up for that line.
        self._drawn: dict[str, tuple[tuple, Strip]] = {}
        self._header: Strip | None = None
        self._gap = gap
        self._shown: list[Column] | None = None  # the columns that fit the current width
        self.updates = 0  # rows re-rendered, for tests and benchmarks

    # -- structure ---------------------------------------------------------------------

    def add_column(self, label: str, *, key: str, width: int, drop: int = 0) -> None:
        self.columns[key] = Column(key, label, width, drop)
        self._header = None
        self._strips.clear()
        self._resize()

    def set_column_width(self, key: str, width: int) -> None:
        """Resize one column; every row is re-rendered once, at its next draw."""
        if self.columns[key].width == width:
            return
        self.columns[key].width = width
        self._header = None
        self._strips.clear()
        self._resize()
        self.refresh()

    def add_row(self, *cells: Cell, key: str) -> None:
        if key in self.rows:
            raise KeyError(f"row {key!r} exists")
        self.rows[key] = dict(zip(self.columns, cells))
        self._index[key] = len(self._order)
        self._order.append(key)
        self._resize()
        self.refresh()

    def remove_row(self, key: str) -> None:
        del self.rows[key]
        self._strips.pop(key, None)
        self._drawn.pop(key, None)
        self._order.remove(key)
        self._index = {k: i for i, k in enumerate(self._order)}
        if self.cursor_row >= len(self._order):
            self.cursor_row = max(0, len(self._order) - 1)
        self._resize()
        self.refresh()

    def clear(self) -> None:
        self.rows.clear()
        self._drawn.clear()
        self._order.clear()
        self._index.clear()
        self._strips.clear()
        self.cursor_row = 0
        self._resize()
        self.refresh()

    def update_cell(self, key: str, column: str, value: Cell) -> None:
        row = self.rows[key]
        if column not in self.columns:
            raise KeyError(f"no column {column!r}")
        if _same(row.get(column), value):
            return  # unchanged: keep the cached strip
        row[column] = value
        self._strips.pop(key, None)
        # Always repaint the line: a strip not cached (dropped by a resize, say) does not
        # mean the line is not on screen, and the screen must not keep the old value.
        self._refresh_row(self._index[key])

    def get_cell(self, key: str, column: str) -> Cell:
        return self.rows[key].get(column, "")

    def get_row_index(self, key: str) -> int:
        return self._index[key]

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def cursor_key(self) -> str | None:
        return self._order[self.cursor_row] if self._order else None

    def move_cursor(self, *, row: int) -> None:
        self.cursor_row = max(0, min(row, len(self._order) - 1))

    # -- rendering ---------------------------------------------------------------------

    def _span(self, columns: list[Column]) -> int:
        return sum(c.width for c in columns) + self._gap * max(0, len(columns) - 1)

    def _fitting(self, width: int) -> list[Column]:
        shown = list(self.columns.values())
        while self._span(shown) > width and any(c.drop for c in shown):
            shown.remove(max(reversed(shown), key=lambda c: c.drop))
        return shown

    def _resize(self) -> None:
        self._shown = None
        self.virtual_size = Size(self._span(self._fitting(self.size.width or 10_000)), len(self._order) + 1)

    def on_resize(self) -> None:
        self._header = None
        self._strips.clear()
        self._drawn.clear()
        self._resize()

    def _refresh_row(self, index: int) -> None:
        # Row i is drawn at virtual line i + 1, under the header (which does not scroll).
        y = index + 1 - self.scroll_offset.y
        if 1 <= y < self.size.height:
            self.refresh_line(index + 1)

    def _line_text(self, cells: dict[str, Cell] | None) -> Text:
        line = Text(no_wrap=True, end="")
        gap = " " * self._gap
        if self._shown is None:
            self._shown = self._fitting(self.size.width or 10_000)
        for i, column in enumerate(self._shown):
            value = column.label if cells is None else cells.get(column.key, "")
            text = value.copy() if isinstance(value, Text) else Text(str(value))
            text.truncate(column.width, overflow="ellipsis", pad=True)
            if i:
                line.append(gap)
            line.append_text(text)
        return line

    def _render_row(self, key: str) -> Strip:
        strip = self._strips.get(key)
        if strip is None:
            segments = list(self._line_text(self.rows[key]).render(self.app.console))
            strip = self._strips[key] = Strip(segments)
            self.updates += 1
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            if self._header is None:
                self._header = Strip(list(self._line_text(None).render(self.app.console)))
            style = base + self.get_component_rich_style("strip-table--header")
            return self._header.crop_extend(self.scroll_offset.x, self.scroll_offset.x + width, style).apply_style(style)
        index = self.scroll_offset.y + y - 1
        if index >= len(self._order):
            return Strip.blank(width, base)
        key = self._order[index]
        style = base
        if index == self.cursor_row:
            style = base + self.get_component_rich_style("strip-table--cursor")
        x = self.scroll_offset.x
        signature = (width, x, style)
        drawn = self._drawn.get(key)
        if drawn is not None and drawn[0] == signature and key in self._strips:
            return drawn[1]
        strip = self._render_row(key).crop_extend(x, x + width, style).apply_style(style)
        self._drawn[key] = (signature, strip)
        return strip

    # -- cursor ------------------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        visible = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        self.post_message(self.CursorMoved(self, self.cursor_key))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(row=self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(1, self.size.height - 2))

    def action_edge(self, end: int) -> None:
        self.move_cursor(row=len(self._order) - 1 if end else 0)

    def on_click(self, event) -> None:
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self._order):
            self.move_cursor(row=index)


def _same(old: Cell | None, new: Cell) -> bool:
    if old is None or type(old) is not type(new):
        return False
    if isinstance(new, Text):
        return old.plain == new.plain and old.style == new.style and old.spans == new.spans
    return old == new
