"""irtui's one table: Textual's Line API over a sorted index of row keys, fast at 10,000 rows.

This module owns `SortedIndex` (row keys kept in display order, updated one key at a time
in O(log n) plus a memmove, instead of re-sorting), `LineIndex` (the same reading side for
an append-only log whose oldest lines are trimmed), `Column` (width, flex, the order in
which columns give up width or go when the table is narrow, where text is clipped), and
`VirtualTable`, a `ScrollView` that draws only the lines on screen under a fixed header,
with a row cursor, paging and one `CursorMoved` message for every table in the app.

A table gets its cells in one of two ways:
- from the pane that owns it, on demand (`cells(key) -> [(text, style_name), ...]`), so
  10,000 rows cost nothing until they scroll into view (the cluster panes);
- kept by the table itself, by key (`CellTable`: `add_row`, `update_cell`, `remove_row`),
  as rich `Text` with colours of their own (the metrics, health and database panes'
  sparklines and levels); each row's line is rendered once per change and reused.
The log view (`irtui.ui.screens.logs.LogView`) is the same table in an append-only,
follow-the-tail mode over a `LineIndex`.

What it writes to the terminal is kept small on purpose (this is an SSH tool): after a data
change or a clock tick the table compares what each visible cell would show now with what
it last drew and refreshes only the cells that differ. An idle table with an AGE column
repaints a few characters a minute, not the whole screen.

The cursor follows a row key, not a line number: when rows move because the cluster
changed (or a backend listed above it ended), the selection stays on the same object. A
pane's `freeze()` stops its table from taking new data (the pane keeps a pending copy) so a
confirmation can point at a row that cannot shift under it.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, replace
from itertools import count
from typing import Any, Callable, Generic, Hashable, Iterable, Sequence, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from irtui.ui.stylesheets import widget_css

K = TypeVar("K", bound=Hashable)


class SortedIndex(Generic[K]):
    """Keys in display order by a sort key; update one key without re-sorting the rest.

    Entries are `(*sort_key, key)` tuples in one sorted list, so the key breaks ties and
    every entry is unique. `upsert`/`remove` are a bisect plus a list insert/delete.
    """

    __slots__ = ("_entries", "_entry_of")

    def __init__(self) -> None:
        self._entries: list[tuple] = []
        self._entry_of: dict[K, tuple] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entry_of

    def __iter__(self):
        return (entry[-1] for entry in self._entries)

    def key_at(self, i: int) -> K:
        return self._entries[i][-1]

    def keys(self, start: int = 0, stop: int | None = None) -> list[K]:
        return [entry[-1] for entry in self._entries[start:stop]]

    def position(self, key: K) -> int | None:
        entry = self._entry_of.get(key)
        if entry is None:
            return None
        return bisect_left(self._entries, entry)

    def rebuild(self, items: Iterable[tuple[K, tuple]]) -> None:
        """Replace everything: `items` are (key, sort_key) pairs."""
        self._entry_of = {key: (*sort_key, key) for key, sort_key in items}
        self._entries = sorted(self._entry_of.values())

    def upsert(self, key: K, sort_key: tuple) -> bool:
        """Place `key` by `sort_key`; returns whether its position entry changed."""
        entry = (*sort_key, key)
        old = self._entry_of.get(key)
        if old == entry:
            return False
        if old is not None:
            del self._entries[bisect_left(self._entries, old)]
        insort(self._entries, entry)
        self._entry_of[key] = entry
        return True

    def remove(self, key: K) -> bool:
        old = self._entry_of.pop(key, None)
        if old is None:
            return False
        del self._entries[bisect_left(self._entries, old)]
        return True

    def clear(self) -> None:
        self._entries = []
        self._entry_of = {}


class LineIndex:
    """The keys of an append-only list: `first`, `first + 1`, … in arrival order.

    What `SortedIndex` offers a table to read, for a log: appending and trimming the oldest
    in a burst are arithmetic, where a sorted list would move every entry for each trim.
    """

    __slots__ = ("first", "count")

    def __init__(self) -> None:
        self.first = 0  # key of the oldest line kept (= how many were trimmed before it)
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def __contains__(self, key: object) -> bool:
        return isinstance(key, int) and self.first <= key < self.first + self.count

    def __iter__(self):
        return iter(range(self.first, self.first + self.count))

    def key_at(self, i: int) -> int:
        return self.first + i

    def keys(self, start: int = 0, stop: int | None = None) -> list[int]:
        return list(range(self.first, self.first + self.count)[start:stop])

    def position(self, key: int) -> int | None:
        return key - self.first if key in self else None

    def append(self, n: int) -> None:
        self.count += n

    def trim(self, n: int) -> None:
        """Forget the `n` oldest keys."""
        n = min(n, self.count)
        self.first += n
        self.count -= n

    def clear(self) -> None:
        self.first = 0
        self.count = 0


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int  # minimum width in cells
    flex: int = 0  # share of the width left over after minimums
    right: bool = False  # right-justify (numbers)
    # When the table is too narrow it gives up width in order of importance: the column with
    # the highest `drop` goes first; 0 is never dropped. A column with a `floor` is first cut
    # down towards that width (names clip well), at the point of the order given by `squeeze`.
    drop: int = 0
    floor: int = 0
    squeeze: int = 0
    # Where text too long for the column is cut: "end", or "middle" for names whose unique
    # part is their tail (a pod's ReplicaSet hash and suffix: "Pod/task-…f7964498-4ntwf").
    clip: str = "end"
    # A value with a unit ("4951 ms", "2 (21s ago)") is never cut inside a word: whole words
    # that fit are kept, the rest is left off.
    whole: bool = False


def whole_words(text: str, width: int) -> str:
    """The leading whole words of `text` that fit in `width` cells ("" when none does)."""
    words = text.split(" ")
    while words and (cell_len(" ".join(words)) > width
                     or " ".join(words).count("(") > " ".join(words).count(")")):
        # an opened parenthesis without its close ("2 (21s") is left off with what it holds
        words.pop()
    return " ".join(words)


def clipped(text: str, width: int, where: str = "end") -> str:
    """`text` cut to `width` cells with an ellipsis at the end or in the middle."""
    if width <= 1:
        return set_cell_size(text, width)
    if where != "middle" or width < 8:
        return set_cell_size(text, width - 1) + "…"
    head = (width - 1) * 2 // 5
    tail_cells = width - 1 - head
    tail = ""
    for char in reversed(text):
        if cell_len(char + tail) > tail_cells:
            break
        tail = char + tail
    return set_cell_size(text, head) + "…" + set_cell_size(tail, tail_cells)


Cell = tuple[str, "str | None"]  # text and a style name ("bad", "warn", "ok", "dim", "muted") or None
RichCell = Text | str  # a cell a `CellTable` keeps: its own colours, or plain text


class VirtualTable(ScrollView, can_focus=True):
    """Rows drawn on demand from an index of keys; the owner supplies cells per key.

    Subclasses change where cells come from and how a row is drawn (`CellTable`, the log
    view); the index, the header, the column widths, the cursor and paging stay here.
    """

    COMPONENT_CLASSES = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--cursor-blurred",
        "virtual-table--bad",
        "virtual-table--warn",
        "virtual-table--ok",
        "virtual-table--terminating",
        "virtual-table--dim",
        "virtual-table--muted",
        "virtual-table--empty",
    }

    DEFAULT_CSS = widget_css(__file__, "virtual_table.tcss")

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "cursor_home", "Top", show=False, id="table.top"),
        Binding("end,G", "cursor_end", "Bottom", show=False, id="table.bottom"),
        Binding("enter", "activate", "Open", show=False, id="table.activate"),
    ]

    header_lines = 1  # the header row above the rows (a log has none)
    row_cursor = True  # a log is read by scrolling: no row is selected

    class CursorMoved(Message):
        def __init__(self, table: "VirtualTable", key: Hashable | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> "VirtualTable":
            return self.table

    class RowActivated(Message):
        """Enter on a row: panes or screens open something for it (describe, logs)."""

        def __init__(self, table: "VirtualTable", key: Hashable) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> "VirtualTable":
            return self.table

    def __init__(self, columns: Sequence[Column] = (), cells: Callable[[Any], Sequence[Any]] | None = None,
                 *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.cells = cells
        self.index: SortedIndex[Any] = SortedIndex()
        self.cursor_key: Hashable | None = None
        self._cursor_row = 0
        self.empty_text = ""
        self.dimmed = False  # stale data: drawn muted
        self._widths: list[tuple[int, int]] = []
        self._widths_for = -1
        self._painted: dict[int, tuple] = {}  # screen line -> what was drawn there
        self._styles: dict[str | None, Style] = {}

    # -- data ---------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self._widths_for = -1
        self._painted.clear()
        self._fit_virtual_size()
        self.refresh()

    def rows_changed(self) -> None:
        """The index changed: keep the cursor on its key, resize, repaint what differs."""
        self._fit_virtual_size()
        if self.row_cursor:
            self._follow_cursor_key()
            self._keep_cursor_visible()
        self.repaint_changed()

    def _follow_cursor_key(self) -> None:
        count = len(self.index)
        if count == 0:
            self._cursor_row = 0
            return
        pos = self.index.position(self.cursor_key) if self.cursor_key is not None else None
        if pos is not None:
            self._cursor_row = pos
            return
        # The row went away: stay on the same line, now showing its neighbour.
        self._cursor_row = min(self._cursor_row, count - 1)
        new_key = self.index.key_at(self._cursor_row)
        if new_key != self.cursor_key:
            self.cursor_key = new_key
            self.post_message(self.CursorMoved(self, new_key))

    def _fit_virtual_size(self) -> None:
        self.virtual_size = Size(self._virtual_width(), len(self.index) + self.header_lines)

    def _virtual_width(self) -> int:
        return self._table_width  # the columns fit the width: nothing to scroll sideways

    # -- cursor -------------------------------------------------------------------------

    @property
    def cursor_row(self) -> int:
        return self._cursor_row

    def move_cursor(self, row: int) -> None:
        count = len(self.index)
        if count == 0:
            return
        row = max(0, min(count - 1, row))
        key = self.index.key_at(row)
        moved = key != self.cursor_key
        self._cursor_row = row
        self.cursor_key = key
        self._keep_cursor_visible()
        self.repaint_changed()
        if moved:
            self.post_message(self.CursorMoved(self, key))

    def select_key(self, key: Hashable) -> bool:
        pos = self.index.position(key)
        if pos is None:
            return False
        self.move_cursor(pos)
        return True

    def _keep_cursor_visible(self) -> None:
        if not self.row_cursor:
            return
        rows_visible = max(1, self.size.height - self.header_lines)
        top = int(self.scroll_y)
        if self._cursor_row < top:
            self.scroll_to(y=self._cursor_row, animate=False, immediate=True)
        elif self._cursor_row >= top + rows_visible:
            self.scroll_to(y=self._cursor_row - rows_visible + 1, animate=False, immediate=True)

    def _page(self) -> int:
        return max(1, self.size.height - 2)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor_row + 1)

    def action_cursor_page_up(self) -> None:
        self.move_cursor(self._cursor_row - self._page())

    def action_cursor_page_down(self) -> None:
        self.move_cursor(self._cursor_row + self._page())

    def action_cursor_home(self) -> None:
        self.move_cursor(0)

    def action_cursor_end(self) -> None:
        self.move_cursor(len(self.index) - 1)

    def action_activate(self) -> None:
        if self.cursor_key is not None and self.cursor_key in self.index:
            self.post_message(self.RowActivated(self, self.cursor_key))

    def on_click(self, event: events.Click) -> None:
        if not self.row_cursor:
            return
        y = event.y - self.header_lines
        if y >= 0:
            self.move_cursor(int(self.scroll_y) + y)
            if event.chain == 2:
                self.action_activate()

    def on_focus(self) -> None:
        self.repaint_changed()

    def on_blur(self) -> None:
        self.repaint_changed()

    def on_resize(self) -> None:
        self._widths_for = -1
        self._painted.clear()
        self._fit_virtual_size()
        self._keep_cursor_visible()

    # -- drawing ------------------------------------------------------------------------

    @property
    def _table_width(self) -> int:
        # Not `size.width`: the vertical scrollbar takes the last column of that, and would
        # cut the rightmost column (MEM) by a character.
        return self.scrollable_content_region.width

    def _column_widths(self, width: int) -> list[tuple[int, int]]:
        """(column index, width) of the columns that fit, in order."""
        if width == self._widths_for:
            return self._widths
        shown = list(range(len(self.columns)))
        squeezed: dict[int, int] = {}

        def minimum(cols: list[int]) -> int:
            return sum(squeezed.get(i, self.columns[i].width) for i in cols) + max(0, len(cols) - 1)

        # Each step of the order of importance: (priority, column, is-a-squeeze), least
        # important first; ties go to the rightmost column.
        steps = sorted([(c.drop, i, False) for i, c in enumerate(self.columns) if c.drop]
                       + [(c.squeeze, i, True) for i, c in enumerate(self.columns) if c.floor and c.floor < c.width],
                       reverse=True)
        for _priority, i, squeeze in steps:
            over = minimum(shown) - width
            if over <= 0:
                break
            if squeeze:
                squeezed[i] = max(self.columns[i].floor, self.columns[i].width - over)
            elif i in shown:
                shown.remove(i)
        # A column dropped after a squeeze may have freed more than the squeeze took.
        for i in [i for i in squeezed if i in shown]:
            squeezed[i] = min(self.columns[i].width, squeezed[i] + max(0, width - minimum(shown)))
        spare = max(0, width - minimum(shown))
        flexed = [i for i in shown if self.columns[i].flex]
        flex_total = sum(self.columns[i].flex for i in flexed)
        widths = []
        given = 0
        for i in shown:
            c = self.columns[i]
            extra = 0
            if c.flex and flex_total:
                extra = spare * c.flex // flex_total
                if i == flexed[-1]:
                    extra = spare - given
                given += extra
            widths.append((i, squeezed.get(i, c.width) + extra))
        self._widths = widths
        self._widths_for = width
        return widths

    def _style(self, name: str | None) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"virtual-table--{name}") if name else Style()
            self._styles[name] = style
        return style

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._painted.clear()
        super().notify_style_update()

    def _line_content(self, y: int) -> tuple:
        """What line `y` of the widget shows: a comparable description, cheap to build."""
        if y < self.header_lines:
            return ("header",)
        row = int(self.scroll_y) + y - self.header_lines
        count = len(self.index)
        if row >= count:
            if count == 0 and y == self.header_lines and self.empty_text:
                return ("empty", self.empty_text)
            return ("blank",)
        key = self.index.key_at(row)
        cursor = self.row_cursor and row == self._cursor_row
        return ("row", key, self._row_content(key), cursor and (2 if self.has_focus else 1), self.dimmed)

    def _row_content(self, key: Hashable) -> Any:
        """What the row shows, comparable with what it showed when last drawn."""
        try:
            return tuple(self.cells(key))  # type: ignore[misc]
        except Exception:  # a row vanished between index and store: draw blank, next pass fixes
            return ()

    def render_line(self, y: int) -> Strip:
        width = self._table_width
        content = self._line_content(y)
        self._painted[y] = content
        return self._strip(content, width)

    def _strip(self, content: tuple, width: int) -> Strip:
        base = self.rich_style
        kind = content[0]
        if kind == "blank" or width <= 0:
            return Strip.blank(width, base)
        if kind == "empty":
            style = base + self._style("empty")
            return Strip([Segment(set_cell_size(" " + content[1], width), style)], width)
        widths = self._column_widths(width)
        segments: list[Segment] = []
        if kind == "header":
            style = base + self._style("header")
            texts = [(c.title, None) for c in self.columns]
            row_style = style
        else:
            _, _key, texts, cursor, dimmed = content
            row_style = base
            if dimmed:
                row_style = row_style + self._style("dim")
            if cursor:
                row_style = row_style + self._style("cursor" if cursor == 2 else "cursor-blurred")
        last = len(widths) - 1
        for n, (i, w) in enumerate(widths):
            column = self.columns[i]
            text, style_name = texts[i] if i < len(texts) else ("", None)
            if cell_len(text) > w:
                text = whole_words(text, w) if column.whole else clipped(text, w, column.clip)
            text = text.rjust(w) if column.right else set_cell_size(text, w)
            style = row_style
            if style_name and kind == "row" and not content[4]:
                style = row_style + self._style(style_name)
                if content[3]:
                    style = style + self._style("cursor" if content[3] == 2 else "cursor-blurred")
            segments.append(Segment(text, style))
            if n < last:
                segments.append(Segment(" ", row_style))
        used = sum(w for _, w in widths) + max(0, len(widths) - 1)
        if used < width:
            segments.append(Segment(" " * (width - used), row_style))
        # Join neighbours of the same style: one escape sequence per run, not per cell,
        # roughly halves what a changed line costs on the wire.
        return Strip(segments, width).crop(0, width).simplify()

    def _shown(self) -> bool:
        # A table in a hidden tab is repainted in full when it is shown again.
        node: DOMNode | None = self
        while node is not None:
            if not getattr(node, "display", True):
                return False
            node = node.parent
        return True

    def repaint_changed(self) -> None:
        """Refresh only the lines (or cells) whose content differs from what was drawn.

        The terminal then receives the few changed cells instead of the whole table:
        the difference between ~30 bytes and ~5 KB per update over SSH.
        """
        if not self.is_mounted or not self.size.height or not self._shown():
            return
        width = self._table_width
        widths = self._column_widths(width)
        spans = {}
        x = 0
        for i, w in widths:
            spans[i] = (x, w)
            x += w + 1
        for y in range(self.size.height):
            new = self._line_content(y)
            old = self._painted.get(y)
            if new == old:
                continue
            if (old is not None and old[0] == "row" and new[0] == "row" and old[1] == new[1]
                    and old[3] == new[3] and old[4] == new[4] and isinstance(new[2], tuple)
                    and len(old[2]) == len(new[2])):
                # Same row, same cursor/dim state: only some cells changed.
                for i, (a, b) in enumerate(zip(old[2], new[2])):
                    if a != b and i in spans:
                        x, w = spans[i]
                        self.refresh(Region(x, y, w, 1))
                self._painted[y] = new
            else:
                self.refresh(Region(0, y, width, 1))

    def _rich_line(self, cells: Callable[[Column], RichCell]) -> Strip:
        """One line of rich cells at the columns' widths, uncropped: cells keep their own
        styles, and text too long for its column ends in an ellipsis."""
        line = Text(no_wrap=True, end="")
        for n, (i, w) in enumerate(self._column_widths(self._table_width)):
            value = cells(self.columns[i])
            text = value.copy() if isinstance(value, Text) else Text(str(value))
            text.truncate(w, overflow="ellipsis", pad=True)
            if n:
                line.append(" ")
            line.append_text(text)
        return Strip(list(line.render(self.app.console)))

    def _crop(self, line: Strip, width: int, style: Style) -> Strip:
        """`line` as seen through the view (scrolled sideways), on `style` where its own
        segments leave colour or weight unset."""
        x = int(self.scroll_offset.x)
        return line.crop_extend(x, x + width, style).apply_style(style)


class CellTable(VirtualTable, inherit_bindings=False):
    """A `VirtualTable` that keeps its rows: cells by key and column, as rich `Text`.

    For panes with a few dozen rows whose cells carry colours of their own (a sparkline, a
    level), updated cell by cell as data arrives: `add_column`, `add_row`, `update_cell`,
    `remove_row`. Rows stay in the order they were added. A cell that changes re-renders its
    row's line once; a frame that changes nothing in a row costs one look-up for it.
    Columns keep their widths (nothing is measured) and the least important go first when
    the table is narrow, so a value never loses its unit; what is left over scrolls sideways.

    Only the arrow, page, home and end keys move its cursor: the panes it sits in bind
    letters of their own (the database pane's `k` terminates a backend).
    """

    BINDINGS = [replace(b, key=",".join(k for k in b.key.split(",") if len(k) > 1))
                for b in VirtualTable.BINDINGS if isinstance(b, Binding)]
    DEFAULT_CLASSES = "-banded"

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.rows: dict[str, dict[str, RichCell]] = {}
        self.cursor_key: str | None = None
        self._versions: dict[Hashable, int] = {}  # bumped when a row's cells change
        self._added = count()
        self._lines: dict[str, tuple[int, Strip]] = {}  # row -> (version, rendered line)
        self._drawn: dict[str, tuple[tuple, Strip]] = {}  # row -> (how, line as drawn)
        self._header: Strip | None = None

    # -- structure ---------------------------------------------------------------------

    def add_column(self, label: str, *, key: str, width: int, drop: int = 0) -> None:
        self.set_columns([*self.columns, Column(key, label, width, drop=drop)])

    def set_column_width(self, key: str, width: int) -> None:
        """Resize one column; every row is re-rendered once, at its next draw."""
        if all(c.width == width for c in self.columns if c.key == key):
            return
        self.set_columns([replace(c, width=width) if c.key == key else c for c in self.columns])

    def set_columns(self, columns: Sequence[Column]) -> None:
        self._forget_lines()
        super().set_columns(columns)

    def add_row(self, *cells: RichCell, key: str) -> None:
        if key in self.rows:
            raise KeyError(f"row {key!r} exists")
        self.rows[key] = dict(zip((c.key for c in self.columns), cells))
        self._versions[key] = 0
        self.index.upsert(key, (next(self._added),))
        self.rows_changed()

    def remove_row(self, key: str) -> None:
        del self.rows[key]
        del self._versions[key]
        self._lines.pop(key, None)
        self._drawn.pop(key, None)
        self.index.remove(key)
        self.rows_changed()

    def clear(self) -> None:
        self.rows.clear()
        self._versions.clear()
        self._lines.clear()
        self._drawn.clear()
        self.index.clear()
        self.cursor_key = None
        self.rows_changed()

    def update_cell(self, key: str, column: str, value: RichCell) -> None:
        row = self.rows[key]
        if not any(c.key == column for c in self.columns):
            raise KeyError(f"no column {column!r}")
        if _same(row.get(column), value):
            return  # unchanged: keep the rendered line
        row[column] = value
        self._versions[key] += 1
        # Always repaint the line: a line not cached (dropped by a resize, say) does not
        # mean it is not on screen, and the screen must not keep the old value.
        y = self.get_row_index(key) + self.header_lines - int(self.scroll_y)
        if self.header_lines <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def get_cell(self, key: str, column: str) -> RichCell:
        return self.rows[key].get(column, "")

    def get_row_index(self, key: str) -> int:
        pos = self.index.position(key)
        if pos is None:
            raise KeyError(key)
        return pos

    @property
    def row_count(self) -> int:
        return len(self.index)

    # -- drawing ------------------------------------------------------------------------

    def _virtual_width(self) -> int:
        widths = self._column_widths(self._table_width)
        return sum(w for _, w in widths) + max(0, len(widths) - 1)

    def _row_content(self, key: Hashable) -> int:
        return self._versions.get(key, -1)

    def _forget_lines(self) -> None:
        self._lines.clear()
        self._drawn.clear()
        self._header = None

    def on_resize(self) -> None:
        self._forget_lines()
        super().on_resize()

    def notify_style_update(self) -> None:
        self._forget_lines()
        super().notify_style_update()

    def _strip(self, content: tuple, width: int) -> Strip:
        kind = content[0]
        if kind == "header":
            if self._header is None:
                self._header = self._rich_line(lambda column: column.title)
            return self._crop(self._header, width, self.rich_style + self._style("header"))
        if kind != "row":
            return super()._strip(content, width)
        _, key, version, cursor, _dimmed = content
        style = self.rich_style
        if cursor:
            style = style + self._style("cursor" if cursor == 2 else "cursor-blurred")
        how = (version, width, int(self.scroll_offset.x), style)
        drawn = self._drawn.get(key)
        if drawn is not None and drawn[0] == how:
            return drawn[1]
        line = self._lines.get(key)
        if line is None or line[0] != version:
            row = self.rows.get(key, {})
            line = self._lines[key] = (version, self._rich_line(lambda column: row.get(column.key, "")))
        strip = self._crop(line[1], width, style)
        self._drawn[key] = (how, strip)
        return strip


def _same(old: RichCell | None, new: RichCell) -> bool:
    if old is None or type(old) is not type(new):
        return False
    if isinstance(new, Text):
        assert isinstance(old, Text)
        return old.plain == new.plain and old.style == new.style and old.spans == new.spans
    return old == new
