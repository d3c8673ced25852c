"""The direct-scrape metrics source: GET each service's `/metrics`, parse the Prometheus text
format with `prometheus_client`'s parser, and compute rates here from counter deltas.

For clusters without Prometheus and for the demo. It answers the same three questions as
the default PromQL (request rate and error ratio over 1m, p95 from the histogram over 5m),
from the samples this process has seen, counting counter resets as Prometheus does.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable

from irtui.health.transport import Fetched, TransportError
from irtui.metrics.model import MetricsSnapshot, ServicePoint
from irtui.metrics.rates import CounterTrack, histogram_quantile
from irtui.metrics.settings import MetricsSettings


class ScrapeError(Exception):
    """A target answered with something that is not usable metrics text."""


SeriesKey = tuple  # (kind, le, sorted label pairs): one counter as Prometheus stores it


def parse_series(text: str, service: str, names: tuple[str, str, str]) -> dict[SeriesKey, float]:
    """Every counter of interest for `service` in one exposition, one entry per label set.

    Kinds are "requests", "errors" and "bucket" (with its `le`; None for the others).
    Series of other services (a shared endpoint) are skipped; series without a `service`
    label are taken to be this service's (a per-service endpoint). Each label set is kept
    apart, as Prometheus keeps it, because rates must be taken per series and summed
    after: one pod's counter resetting while the others grow is still a reset.
    """
    requests_name, errors_name, latency_name = names
    bucket_name = latency_name + "_bucket"
    kinds = {requests_name: "requests", errors_name: "errors", bucket_name: "bucket"}
    out: dict[SeriesKey, float] = {}
    # Imported here, not at the top: ~20 ms that launch would pay before the first frame.
    from prometheus_client.parser import text_string_to_metric_families

    try:
        families = list(text_string_to_metric_families(text))
    except Exception as exc:  # the parser raises ValueError and friends on malformed text
        raise ScrapeError(f"cannot parse metrics text: {exc}") from exc
    for family in families:
        for sample in family.samples:
            kind = kinds.get(sample.name)
            if kind is None:
                continue
            owner = sample.labels.get("service")
            if owner is not None and owner != service:
                continue
            le = None
            if kind == "bucket":
                if "le" not in sample.labels:
                    continue
                le = float(sample.labels["le"])
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
            out[(kind, le, labels)] = sample.value
    return out


class ScrapeSource:
    """Rates per service from direct scrapes; call `fetch()` once per refresh."""

    kind = "scrape"

    def __init__(self, settings: MetricsSettings, transport, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.scrape = settings.scrape
        self.transport = transport
        self.clock = clock
        keep = max(self.scrape.rate_window, self.scrape.quantile_window)
        self._keep = keep
        # service -> series key -> samples of that one counter
        self._tracks: dict[str, dict[SeriesKey, CounterTrack]] = {}
        self._unreachable_since: float | None = None
        self.last_errors: dict[str, str] = {}

    @property
    def label(self) -> str:
        first = self.settings.services[0]
        return f"scrape {self.transport.where(first, self.scrape.port, self.scrape.path)}".replace(first, "{service}")

    def record(self, service: str, t: float, text: str) -> None:
        """Add one scrape of `service` taken at `t` (public so tests can feed known text)."""
        s = self.scrape
        tracks = self._tracks.setdefault(service, {})
        for key, value in parse_series(text, service, (s.requests_metric, s.errors_metric, s.latency_metric)).items():
            track = tracks.get(key)
            if track is None:
                track = tracks[key] = CounterTrack(self._keep)
            track.add(t, value)
        # Series that stopped being exposed (a pod gone) are dropped once out of every window.
        for key in [k for k, tr in tracks.items() if tr.samples and tr.samples[-1][0] < t - self._keep]:
            del tracks[key]

    def point(self, service: str, at: float) -> ServicePoint:
        """`sum by (service)(rate(...))` for each counter kind, then the ratio and the p95."""
        s = self.scrape
        requests = errors = None
        buckets: dict[float, float] = {}
        for (kind, le, _), track in self._tracks.get(service, {}).items():
            if kind == "bucket":
                value = track.rate(at, s.quantile_window)
                if value is not None:
                    buckets[le] = buckets.get(le, 0.0) + value
                continue
            value = track.rate(at, s.rate_window)
            if value is None:
                continue
            if kind == "requests":
                requests = (requests or 0.0) + value
            else:
                errors = (errors or 0.0) + value
        # errors / requests is 0/0 (no data, as PromQL's NaN) when there were no requests.
        error_rate = errors / requests if errors is not None and requests else None
        if error_rate is not None and error_rate > 1.0:
            # Each series is extrapolated on its own (as Prometheus does): an old error counter
            # next to a request series born mid-window (the first `code="503"`) can rate
            # higher than the requests it counts. No more requests fail than are made.
            error_rate = 1.0
        return ServicePoint(requests, error_rate, histogram_quantile(0.95, list(buckets.items())))

    async def _scrape_one(self, service: str) -> tuple[str, float, Fetched | Exception]:
        t = self.clock()  # like Prometheus, a sample is stamped with the scrape's start
        try:
            return service, t, await self.transport.get(service, self.scrape.port, self.scrape.path)
        except TransportError as exc:
            return service, t, exc

    async def fetch(self) -> MetricsSnapshot:
        results = await asyncio.gather(*(self._scrape_one(svc) for svc in self.settings.services))
        at = self.clock()
        errors: dict[str, str] = {}
        for service, t, result in results:
            if isinstance(result, Exception):
                errors[service] = str(result)
                continue
            if not result.ok:
                errors[service] = f"HTTP {result.status}: {result.first_line()}"
                continue
            try:
                self.record(service, t, result.body.decode("utf-8", "replace"))
            except ScrapeError as exc:
                errors[service] = str(exc)
        self.last_errors = errors
        services = {svc: self.point(svc, at) for svc in self.settings.services}
        if len(errors) == len(self.settings.services):
            if self._unreachable_since is None:
                self._unreachable_since = at
            first = next(iter(errors.values()))
            return MetricsSnapshot(self.label, at, error=f"no target answered: {first}",
                                   unreachable_since=self._unreachable_since)
        self._unreachable_since = None
        return MetricsSnapshot(self.label, at, services, down=errors)

    async def aclose(self) -> None:
        await self.transport.aclose()
