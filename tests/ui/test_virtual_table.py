"""The app's one table: sorted index by key, only visible lines drawn, a cursor that follows its row,
whether the pane supplies the cells or the table keeps them; the log's append-only index."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from irtui.ui.widgets.virtual_table import CellTable, Column, LineIndex, SortedIndex, VirtualTable, clipped

from polling import screen_text


def test_sorted_index_updates_by_key():
    index = SortedIndex()
    index.rebuild((f"k{i}", (i % 3, i)) for i in range(10))
    assert index.keys()[:4] == ["k0", "k3", "k6", "k9"]
    assert index.upsert("k9", (-1, 0)) and index.key_at(0) == "k9"
    assert not index.upsert("k9", (-1, 0))
    assert index.remove("k0") and "k0" not in index and len(index) == 9
    assert index.position("k3") == 1
    index.upsert("new", (5, 0))
    assert index.key_at(len(index) - 1) == "new"


class TableApp(App):
    def __init__(self, rows: dict[str, tuple[int, str]]) -> None:
        super().__init__()
        self.data = rows
        self.drawn = 0

    def compose(self) -> ComposeResult:
        def cells(key):
            self.drawn += 1
            rank, status = self.data[key]
            return [(key, None), (status, "bad" if rank == 0 else None)]

        table = VirtualTable([Column("name", "NAME", 10, flex=1), Column("status", "STATUS", 10)], cells)
        table.index.rebuild((k, (v[0], k)) for k, v in self.data.items())
        yield table


async def test_ten_thousand_rows_draw_only_what_is_visible():
    rows = {f"pod-{i:05d}": (1, "Running") for i in range(10_000)}
    app = TableApp(rows)
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.rows_changed()
        table.focus()
        await pilot.pause()
        assert "pod-00000" in screen_text(app)
        assert app.drawn < 200  # a screenful (and a few repaints), never 10,000
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "pod-09999" and "pod-09999" in screen_text(app)


async def test_cursor_stays_on_its_row_when_rows_move():
    rows = {f"pod-{i:02d}": (1, "Running") for i in range(50)}
    app = TableApp(rows)
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.rows_changed()
        table.focus()
        table.select_key("pod-30")
        await pilot.pause()
        # pod-40 turns bad and sorts first; the cursor is still on pod-30, one line lower.
        app.data["pod-40"] = (0, "CrashLoopBackOff")
        table.index.upsert("pod-40", (0, "pod-40"))
        table.rows_changed()
        await pilot.pause()
        assert table.cursor_key == "pod-30" and table.cursor_row == 31
        text = screen_text(app)
        assert table.index.key_at(0) == "pod-40" and "pod-30" in text
        # The cursor's row is deleted: the cursor stays on that line, on the neighbour.
        del app.data["pod-30"]
        table.index.remove("pod-30")
        table.rows_changed()
        await pilot.pause()
        assert table.cursor_key == "pod-31"
        await pilot.press("home")
        await pilot.pause()
        assert screen_text(app).splitlines()[1].startswith("pod-40")


def test_names_too_long_keep_their_unique_tail():
    name = "Pod/task-service-79f7964498-4ntwf"
    assert clipped(name, 24, "middle") == "Pod/task-…f7964498-4ntwf"
    assert clipped(name, 24) == "Pod/task-service-79f796…"
    # Three pods of one ReplicaSet stay apart in a narrow column; end-clipped they read alike.
    pods = [f"Pod/task-service-79f7964498-{s}" for s in ("4ntwf", "gmf6d", "nz2jw")]
    assert len({clipped(p, 16, "middle") for p in pods}) == 3
    assert len({clipped(p, 16) for p in pods}) == 1
    assert all(len(clipped(name, width, "middle")) == width for width in range(len(name)))


async def test_a_middle_clipped_column_draws_the_tail():
    class Narrow(App):
        def compose(self) -> ComposeResult:
            table = VirtualTable([Column("object", "OBJECT", 12, clip="middle"), Column("n", "N", 3)],
                                 lambda key: [(key, None), ("1", None)])
            table.index.rebuild([("Pod/task-service-79f7964498-gmf6d", (0,))])
            yield table

    app = Narrow()
    async with app.run_test(size=(17, 5)) as pilot:
        app.query_one(VirtualTable).rows_changed()
        await pilot.pause()
        assert "Pod/…8-gmf6d" in screen_text(app)


def test_line_index_appends_and_trims_by_arithmetic():
    index = LineIndex()
    index.append(5)
    index.trim(2)
    assert len(index) == 3 and index.first == 2 and list(index) == [2, 3, 4]
    assert index.key_at(0) == 2 and index.position(4) == 2 and index.position(1) is None
    assert 1 not in index and 4 in index and 5 not in index
    index.append(2)
    assert index.keys(1, 3) == [3, 4] and index.key_at(len(index) - 1) == 6


class CellsApp(App):
    """A table that keeps its cells, as the database pane's long-running list does."""

    def __init__(self) -> None:
        super().__init__()
        self.moves: list[object] = []

    def compose(self) -> ComposeResult:
        yield CellTable()

    def on_mount(self) -> None:
        table = self.query_one(CellTable)
        table.add_column("PID", key="pid", width=6)
        table.add_column("Query", key="query", width=20)
        for pid in ("101", "102", "103"):
            table.add_row(pid, Text(f"select {pid}"), key=pid)

    def on_virtual_table_cursor_moved(self, message: VirtualTable.CursorMoved) -> None:
        self.moves.append(message.key)


async def test_a_kept_row_table_follows_its_key_and_repaints_a_changed_cell():
    app = CellsApp()
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(CellTable)
        table.focus()
        await pilot.press("down", "down")
        assert table.cursor_key == "103" and app.moves[-1] == "103"
        # The backend above ended: the cursor stays on 103, one line higher.
        table.remove_row("101")
        await pilot.pause()
        assert table.cursor_key == "103" and table.cursor_row == 1
        table.update_cell("103", "query", Text("select now()"))
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert lines[0].split() == ["PID", "Query"] and lines[2].split() == ["103", "select", "now()"], lines
        # Letters are the pane's: j and k do not move this table's cursor.
        await pilot.press("k")
        assert table.cursor_key == "103"
