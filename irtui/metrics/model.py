"""Plain data the metrics sources publish and the metrics pane renders: one evaluation per
service, a snapshot of all services, and the 30-minute history behind the charts.

No I/O and no Textual here, so the state can be tested and benchmarked on its own.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

# The three panels, in the order the pane shows them.
SERIES = ("request_rate", "error_rate", "p95")


@dataclass(frozen=True)
class ServicePoint:
    """One evaluation for one service; None where there is no data (e.g. 0/0 in PromQL)."""

    request_rate: float | None = None  # requests per second
    error_rate: float | None = None  # errors / requests, 0..1
    p95: float | None = None  # seconds

    def get(self, series: str) -> float | None:
        return getattr(self, series)


@dataclass
class MetricsSnapshot:
    """What a source knows at `at` (unix seconds, the evaluation time it asked for).

    `error` is set when the source could not answer (unreachable, bad query); the pane then
    keeps showing the last good numbers with their age, and says why they are old.
    """

    source: str
    at: float
    services: dict[str, ServicePoint] = field(default_factory=dict)
    error: str | None = None
    unreachable_since: float | None = None
    # Samples the source already holds for the history window (a Prometheus range query
    # on first contact); {service: {series: [(t, value), ...]}}.
    backfill: dict[str, dict[str, list[tuple[float, float]]]] | None = None
    # Per service, why this poll has nothing fresh for it (a scrape target that failed).
    down: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def clean(value: float | None) -> float | None:
    """NaN and infinities (PromQL's 0/0, an empty histogram) are "no data"."""
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return value


class MetricsHistory:
    """Per service and series, the samples of the last `seconds`, oldest first."""

    def __init__(self, seconds: float = 1800.0) -> None:
        self.seconds = seconds
        self._data: dict[str, dict[str, deque]] = {}
        self.last_good: float | None = None

    def services(self) -> list[str]:
        return list(self._data)

    def series(self, service: str, name: str) -> deque:
        return self._data.setdefault(service, {s: deque() for s in SERIES})[name]

    def add(self, t: float, service: str, point: ServicePoint) -> None:
        for name in SERIES:
            value = clean(point.get(name))
            if value is not None:
                self._append(self.series(service, name), t, value)
            else:
                self.series(service, name)  # the service exists even with no data yet

    def merge(self, backfill: dict[str, dict[str, list[tuple[float, float]]]]) -> None:
        for service, by_series in backfill.items():
            for name, samples in by_series.items():
                target = self.series(service, name)
                for t, value in samples:
                    value = clean(value)
                    if value is not None:
                        self._append(target, t, value)

    def apply(self, snapshot: MetricsSnapshot) -> None:
        if snapshot.backfill:
            self.merge(snapshot.backfill)
        if snapshot.ok:
            self.last_good = snapshot.at
            for service, point in snapshot.services.items():
                self.add(snapshot.at, service, point)
        self.trim(snapshot.at)

    def trim(self, now: float) -> None:
        cutoff = now - self.seconds
        for by_series in self._data.values():
            for samples in by_series.values():
                while samples and samples[0][0] < cutoff:
                    samples.popleft()

    def _append(self, samples: deque, t: float, value: float) -> None:
        if samples and t <= samples[-1][0]:
            if t == samples[-1][0]:
                samples[-1] = (t, value)
                return
            # An out-of-order sample (a backfill arriving after live points): insert in place.
            items = sorted([*samples, (t, value)])
            samples.clear()
            samples.extend(items)
            return
        samples.append((t, value))
