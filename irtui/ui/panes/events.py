"""The events pane: Warning events first, newest first, like a sorted `kubectl get events`.

This module owns how an `EventRow` is shown: LAST SEEN, TYPE, REASON, OBJECT, COUNT,
MESSAGE (first line). Events are watched like every other kind; nothing is polled.
"""

from __future__ import annotations

from irtui.kube.model import EventRow
from irtui.kube.printers import age
from irtui.text import plural
from irtui.ui import ticks
from irtui.ui.panes import ClusterPane
from irtui.ui.widgets.virtual_table import Column


class EventsPane(ClusterPane):
    kind = "events"
    noun = "events"

    def __init__(self, *, id: str | None = "events") -> None:
        super().__init__(id=id)

    def columns(self) -> list[Column]:
        return [
            Column("last", "LAST", 5),
            Column("type", "TYPE", 7, drop=5),
            Column("reason", "REASON", 14),
            Column("object", "OBJECT", 24, flex=1, clip="middle", floor=16, squeeze=3),
            Column("count", "COUNT", 5, right=True, drop=4),
            Column("message", "MESSAGE", 20, flex=3),
        ]

    def sort_key(self, row: EventRow) -> tuple:
        when = row.last.timestamp() if row.last else 0.0
        return (0 if row.warning else 1, -when)

    def is_unhealthy(self, row: EventRow) -> bool:
        return row.warning

    def matches(self, row: EventRow, needle: str) -> bool:
        return (needle in row.object.lower() or needle in row.reason.lower()
                or needle in row.message.lower() or needle in row.namespace.lower())

    def cells(self, row: EventRow):
        now = ticks.now(self)
        style = "warn" if row.warning else None
        return [
            (age(row.last, now), None),
            (row.type, style or "muted"),
            (row.reason, style),
            (row.object, None),
            (str(row.count), None),
            (row.message, None if row.warning else "muted"),
        ]

    def title(self, shown: int, total: int, unhealthy: int) -> str:
        warn = f" · {plural(unhealthy, 'warning')}" if unhealthy else ""
        return f"Events · {total}{warn}"
