"""Panes of the main area, and how a pane is declared so the app can host it.

This module owns `PaneSpec` (id, title, factory, key: how any widget becomes a pane of the
app), `PaneFrame` (the bordered box the app puts around every pane, whose title a pane can
set with `set_pane_title`) and `ClusterPane`, the base of the pods, nodes and events panes:
a `VirtualTable` over one kind of `ClusterState` rows, with a `/` filter, stale marking,
and the selection/freeze API that remediations use.

Panes render state; they never fetch. Cluster panes are told about changes by the app's
`cluster_updated` signal (a `ChangeSet`), and read rows from `app.cluster`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Hashable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from irtui.kube.printers import human_duration
from irtui.kube.state import CONNECTING, FORBIDDEN, LIVE, UNAUTHORIZED, ChangeSet, ClusterState
from irtui.text import visible
from irtui.ui.stylesheets import widget_css
from irtui.ui.ticks import every_second, shown
from irtui.ui.wallkeys import why_no_prompt
from irtui.ui.widgets.virtual_table import Column, VirtualTable


@dataclass(frozen=True)
class PaneSpec:
    """A pane the app shows in its main area.

    `factory()` builds the widget (called once, at compose time). `key` is an optional
    extra key that shows the pane; panes are also reachable by number (1-9, in order) and
    from the command palette ("Show <title>").
    """

    id: str
    title: str
    factory: Callable[[], Widget]
    key: str | None = None


class PaneFrame(Vertical):
    """The bordered box around a pane; its border title is the pane's title line."""

    DEFAULT_CSS = widget_css(__file__, "pane_frame.tcss")

    class Changed(Message):
        """The pane's alert state or badge changed (the tab strip redraws)."""

        def __init__(self, frame: "PaneFrame") -> None:
            super().__init__()
            self.frame = frame

    def __init__(self, spec: PaneSpec, number: int) -> None:
        super().__init__(id=f"pane-{spec.id}", classes="pane")
        self.spec = spec
        self.number = number
        self.badge = ""
        # Titles carry namespaces, server errors and what was typed in a filter: plain text,
        # never markup (Textual parses a str border title as markup).
        self.title_text = f"{number} {spec.title}" if number <= 9 else spec.title
        self.subtitle_text = ""
        self.border_title = Content(self.title_text)

    def compose(self) -> ComposeResult:
        yield self.spec.factory()

    @property
    def content(self) -> Widget:
        return self.children[0]


def set_pane_title(widget: Widget, title: str, subtitle: str | None = None, *, alert: bool = False,
                   badge: str = "") -> None:
    """Set the title line (and bottom line) of the pane that contains `widget`.

    For panes written elsewhere (metrics, health, database, timeline): call it from the
    pane widget whenever its summary changes, e.g.
    `set_pane_title(self, "Metrics · 2 alerting", badge="2")`.
    `alert=True` draws the frame in the error colour; `badge` is a short count shown next
    to the pane's name in the tab strip of a small terminal (e.g. unhealthy pods).
    """
    for node in widget.ancestors_with_self:
        if isinstance(node, PaneFrame):
            prefix = f"{node.number} " if node.number <= 9 else ""
            text = prefix + visible(title, 300)
            if node.title_text != text:
                node.title_text = text
                node.border_title = Content(text)
            if subtitle is not None:
                subtitle = visible(subtitle, 300)
                if node.subtitle_text != subtitle:
                    node.subtitle_text = subtitle
                    node.border_subtitle = Content(subtitle)
            if node.has_class("-alert") != alert or node.badge != badge:
                node.set_class(alert, "-alert")
                node.badge = badge
                node.post_message(PaneFrame.Changed(node))
            return


def stale_text(status, now: float | None = None) -> str:
    """How a pane says its data is not current: "stale 12s · connection refused · retry 3s"."""
    now = now or time.time()
    if status.state == LIVE:
        return ""
    if status.state == CONNECTING:
        return "connecting…"
    parts = []
    age = status.stale_for(now)
    if age is not None:
        parts.append(f"stale {human_duration(age)}")
    if status.reason:
        parts.append(status.reason)
    if status.retry_at:
        left = status.retry_at - now
        parts.append(f"retry in {human_duration(max(0, left))}" if left >= 1 else "retrying")
    return " · ".join(parts)


class ClusterPane(Vertical, can_focus=False):
    """A table of one kind of cluster rows: sorted, filtered, stale-aware, freezable.

    Subclasses set `kind`, `noun`, `columns()` and implement `sort_key(row)`,
    `cells(row)` and `matches(row, needle)`.
    """

    kind = ""
    noun = "rows"
    fit_column = ""  # a column whose width follows its longest value (like kubectl's NAME)
    fit_max = 60
    DEFAULT_CSS = widget_css(__file__, "cluster_pane.tcss")
    BINDINGS = [
        Binding("slash", "start_filter", "Filter", id="pane.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="pane.clear_filter"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = VirtualTable(self.columns(), self._cells_for_key, id=f"{self.kind}-table")
        self.filter_input = Input(placeholder=f"filter {self.noun} (substring, Esc clears)", classes="pane-filter")
        self.needle = ""
        self._frozen_rows: dict[str, Any] | None = None
        self._pending = False
        self._title = ""
        self._subtitle = ""
        self._unhealthy_keys: set[str] = set()
        self._fit = 0

    # -- to implement -------------------------------------------------------------------

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def sort_key(self, row: Any) -> tuple:
        raise NotImplementedError

    def cells(self, row: Any) -> list[tuple[str, str | None]]:
        raise NotImplementedError

    def matches(self, row: Any, needle: str) -> bool:
        return needle in row.key.lower()

    def title(self, shown: int, total: int, unhealthy: int) -> str:
        return f"{self.noun.capitalize()} · {total}"

    def is_unhealthy(self, row: Any) -> bool:
        return getattr(row, "health", 2) != 2

    def fit_text(self, row: Any) -> str:
        """The value whose length sets the width of `fit_column`."""
        return getattr(row, "name", "")

    # -- wiring -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self.table
        yield self.filter_input

    @property
    def cluster(self) -> ClusterState:
        return self.app.cluster  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self.app.cluster_updated.subscribe(self, self._on_cluster)  # type: ignore[attr-defined]
        every_second(self, self._tick)
        self.rebuild()

    @property
    def rows(self) -> dict[str, Any]:
        if self._frozen_rows is not None:
            return self._frozen_rows
        return self.cluster.rows[self.kind]

    def _cells_for_key(self, key: Hashable):
        row = self.rows.get(key)  # type: ignore[arg-type]
        if row is None:
            return ()
        return self.cells(row)

    # -- the selection/freeze API (used by remediations) --------------------------------

    def selected(self):
        """The row under the cursor (a plain frozen dataclass), or None."""
        key = self.table.cursor_key
        return None if key is None else self.rows.get(key)

    def select(self, key: str) -> bool:
        """Move the cursor to the row with this key; False if it is not shown."""
        return self.table.select_key(key)

    @property
    def frozen(self) -> bool:
        return self._frozen_rows is not None

    def freeze(self) -> None:
        """Stop the list from moving: rows, order and the cursor's row stay as they are
        (including a row the cluster deletes meanwhile) until `thaw()`."""
        if self._frozen_rows is None:
            self._frozen_rows = dict(self.cluster.rows[self.kind])
            self._update_title()

    def thaw(self) -> None:
        """Catch up with everything that changed while frozen."""
        if self._frozen_rows is not None:
            self._frozen_rows = None
            self.rebuild()

    # -- updates ------------------------------------------------------------------------

    def _on_cluster(self, changes: ChangeSet) -> None:
        if self.kind not in changes.kinds and self.kind not in changes.status and not self.extra_dependency(changes):
            return
        if self.frozen:
            self._pending = True
            self._update_title()
            return
        delta = changes.kinds.get(self.kind)
        if delta is not None and delta.reset:
            self.rebuild()
            return
        if delta is not None:
            rows = self.cluster.rows[self.kind]
            index = self.table.index
            needle = self.needle
            unhealthy = self._unhealthy_keys
            for key in delta.deleted:
                index.remove(key)
                unhealthy.discard(key)
            for key in delta.upserted:
                row = rows.get(key)
                if row is None:
                    continue
                if self.is_unhealthy(row):
                    unhealthy.add(key)
                else:
                    unhealthy.discard(key)
                if needle and not self.matches(row, needle):
                    index.remove(key)
                else:
                    index.upsert(key, self.sort_key(row))
                if self.fit_column:
                    self._fit = max(self._fit, len(self.fit_text(row)))
        self.after_change()

    def extra_dependency(self, changes: ChangeSet) -> bool:
        """Whether changes to other kinds or metrics affect this pane (e.g. CPU columns)."""
        return False

    def rebuild(self) -> None:
        rows = self.rows
        needle = self.needle
        sort_key = self.sort_key
        if needle:
            items = ((k, sort_key(r)) for k, r in rows.items() if self.matches(r, needle))
        else:
            items = ((k, sort_key(r)) for k, r in rows.items())
        self.table.index.rebuild(items)
        self._unhealthy_keys = {k for k, r in rows.items() if self.is_unhealthy(r)}
        if self.fit_column:
            self._fit = max((len(self.fit_text(r)) for r in rows.values()), default=0)
        self.after_change()

    def _apply_fit(self) -> None:
        if not self.fit_column:
            return
        columns = self.table.columns
        for i, column in enumerate(columns):
            if column.key == self.fit_column:
                width = max(len(column.title), min(self.fit_max, self._fit or column.width))
                if width != column.width:
                    columns = list(columns)
                    columns[i] = replace(column, width=width, flex=0)
                    self.table.set_columns(columns)
                return

    def after_change(self) -> None:
        self._apply_fit()
        status = self.cluster.status[self.kind]
        self.table.dimmed = status.state != LIVE and status.state != CONNECTING and bool(self.rows)
        self.table.empty_text = self.empty_text()
        self.table.rows_changed()
        self._update_title()

    def empty_text(self) -> str:
        status = self.cluster.status[self.kind]
        if status.state == CONNECTING:
            return f"loading {self.noun}…"
        if status.state in (FORBIDDEN, UNAUTHORIZED):
            return f"cannot list {self.noun}: {visible(status.reason)}"
        if status.state != LIVE and not self.rows:
            return f"cannot reach the cluster: {visible(status.reason)}"
        if self.needle:
            return f"no {self.noun} match “{visible(self.needle)}”"
        return f"no {self.noun}{self.scope_words()}"

    def scope_words(self) -> str:
        if self.kind == "nodes":
            return ""
        ns = self.cluster.namespace
        return " in any namespace" if ns is None else f" in namespace {ns}"

    def _update_title(self) -> None:
        rows = self.rows
        title = self.title(len(self.table.index), len(rows), len(self._unhealthy_keys))
        status = self.cluster.status[self.kind]
        notes = []
        if self.frozen:
            notes.append("FROZEN" + (" (changes pending)" if self._pending else ""))
        if self.needle:
            notes.append(f"/{self.needle}: {len(self.table.index)} shown")
        if status.state in (FORBIDDEN, UNAUTHORIZED):
            notes.append(status.reason)
        else:
            stale = stale_text(status)
            if stale:
                notes.append(stale)
        subtitle = " · ".join(notes)
        alert = status.state not in (LIVE, CONNECTING)
        badge = "!" if alert else (str(len(self._unhealthy_keys)) if self._unhealthy_keys else "")
        set_pane_title(self, title, subtitle, alert=alert, badge=badge)

    def _tick(self) -> None:
        # Once a second, while shown: ages and "stale 12s" move on. Only cells whose text
        # changed are repainted, so an idle screen writes almost nothing.
        self.table.repaint_changed()
        if self.cluster.status[self.kind].state != LIVE:
            self.table.empty_text = self.empty_text()
            self._update_title()

    @property
    def displayed(self) -> bool:
        """Whether this pane and every container above it are displayed (not a hidden tab)."""
        return shown(self)

    # -- filter -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "start_filter" and getattr(self.app, "wall", False):
            return False  # a wall opens no prompt; the app says why (`why_not`)
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple) -> str | None:
        return why_no_prompt(action) if getattr(self.app, "wall", False) else None

    def action_start_filter(self) -> None:
        self.add_class("-filtering")
        self.filter_input.value = self.needle
        self.filter_input.focus()

    def action_clear_filter(self) -> None:
        if self.needle or self.has_class("-filtering"):
            self.filter_input.value = ""
            self._set_needle("")
            self.remove_class("-filtering")
            self.table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.filter_input:
            event.stop()
            self._set_needle(event.value.strip().lower())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is self.filter_input:
            event.stop()
            if not self.needle:
                self.remove_class("-filtering")
            self.table.focus()

    def _set_needle(self, needle: str) -> None:
        if needle != self.needle:
            self.needle = needle
            self.rebuild()

    def focus_table(self) -> None:
        self.table.focus()
