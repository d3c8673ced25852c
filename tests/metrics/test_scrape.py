"""The direct-scrape source against an HTTP server serving Prometheus text the test controls.

The source's clock is the test's, so the rates are exact: the server decides the counter
values, the test decides when each scrape happened.
"""

import math

import pytest

from irtui.health.transport import DirectHttp
from irtui.metrics.scrape import ScrapeSource
from irtui.metrics.settings import MetricsSettings
from irtui.safety import Guard

from metrics_servers import exposition


class StepClock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make_source(text_server, clock, services=("task-service",)):
    settings = MetricsSettings(source="scrape", services=tuple(services))
    transport = DirectHttp(text_server.url + "/metrics/{service}", Guard(read_only=True))
    return ScrapeSource(settings, transport, clock=clock)


async def test_rates_from_counter_deltas_and_a_counter_reset(text_server):
    clock = StepClock()
    counters = {"requests": 1000.0, "errors": 10.0}
    inf = math.inf
    text_server.body["task-service"] = lambda now: exposition(
        "task-service", counters["requests"], counters["errors"],
        {0.1: counters["requests"] * 0.5, 0.5: counters["requests"] * 0.9, 1.0: counters["requests"], inf: counters["requests"]})
    source = make_source(text_server, clock)
    try:
        first = await source.fetch()
        assert first.ok and first.services["task-service"].request_rate is None  # one sample: no rate yet

        clock.t += 10
        counters.update(requests=1200.0, errors=30.0)  # +200 requests, +20 errors in 10 s
        snap = await source.fetch()
        point = snap.services["task-service"]
        # Prometheus's rate() over [1m] with 10 s of data: the +200 extended by half an
        # interval (5 s) at the start, divided by the 60 s window.
        assert point.request_rate == pytest.approx(200 * 15 / 10 / 60)
        assert point.error_rate == pytest.approx(0.1)
        # bucket increases 100/180/200: rank 190 in (0.5, 1.0]: 0.5 + 0.5 * (190-180)/20
        assert point.p95 == pytest.approx(0.75)

        clock.t += 10
        counters.update(requests=50.0, errors=25.0)  # the service restarted: counters began again
        snap = await source.fetch()
        point = snap.services["task-service"]
        # Per series, as Prometheus does: code=200 went 990 -> 1170 -> 25 (+180, reset, +25),
        # code=500 and the error counter 10 -> 30 -> 25 (+20, reset, +25). Each is
        # extrapolated over its 20 s of samples; the 500s only back to where they were zero.
        ok = 205 * (20 + 5) / 20
        bad = 45 * (20 + 20 * 10 / 45) / 20
        assert point.request_rate == pytest.approx((ok + bad) / 60)
        assert point.error_rate == pytest.approx(bad / (ok + bad))
        assert text_server.hits["task-service"] == 3
    finally:
        await source.aclose()


async def test_a_service_that_fails_is_reported_and_others_still_count(text_server):
    clock = StepClock()
    text_server.body["task-service"] = lambda now: exposition("task-service", 100, 1)
    source = make_source(text_server, clock, services=("task-service", "emr-service"))
    try:
        snap = await source.fetch()
        assert snap.ok
        assert "emr-service" in source.last_errors and "404" in source.last_errors["emr-service"]
        assert snap.services["emr-service"].request_rate is None
        text_server.body.clear()
        snap = await source.fetch()
        assert not snap.ok and snap.error.startswith("no target answered")
        assert snap.unreachable_since == clock.t
    finally:
        await source.aclose()


async def test_unreachable_target(text_server):
    settings = MetricsSettings(source="scrape", services=("task-service",))
    source = ScrapeSource(settings, DirectHttp("http://127.0.0.1:9/metrics/{service}", Guard(), timeout=2))
    try:
        snap = await source.fetch()
        assert not snap.ok and "ConnectError" in snap.error
    finally:
        await source.aclose()


def test_the_error_ratio_never_exceeds_every_request():
    """A request series born mid-window is extrapolated less than the old error counter:
    the ratio of their rates can pass 1, and the screen said `154.26%`."""
    settings = MetricsSettings(source="scrape", services=("api-gateway",))
    source = ScrapeSource(settings, transport=None, clock=lambda: 0.0)
    ok = 'http_requests_total{code="200"} %d\n'
    failed = 'http_requests_total{code="503"} %d\n'
    errors = "http_request_errors_total %d\n"
    source.record("api-gateway", 100.0, ok % 1000 + errors % 50)
    source.record("api-gateway", 102.0, ok % 1010 + errors % 50)
    source.record("api-gateway", 104.0, ok % 1010 + failed % 300 + errors % 350)
    source.record("api-gateway", 106.0, ok % 1012 + failed % 600 + errors % 650)
    point = source.point("api-gateway", 106.0)
    assert point.error_rate is not None and 0.9 < point.error_rate <= 1.0
