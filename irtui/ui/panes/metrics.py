"""The metrics pane: per service request rate, error %, p95 latency, each with a chart of
the last 30 minutes, coloured by the configured thresholds, with the age of the data.

It is given a source (`PrometheusSource` or `ScrapeSource`, anything with
`async fetch() -> MetricsSnapshot`) and the `MetricsSettings`; the polling, its timing and
backoff, the history and the last good snapshot are `irtui.metrics.feed.MetricsFeed`'s,
whose loop the pane starts and stops. The pane subscribes, posts `MetricsPane.Updated`
with each snapshot so the app can listen, and renders. It never opens a socket itself.
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
from irtui.metrics.feed import MetricsFeed
from irtui.metrics.model import SERIES, MetricsSnapshot, ServicePoint
from irtui.metrics.settings import MetricsSettings
from irtui.metrics.source import make_source
from irtui.safety import Guard
from irtui.text import visible
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed
from irtui.ui.ticks import every_second
from irtui.ui.widgets.sparkline_chart import sparkline_chart
from irtui.ui.widgets.virtual_table import CellTable

# Chart levels as theme variables (irtui.ui.theming), and as a mark after the value, so that
# a value over its threshold reads without colour (colour-blind, monochrome, a washed-out wall).
LEVEL_STYLE = {"ok": "$irtui-chart", "warn": "bold $irtui-chart-warn", "crit": "bold $irtui-chart-crit", "none": "dim"}
LEVEL_MARK = {"ok": "", "warn": "△", "crit": "▲", "none": ""}
# (key, label, width, drop): a narrow pane leaves out the charts first, right to left, and
# keeps every number whole ("4951 ms", never "4951 ").
COLUMNS = (("service", "Service", 18, 0), ("request_rate", "req/s", 9, 0), ("request_rate_chart", "", 0, 4),
           ("error_rate", "error %", 8, 0), ("error_rate_chart", "", 0, 5), ("p95", "p95", 8, 0),
           ("p95_chart", "", 0, 6))


def format_value(series: str, value: float | None) -> str:
    if value is None:
        return "no data"
    if series == "request_rate":
        return f"{value:.1f}" if value < 1000 else f"{value / 1000:.1f}k"
    if series == "error_rate":
        return f"{value * 100:.2f}%"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def human_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def coarse_age(seconds: float) -> str:
    """An age at the precision a status line needs: tens of seconds, then minutes. The line
    then changes every ten seconds at most, instead of sending a redraw every second."""
    seconds = max(0, int(seconds))
    if seconds < 10:
        return "<10s"
    if seconds < 60:
        return f"{seconds // 10 * 10}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class MetricsPane(Vertical):
    """Error rates and latency per service, from Prometheus or direct scrapes."""

    DEFAULT_CSS = widget_css(__file__, "metrics.tcss")

    BINDINGS = [Binding("r", "refresh_now", "Refresh metrics", id="metrics.refresh")]

    class Updated(Message):
        """A poll finished; `snapshot` is what the source answered (maybe an error)."""

        def __init__(self, pane: MetricsPane, snapshot: MetricsSnapshot) -> None:
            super().__init__()
            self.pane = pane
            self.snapshot = snapshot

    def __init__(self, source, settings: MetricsSettings, *, autostart: bool = True, first_poll_after: float = 0.0,
                 clock=time.time, chart_width: int | None = None, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.source = source
        self.settings = settings
        self.feed = MetricsFeed(source, settings, clock)
        self.autostart = autostart
        self.first_poll_after = first_poll_after  # seconds; the war room lets the pods pane fill first
        self.clock = clock
        self.polls = 0  # snapshots rendered
        self._unsubscribe = self.feed.subscribe(self._delivered)
        # None: the charts share whatever width the pane has (80 to 300+ columns).
        self._auto_width = chart_width is None
        self._chart_width = max(8, chart_width or 24)

    @classmethod
    def from_config(cls, config: Config, guard: Guard, api_client=None, **kwargs) -> MetricsPane:
        """The pane `[metrics]` describes. `api_client` (the session's guarded kubernetes
        client) is needed only for `source = "scrape"` through the service proxy. Building it
        opens nothing; the first poll does."""
        settings = MetricsSettings.from_config(config)
        clock = kwargs.get("clock", time.time)  # the samples are timed by the pane's clock
        return cls(make_source(settings, guard, api_client, clock), settings, **kwargs)

    def compose(self) -> ComposeResult:
        yield Static("metrics: waiting for the first sample", id="metrics-status")
        yield CellTable(id="metrics-table")

    def on_mount(self) -> None:
        table = self.query_one(CellTable)
        for key, label, width, drop in COLUMNS:
            table.add_column(label, key=key, width=width or self._chart_width, drop=drop)
        for service in self.settings.services:
            self._add_row(table, service)
        every_second(self, self._update_status)
        self.feed.start(self.first_poll_after if self.autostart else None)

    def _add_row(self, table: CellTable, service: str) -> None:
        empty = Text("no data", style="dim")
        table.add_row(Text(visible(service)), empty, Text(""), empty, Text(""), empty, Text(""), key=service)

    # -- what the feed delivers -----------------------------------------------------------

    @property
    def history(self):
        return self.feed.history

    @property
    def latest(self) -> MetricsSnapshot | None:
        """The last snapshot, good or not."""
        return self.feed.latest

    @property
    def last_good(self) -> MetricsSnapshot | None:
        return self.feed.last_good

    def _delivered(self, snapshot: MetricsSnapshot) -> None:
        self.post_message(self.Updated(self, snapshot))

    def poll(self) -> None:
        """Ask the source now (or right after the poll in flight)."""
        self.feed.now()

    def on_metrics_pane_updated(self, message: Updated) -> None:
        if message.pane is self:
            self.apply(message.snapshot)

    def action_refresh_now(self) -> None:
        self.poll()

    # -- rendering -------------------------------------------------------------------

    def apply(self, snapshot: MetricsSnapshot) -> None:
        """Update the table in place, by row key, from what the feed holds."""
        self.polls += 1
        self._render_rows()
        self._update_status()

    def _render_rows(self) -> None:
        table = self.query_one(CellTable)
        point_source = self.last_good.services if self.last_good else {}
        end = self.latest.at if self.latest else self.clock()
        start = end - self.settings.history_seconds
        stale = self.latest is not None and not self.latest.ok
        thresholds = self.settings.thresholds
        services = list(dict.fromkeys([*self.settings.services, *point_source]))
        with self.app.batch_update():
            for service in services:
                if service not in table.rows:
                    self._add_row(table, service)
                point = point_source.get(service, ServicePoint())
                down = self.latest.down.get(service) if self.latest else None
                for series in SERIES:
                    value = point.get(series)
                    level = thresholds.level(series, value)
                    style = themed("dim" if stale and value is not None else LEVEL_STYLE[level])
                    if down:
                        # Nothing answered (scaled to 0, no endpoints): what the counters said
                        # before is not a rate now. The status line says why.
                        cell = Text("—", style=themed("bold $irtui-chart-crit") if series == "request_rate" else "dim")
                    else:
                        cell = Text(format_value(series, value) + LEVEL_MARK[level], style=style)
                    table.update_cell(service, series, cell)
                    chart = sparkline_chart(self.history.series(service, series), start, end, self._chart_width,
                                            style=themed(LEVEL_STYLE[level]) if level != "none" else "")
                    table.update_cell(service, f"{series}_chart", chart)

    def on_resize(self) -> None:
        if not self._auto_width:
            return
        fixed = sum(width for _, _, width, _ in COLUMNS) + len(COLUMNS) - 1
        width = max(8, min(60, (self.size.width - fixed) // 3))
        if width != self._chart_width:
            self._chart_width = width
            table = self.query_one(CellTable)
            for series in SERIES:
                table.set_column_width(f"{series}_chart", width)
            if self.latest is not None:
                self._render_rows()

    def _update_status(self) -> None:
        status = self.query_one("#metrics-status", Static)
        snap = self.latest
        now = self.clock()
        if snap is None:
            label = self.feed.label
            self._show_status(status, Text(visible(f"{label}: waiting for the first sample")))
            return
        label = snap.source
        if snap.ok:
            status.remove_class("-stale")
            down = "".join(f" · {svc} down: {why}" for svc, why in snap.down.items())
            # Reasons and service names come from Prometheus and the services themselves.
            sampled = time.strftime('%H:%M:%S', time.localtime(snap.at))
            self._show_status(status, Text(visible(f"{label} · sample {sampled} ({coarse_age(now - snap.at)} ago) · "
                                                   f"history {self.settings.history_minutes:g}m{down}", 1000),
                                           no_wrap=True, overflow="ellipsis"))
            return
        status.add_class("-stale")
        since = snap.unreachable_since
        since_text = (f" since {time.strftime('%H:%M:%S', time.localtime(since))} ({coarse_age(now - since)})"
                      if since else "")
        shown = (f" · showing data from {time.strftime('%H:%M:%S', time.localtime(self.last_good.at))}"
                 if self.last_good else " · no data yet")
        self._show_status(status, Text(visible(f"{snap.error}{since_text}{shown}", 1000), no_wrap=True,
                                       overflow="ellipsis"))

    def _show_status(self, status: Static, text: Text) -> None:
        # Asked every second; drawn (and sent to the terminal) only when the words change.
        if text.plain == getattr(self, "_status_plain", None):
            return
        self._status_plain = text.plain
        status.update(text, layout=False)  # one line, always: no layout pass for a ticking age

    async def on_unmount(self) -> None:
        self._unsubscribe()
        await self.feed.aclose()
