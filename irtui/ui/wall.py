"""The wall display: what a room reads from across the table, and what a wall never does.

This module owns `WallBoard`, the band under the header of `irtui --read-only --wall`: the
severity in a block, the incident's id, title and status, and the elapsed time and the next
status update in large digits (Textual `Digits`) once the terminal is tall enough for them,
one bold line otherwise. The digits show hours and minutes, so the band changes once a
minute, not once a second: a wall is often a terminal shared over SSH, and a clock ticking
every second is most of what an idle screen would send.

The keys a wall refuses are `irtui.ui.wallkeys`'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from irtui.incident.clocks import ClockPolicy, compute
from irtui.incident.model import utcnow
from irtui.incident.session import IncidentSession
from irtui.redact import redact_foreign
from irtui.text import visible
from irtui.ui.incident.messages import IncidentChanged, follow
from irtui.ui.stylesheets import widget_css
from irtui.ui.ticks import every_second

BIG_MIN_HEIGHT = 30  # below this the band is one line: the panes need the rows more


def hours_minutes(delta: timedelta | None) -> str:
    """`H:MM` (negative when overdue), the precision a wall's clocks are drawn at."""
    if delta is None:
        return "-:--"
    minutes = int(abs(delta).total_seconds()) // 60
    sign = "-" if delta < timedelta(0) else ""
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


class WallBoard(Vertical):
    """Severity, incident, status and clocks, big. Reads the session; writes nothing."""

    DEFAULT_CSS = widget_css(__file__, "wall.tcss")

    def __init__(self, session: IncidentSession, policy: ClockPolicy, contacts: dict[str, Any] | None = None, *,
                 now: Callable[[], datetime] = utcnow) -> None:
        super().__init__(id="wall-board")
        self.session = session
        self.policy = policy
        self.contacts = contacts or {}
        self.now = now
        self._shown: tuple | None = None
        self._unlisten: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="wall-big"):
            yield Static("", id="wall-severity")
            yield Static("", id="wall-incident")
            with Vertical(classes="wall-clock", id="wall-elapsed"):
                yield Static("T+ h:mm")
                yield Digits("-:--")
            with Vertical(classes="wall-clock", id="wall-update"):
                yield Static("update h:mm")
                yield Digits("-:--")

    def on_mount(self) -> None:
        self._unlisten = follow(self.session, self)
        # Asked every second, drawn only when the minute (or anything else shown) changes.
        every_second(self, self.refresh_board)
        self.refresh_board()

    def on_unmount(self) -> None:
        if self._unlisten is not None:
            self._unlisten()

    def on_incident_changed(self, _message: IncidentChanged) -> None:
        self.refresh_board()

    def on_resize(self) -> None:
        self.refresh_board()

    def readout(self) -> tuple:
        """What the board shows now: (severity, incident line, status line, elapsed, update,
        update overdue, breached)."""
        state = self.session.state
        if state is None or not state.is_open:
            return ("--", "no incident open", "watching the cluster", "-:--", "-:--", False, False)
        clocks = compute(state, self.policy, self.now(), self.contacts)
        status = state.status + (f" · {state.phase}" if state.phase else "")
        if clocks.resolved:
            update, overdue = "-:--", False
        else:
            update = hours_minutes(clocks.update_remaining)
            overdue = clocks.update_overdue
        breached = overdue or clocks.response_breached or clocks.escalation_due
        # The room reads it: contact details in a title are hidden here (the record keeps them).
        return (visible(state.severity or "?", 4), visible(redact_foreign(f"{state.incident_id}  {state.title}"), 200),
                visible(status, 200), hours_minutes(clocks.since_detection), update, overdue, breached)

    def refresh_board(self) -> None:
        big = self.app.size.height >= BIG_MIN_HEIGHT
        shown = (*self.readout(), big)
        if shown == self._shown:  # nothing is sent to the terminal when nothing changed
            return
        self._shown = shown
        severity, incident, status, elapsed, update, overdue, breached, _ = shown
        # A short terminal keeps its rows for the panes: the clock bar says it all in one line.
        # (Height 0, not display none: a hidden widget hears no second and could not come back.)
        self.set_class(big, "-big")
        for level in ("p0", "p1", "p2", "p3"):
            self.set_class(severity.lower() == level, f"-{level}")
        self.set_class(breached, "-breached")
        if big:
            self.query_one("#wall-severity", Static).update(Text(severity))
            self.query_one("#wall-incident", Static).update(Text(f"{incident}\n{status}"))
            self.query_one("#wall-elapsed Digits", Digits).update(elapsed)
            self.query_one("#wall-update Digits", Digits).update(update)
            self.query_one("#wall-update Static", Static).update("OVERDUE h:mm" if overdue else "update h:mm")
