"""Acceptance against the simulator: real Prometheus scrapes its per-service metrics; after
`crashloop-task-service` breaks task-service, the error rate it causes is on screen, equal to
what PromQL returns for the same window, and the direct scrape through the API server's
service proxy agrees within a tolerance.

In that scenario task-service's pods crash and go unready at once, so task-service itself
cannot be scraped (its Service has no endpoints, as in a real cluster); its failures show as
the errors api-gateway returns for the ~45% of its traffic that goes to task-service.
"""

import time

import httpx
import pytest
from textual.app import App, ComposeResult

from irtui.health.transport import ServiceProxy
from irtui.kube.client import connect
from irtui.metrics.prometheus import PrometheusSource
from irtui.metrics.scrape import ScrapeSource
from irtui.metrics.settings import DEFAULT_PROMQL, MetricsSettings
from irtui.platform import SERVICES
from irtui.safety import Guard
from irtui.ui.panes.metrics import MetricsPane

from polling import until


def started_sim(sim_factory, *args):
    """A simulator that serves metrics, or a skip saying the simulator is not there yet."""
    try:
        sim = sim_factory(*args)
    except RuntimeError as exc:
        pytest.skip(f"irtui sim does not start yet: {str(exc)[-200:]}")
    try:
        probe = httpx.get(f"{sim.url}/sim/metrics/task-service", timeout=20)
    except httpx.TimeoutException:
        pytest.skip("irtui sim does not answer /sim/metrics/{service} yet (timed out)")
    if probe.status_code == 404:
        pytest.skip("irtui sim does not serve /sim/metrics/{service} yet")
    return sim


class PaneApp(App):
    def __init__(self, pane):
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


async def test_crashloop_error_rate_in_pane_equals_promql_and_direct_scrape_agrees(sim_factory, prometheus_factory):
    sim = started_sim(sim_factory)
    hostport = sim.url.split("://", 1)[1].rstrip("/")
    kube = connect(kubeconfig=sim.kubeconfig, guard=Guard(read_only=True))
    direct = ScrapeSource(MetricsSettings(source="scrape"), ServiceProxy(kube.api_client, "emrtask-prod"))
    prom = prometheus_factory({svc: (hostport, f"/sim/metrics/{svc}") for svc in SERVICES})
    await until(lambda: prom.targets_up() == len(SERVICES), step=0.1, what="all sim targets up")
    # Prometheus has its first samples: the direct scrape starts now too, so both 1-minute
    # windows hold about the same stretch of the baseline.
    await direct.fetch()

    settings = MetricsSettings(prometheus_url=prom.url, interval=3600)
    pane = MetricsPane(PrometheusSource(settings, Guard(read_only=True)), settings, autostart=False)
    try:
        async with PaneApp(pane).run_test(size=(160, 24)):
            await direct.fetch()
            await until(lambda: prom.query(DEFAULT_PROMQL["request_rate"], time.time()).get("task-service"),
                        what="task-service's request rate in Prometheus")
            pane.poll()
            await until(lambda: pane.polls >= 1, what="the first poll")
            before = pane.latest.services["api-gateway"].error_rate or 0.0

            sim.control("POST", "/sim/scenarios/crashloop-task-service")

            async def raised_and_equal():
                await direct.fetch()
                polls = pane.polls
                pane.poll()
                await until(lambda: pane.polls > polls, what="a poll")
                point = pane.latest.services["api-gateway"]
                if not pane.latest.ok or point.error_rate is None or point.error_rate < max(0.1, before * 5):
                    return None
                truth = prom.query(DEFAULT_PROMQL["error_rate"], pane.latest.at).get("api-gateway")
                if truth != pytest.approx(point.error_rate, rel=1e-9):
                    return None  # a scrape landed between the two queries: ask again
                scraped = direct.point("api-gateway", pane.latest.at).error_rate
                # The windows start at slightly different scrapes; wait until both see the incident.
                if scraped is None or abs(scraped - point.error_rate) > max(0.03, 0.1 * point.error_rate):
                    return None
                return point.error_rate, truth, scraped

            shown, truth, scraped = await until(raised_and_equal, timeout=60, step=0.2,
                                                what="api-gateway's error rate to rise, equal in pane and PromQL, "
                                                     "and the direct scrape within tolerance")
            print(f"api-gateway error rate: pane {shown:.4f}, PromQL {truth:.4f}, direct scrape {scraped:.4f}")
            assert shown == pytest.approx(truth, rel=1e-9)
            assert scraped == pytest.approx(shown, abs=max(0.03, 0.1 * shown))
            # task-service itself: the direct scrape says why there is nothing to scrape.
            assert "no endpoints available" in direct.last_errors["task-service"]
    finally:
        await direct.aclose()
        kube.api_client.close()
