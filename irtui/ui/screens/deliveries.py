"""The drill's deliveries view: what the demo's stand-in Slack, Statuspage, PagerDuty,
webhook and SMTP endpoints received, newest last, each with its service, what it was and
the text a person would read. `r` refreshes, `escape`/`q` closes. The list is plain data
(`irtui.demo.receivers.Delivery`); the texts are foreign (an update someone typed), so they
are drawn as visible text, never markup.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import RichLog, Static

from irtui.text import visible, visible_lines
from irtui.ui.stylesheets import widget_css

SHOWN_LINES = 3  # of each delivery's text: enough to tell one update from another


def delivery_lines(deliveries: Sequence[Any], read_only: bool = False) -> Text:
    out = Text()
    if not deliveries:
        why = ("read-only drill: this terminal sends nothing, so nothing arrives here" if read_only
               else "nothing received yet: u on the timeline sends an update, e escalates")
        out.append(why, style="dim")
        return out
    for n, d in enumerate(deliveries):
        if n:
            out.append("\n")
        out.append(time.strftime("%H:%M:%S", time.gmtime(d.at)), style="dim")
        out.append("  ")
        out.append(visible(d.service, 24).ljust(20), style="bold")
        out.append(" ")
        out.append(visible(d.what, 200))
        lines = visible_lines(d.text, 600).splitlines() if d.text else []
        if lines and lines[0].strip() == d.what.strip():
            lines = lines[1:]  # a Slack message's first line is already its summary
        for line in lines[:SHOWN_LINES]:
            out.append("\n" + " " * 32 + line, style="dim")
        if len(lines) > SHOWN_LINES:
            out.append("\n" + " " * 32 + f"… {len(lines) - SHOWN_LINES} more lines", style="dim")
    return out


class DeliveriesScreen(ModalScreen[None]):
    DEFAULT_CSS = widget_css(__file__, "deliveries.tcss")
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="demo.deliveries.close"),
        Binding("r", "refresh_list", "Refresh", id="demo.deliveries.refresh"),
    ]

    def __init__(self, deliveries: Callable[[], Sequence[Any]], *, read_only: bool = False) -> None:
        super().__init__()
        self.deliveries = deliveries
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]Deliveries received by the drill's Slack, Statuspage, PagerDuty, webhook and SMTP[/b]")
            yield RichLog(id="deliveries-log", wrap=True)
            yield Static("r refresh · escape close", classes="deliveries-keys")

    def on_mount(self) -> None:
        self.action_refresh_list()

    def action_refresh_list(self) -> None:
        log = self.query_one(RichLog)
        log.clear()
        log.write(delivery_lines(list(self.deliveries()), self.read_only))

    def action_close(self) -> None:
        self.dismiss(None)
