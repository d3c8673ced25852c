"""The service health pane: each configured service's `/health` with its state (healthy,
degraded, FAILING, unknown: a symbol and a word), HTTP code, latency, the recent history,
and unless healthy, what it answered or why it could not be asked.

It is given a `HealthChecker`; the rounds and their timing are
`irtui.health.feed.HealthFeed`'s, whose loop the pane starts and stops (a round every
`interval` seconds, and on one key). The pane subscribes, posts `HealthPane.Checked` with
each round's results so the app can record them, and renders.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from irtui.config import Config
from irtui.health.checks import (
    DEGRADED,
    FAILING,
    HEALTHY,
    UNKNOWN,
    HealthChecker,
    HealthResult,
    HealthSettings,
    make_transport,
    naming,
    summarize,
)
from irtui.health.feed import HealthFeed
from irtui.safety import Guard
from irtui.text import visible
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed
from irtui.ui.widgets.virtual_table import CellTable

# (key, label, width, drop): a narrow pane leaves out when and the history before the detail
# that says why; the detail, last, is free text and may run off the edge.
COLUMNS = (("service", "Service", 18, 0), ("status", "Status", 11, 0), ("code", "HTTP", 5, 0),
           ("latency", "Latency", 9, 0), ("history", "History", 20, 1), ("checked", "Checked", 9, 2),
           ("detail", "Detail", 60, 0))


# Each state as a symbol and a word, so that it reads without colour (a shared screen, a
# colour-blind responder, a monochrome terminal); the colour only repeats it.
SHOWN = {
    HEALTHY: ("●", "healthy", "$irtui-healthy"),
    DEGRADED: ("◐", "degraded", "bold $irtui-pending"),
    FAILING: ("✗", "FAILING", "bold $irtui-failing"),
    UNKNOWN: ("?", "unknown", "dim"),
}

def latency_text(result: HealthResult) -> str:
    return "-" if result.latency is None else f"{result.latency * 1000:.0f} ms"


class HealthPane(Vertical):
    """Health of every service, checked through the service proxy or direct URLs."""

    DEFAULT_CSS = widget_css(__file__, "health.tcss")

    BINDINGS = [Binding("r", "check_now", "Re-run health checks", id="health.recheck")]

    class Checked(Message):
        """A round of checks finished."""

        def __init__(self, pane: HealthPane, results: list[HealthResult]) -> None:
            super().__init__()
            self.pane = pane
            self.results = results

    def __init__(self, checker: HealthChecker, *, autostart: bool = True, first_poll_after: float = 0.0,
                 interval: float | None = None,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.checker = checker
        self.feed = HealthFeed(checker, interval)
        self.autostart = autostart
        self.first_poll_after = first_poll_after  # seconds; the war room lets the pods pane fill first
        self.interval = self.feed.interval
        self.rounds = 0  # rounds rendered
        self._unsubscribe = self.feed.subscribe(self._delivered)

    @classmethod
    def from_config(cls, config: Config, guard: Guard, api_client=None, **kwargs) -> HealthPane:
        """The pane `[health]` describes; `api_client` (the session's guarded kubernetes
        client) is needed unless every service has a direct URL."""
        settings = HealthSettings.from_config(config)
        return cls(HealthChecker(settings, make_transport(settings, guard, api_client)), **kwargs)

    def compose(self) -> ComposeResult:
        yield Static("health: checking…", id="health-status")
        yield CellTable(id="health-table")

    def on_mount(self) -> None:
        table = self.query_one(CellTable)
        for key, label, width, drop in COLUMNS:
            table.add_column(label, key=key, width=width, drop=drop)
        for service in self.checker.settings.services:
            table.add_row(Text(visible(service)), Text("…", style="dim"), "", "", "", "", "", key=service)
        self.feed.start(self.first_poll_after if self.autostart else None)

    @property
    def results(self) -> dict[str, HealthResult]:
        """The latest result per service."""
        return self.feed.results

    def _delivered(self, results: list[HealthResult]) -> None:
        self.post_message(self.Checked(self, results))

    def run_checks(self) -> None:
        """A round now (or right after the round in flight)."""
        self.feed.now()

    def action_check_now(self) -> None:
        self.run_checks()

    def on_health_pane_checked(self, message: Checked) -> None:
        if message.pane is self:
            self.apply(message.results)

    def apply(self, results: list[HealthResult]) -> None:
        self.rounds += 1
        table = self.query_one(CellTable)
        with self.app.batch_update():
            for result in results:
                if result.service not in table.rows:
                    table.add_row(Text(visible(result.service)), "", "", "", "", "", "", key=result.service)
                symbol, word, style = SHOWN[result.state]
                table.update_cell(result.service, "status", Text(f"{symbol} {word}", style=themed(style)))
                table.update_cell(result.service, "code", "-" if result.status is None else str(result.status))
                table.update_cell(result.service, "latency", latency_text(result))
                table.update_cell(result.service, "history", self._history(result.service))
                table.update_cell(result.service, "checked", time.strftime("%H:%M:%S", time.localtime(result.at)))
                table.update_cell(result.service, "detail",
                                  Text(visible(result.detail), style=themed(SHOWN[result.state][2])) if result.detail else "")
        failing = any(r.state == FAILING for r in results)
        named = naming(results)
        summary = visible(summarize(results) + (f" · {named}" if named else "")
                   + f" · round {self.rounds} at {time.strftime('%H:%M:%S')} · every {self.interval:g}s · r re-runs")
        style = themed("bold $irtui-failing" if failing else "$irtui-pending" if any(not r.ok for r in results) else "")
        self.query_one("#health-status", Static).update(
            Text(summary, style=style, no_wrap=True, overflow="ellipsis"), layout=False)

    def _history(self, service: str) -> Text:
        text = Text(no_wrap=True)
        for result in self.checker.history.get(service, ()):
            symbol, _, style = SHOWN[result.state]
            text.append(symbol, style)
        return text

    async def on_unmount(self) -> None:
        self._unsubscribe()
        await self.feed.aclose()
