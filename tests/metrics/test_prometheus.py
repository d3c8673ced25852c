"""The metrics pane against a real Prometheus scraping a server whose counters the test
drives: the pane's error rate is what PromQL returns for the same evaluation time, and the
direct-scrape source agrees with it.
"""

import math
import time

import pytest
from textual.app import App, ComposeResult
from textual.color import Color

from irtui.health.transport import DirectHttp
from irtui.metrics.prometheus import PrometheusSource
from irtui.metrics.scrape import ScrapeSource
from irtui.metrics.settings import DEFAULT_PROMQL, MetricsSettings
from irtui.safety import Guard
from irtui.ui.panes.metrics import LEVEL_MARK, MetricsPane, format_value
from irtui.ui.widgets.virtual_table import CellTable

from metrics_servers import exposition
from polling import until


class Traffic:
    """Counters that grow linearly with wall time; `incident()` switches to a surge of errors.

    Baseline traffic is small next to the incident's, so whether a 1-minute window starts a
    second earlier or later barely moves the ratio: Prometheus's window and the direct
    scrape's then describe the same thing, and any disagreement is a real bug.
    """

    def __init__(self) -> None:
        self.t0 = time.time()
        self.rates = (1.0, 0.01)  # requests/s, errors/s
        self.base = (0.0, 0.0)

    def incident(self) -> None:
        now = time.time()
        self.base = self.totals(now)
        self.t0 = now
        self.rates = (50.0, 20.0)

    def totals(self, now: float) -> tuple[float, float]:
        dt = max(0.0, now - self.t0)
        return self.base[0] + self.rates[0] * dt, self.base[1] + self.rates[1] * dt

    def text(self, service: str, now: float) -> str:
        requests, errors = self.totals(now)
        buckets = {0.05: requests * 0.6, 0.25: requests * 0.9, 1.0: requests * 0.99, math.inf: requests}
        return exposition(service, requests, errors, buckets)


class PaneApp(App):
    def __init__(self, pane: MetricsPane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


async def test_pane_error_rate_matches_promql_and_the_direct_scrape_agrees(text_server, prometheus_factory):
    traffic = {"task-service": Traffic(), "api-gateway": Traffic()}
    for name, t in traffic.items():
        text_server.body[name] = lambda now, name=name, t=t: t.text(name, now)
    hostport = text_server.url.removeprefix("http://")
    prom = prometheus_factory({name: (hostport, f"/metrics/{name}") for name in traffic})
    await until(lambda: prom.targets_up() == 2, what="both targets up")

    services = tuple(traffic)
    settings = MetricsSettings(prometheus_url=prom.url, services=services, interval=3600)
    pane = MetricsPane(PrometheusSource(settings, Guard(read_only=True)), settings, autostart=False)
    direct = ScrapeSource(MetricsSettings(source="scrape", services=services),
                          DirectHttp(text_server.url + "/metrics/{service}", Guard(read_only=True)))
    app = PaneApp(pane)
    try:
        async with app.run_test(size=(140, 20)) as pilot:
            await direct.fetch()
            # Baseline: a little traffic, a low error rate, in Prometheus and on screen.
            await until(lambda: len(prom.query(DEFAULT_PROMQL["request_rate"], time.time())) == 2,
                        what="request rates in Prometheus", pilot=pilot)
            traffic["task-service"].incident()

            async def refreshed_and_raised():
                await direct.fetch()
                polls = pane.polls
                pane.poll()
                await until(lambda: pane.polls > polls, what="a poll", pilot=pilot)
                point = pane.latest.services["task-service"]
                # 0.4 is the incident's ratio; past 0.38 the baseline's share of the window is small.
                if not pane.latest.ok or point.error_rate is None or point.error_rate < 0.38:
                    return None
                # The same question, asked of Prometheus directly for the same evaluation time.
                truth = prom.query(DEFAULT_PROMQL["error_rate"], pane.latest.at)
                if truth.get("task-service") != pytest.approx(point.error_rate, rel=1e-9):
                    return None  # a scrape landed between the two queries: ask again
                return point, truth

            point, truth = await until(refreshed_and_raised, timeout=90, step=0.5,
                                       what="task-service's error rate to rise in the pane and PromQL", pilot=pilot)
            assert point.error_rate == pytest.approx(truth["task-service"], rel=1e-9)
            assert pane.latest.services["api-gateway"].error_rate < 0.05

            await pilot.pause()
            table = pane.query_one(CellTable)
            cell = table.get_cell("task-service", "error_rate")
            # Over its threshold: marked, and in the theme's colour for it (this bare app's
            # theme has no irtui colours, so its error colour).
            assert str(cell) == format_value("error_rate", point.error_rate) + LEVEL_MARK["crit"]
            assert "crit" == settings.thresholds.level("error_rate", point.error_rate)
            assert cell.style.bold and cell.style.color.triplet == Color.parse(app.theme_variables["error"]).rich_color.triplet

            # The direct scrape, with its own clock and its own rate arithmetic, agrees.
            scraped = direct.point("task-service", pane.latest.at)
            assert scraped.error_rate == pytest.approx(point.error_rate, abs=0.02)
            # Same rate() semantics (extrapolation, the whole window as divisor): request rates
            # agree too, up to when each side happened to take its samples.
            assert scraped.request_rate == pytest.approx(point.request_rate, rel=0.3)
            # p95 from the same histogram: the 0.95 rank lies in (0.25, 1.0] for both.
            assert 0.25 < scraped.p95 <= 1.0 and 0.25 < pane.latest.services["task-service"].p95 <= 1.0
            assert scraped.p95 == pytest.approx(pane.latest.services["task-service"].p95, rel=0.1)

            # History: the first contact backfilled from query_range, charts have points.
            assert len(pane.history.series("task-service", "error_rate")) >= 2
    finally:
        await direct.aclose()


async def test_prometheus_unreachable_is_said_and_the_last_numbers_stay(text_server):
    settings = MetricsSettings(prometheus_url="http://127.0.0.1:9", services=("task-service",), interval=3600, timeout=2)
    pane = MetricsPane(PrometheusSource(settings, Guard()), settings, autostart=False)
    async with PaneApp(pane).run_test(size=(140, 20)) as pilot:
        pane.poll()
        await until(lambda: pane.polls >= 1, what="a poll", pilot=pilot)
        await pilot.pause()
        status = str(pane.query_one("#metrics-status").render())
        assert "Prometheus unreachable" in status and "since" in status and "no data yet" in status
        assert str(pane.query_one(CellTable).get_cell("task-service", "error_rate")) == "no data"
