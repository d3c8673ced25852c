"""Choosing the metrics source from `[metrics]`: Prometheus, or direct scrapes by URL or
through the API server's service proxy.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from irtui.health.transport import DirectHttp, ServiceProxy
from irtui.metrics.prometheus import PrometheusSource
from irtui.metrics.scrape import ScrapeSource
from irtui.metrics.settings import MetricsSettings
from irtui.safety import Guard


def make_source(settings: MetricsSettings, guard: Guard, api_client=None, clock: Callable[[], float] = time.time):
    """The source `settings` asks for; the service proxy needs the session's kubernetes client.
    `clock` times the samples (the screen's clock in the war room)."""
    if settings.source == "prometheus":
        return PrometheusSource(settings, guard, clock=clock)
    if settings.scrape.url:
        return ScrapeSource(settings, DirectHttp(settings.scrape.url, guard, settings.timeout), clock=clock)
    if api_client is None:
        raise ValueError("[metrics] source = \"scrape\" without scrape.url needs a Kubernetes connection")
    return ScrapeSource(settings, ServiceProxy(api_client, settings.scrape.namespace, settings.timeout), clock=clock)
