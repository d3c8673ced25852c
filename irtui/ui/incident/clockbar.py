"""The clock bar: one line, always visible, in the theme's "due soon" colour when a clock runs
out within minutes and its "breached" colour once one has (fits 80 columns)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from textual.widgets import Static

from irtui.incident.anchor import SHORT
from irtui.incident.clocks import ClockPolicy, clock_segments, compute
from irtui.incident.model import utcnow
from irtui.incident.session import IncidentSession
from irtui.text import visible
from irtui.ui.incident.messages import IncidentChanged, follow
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed
from irtui.ui.ticks import every_second

SEVERITIES = ("P0", "P1", "P2", "P3")  # each has a theme colour
DUE_SOON = timedelta(minutes=5)  # a clock this close to running out colours the bar "due"


class ClockBar(Static):
    DEFAULT_CSS = widget_css(__file__, "clockbar.tcss")

    def __init__(self, session: IncidentSession, policy: ClockPolicy, contacts: dict[str, Any] | None = None, *,
                 now: Callable[[], datetime] = utcnow, seconds: bool = False, id: str | None = None) -> None:
        super().__init__("", id=id)
        # Minutes by default: the line then changes once a minute, not once a second,
        # which matters on a slow SSH link. `seconds=True` for a wall display.
        self.seconds = seconds
        self._shown: str | None = None
        self.session = session
        self.policy = policy
        self.contacts = contacts or {}
        self.now = now
        self._unlisten: Callable[[], None] | None = None

    def on_mount(self) -> None:
        self._unlisten = follow(self.session, self)
        # The clocks tick even when nothing is written; a 1 s refresh of one line is cheap.
        every_second(self, self.update_clock)
        self.update_clock()

    def on_unmount(self) -> None:
        if self._unlisten:
            self._unlisten()

    def on_incident_changed(self, message: IncidentChanged) -> None:
        self.update_clock()

    def text(self, width: int = 80) -> Text:
        """The bar's line for `width` columns. The incident id, severity and clocks are what
        the room quotes, so they stay: first the contact goes, then the timeline's head
        shortens and goes, then the separators tighten; only a line too narrow for all that
        loses the id."""
        state = self.session.state
        if state is None or not state.is_open:
            self.set_class(False, "-breached", "-due")
            return Text("no incident open", style="dim")
        readout = compute(state, self.policy, self.now(), self.contacts)
        self.set_class(readout.breached, "-breached")
        self.set_class(readout.due_within(DUE_SOON), "-due")
        segments = clock_segments(readout, self.seconds)
        contact = segments[-1] if readout.escalation_contact else None
        clocks = segments[:-1] if contact else segments
        short_segments = clock_segments(readout, self.seconds, compact=True)
        compact = short_segments[:-1] if contact else short_segments
        named = (f"{state.incident_id} {state.severity}", False)
        clocks_line = [named, *clocks]
        # The timeline's head, so that anyone in the room can quote it (see incident.anchor).
        heads = [f"#{state.last_seq} {state.head[:n]}" for n in (SHORT, 8)] if state.head else []
        full, short = (heads + ["", ""])[:2]
        # Most to least complete; the first that fits is drawn.
        candidates = [
            ([*clocks_line, *([contact] if contact else [])], " | ", full),
            (clocks_line, " | ", full),
            ([*clocks_line, *([contact] if contact else [])], " | ", short),
            (clocks_line, " | ", short),
            (clocks_line, " | ", ""),
            (clocks_line, "|", ""),
            ([named, *compact], "|", ""),
            ([(state.severity, False), *compact], "|", ""),
        ]
        fits = [(c, sep, h) for c, sep, h in candidates
                if len(sep.join(s for s, _ in c)) + (len(h) + len(sep) if h else 0) <= width]
        chosen, sep, head = fits[0] if fits else candidates[-1]
        out = Text(no_wrap=True, overflow="ellipsis")
        for n, (segment, alarming) in enumerate(chosen):
            if n:
                out.append(sep, style="dim")
            # Ids, severities and contact names come from the store and the config.
            if n == 0 and segment.endswith(state.severity) and state.severity in SEVERITIES:
                # The severity in its theme colour (`$irtui-p0`...); its word says it too.
                out.append(visible(segment[:-len(state.severity)]), style="bold")
                out.append(state.severity, style=themed(f"bold $irtui-badge-foreground on $irtui-{state.severity.lower()}"))
            else:
                out.append(visible(segment), style="bold reverse" if alarming else ("bold" if n == 0 else ""))
        if head:
            out.append(sep, style="dim")
            out.append(head, style="dim")
        out.truncate(max(10, width), overflow="ellipsis")
        return out

    def on_resize(self) -> None:
        self.update_clock()

    def update_clock(self) -> None:
        text = self.text(max(20, self.size.width - 2) if self.size.width else 78)
        if text.markup != self._shown:  # nothing is sent to the terminal when nothing changed
            self._shown = text.markup
            self.update(text)
