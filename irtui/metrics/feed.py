"""The metrics source polled: a snapshot every `interval` while the source answers, the
shared backoff rule (`irtui.backoff`) while it does not, so that several responders'
sessions do not all retry a struggling Prometheus together, and the history behind the
charts, the latest snapshot and the last good one.

The loop itself is `irtui.polling`'s; the metrics pane subscribes and renders.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from irtui.backoff import Backoff
from irtui.metrics.model import MetricsHistory, MetricsSnapshot
from irtui.metrics.settings import MetricsSettings
from irtui.polling import Poller

BACKOFF_CAP = 60.0  # seconds: the longest wait between retries, unless the interval is longer


class MetricsFeed(Poller[MetricsSnapshot]):
    """`source` is anything with `async fetch() -> MetricsSnapshot` (`PrometheusSource`,
    `ScrapeSource`); `clock` times a failed poll (the screen's clock in the war room)."""

    def __init__(self, source, settings: MetricsSettings, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.source = source
        self.settings = settings
        self.clock = clock
        self.history = MetricsHistory(settings.history_seconds)
        self._backoff = Backoff(base=settings.interval, cap=max(settings.interval, BACKOFF_CAP))

    @property
    def label(self) -> str:
        return getattr(self.source, "label", "metrics")

    async def ask(self) -> MetricsSnapshot:
        return await self.source.fetch()

    def failed(self, exc: BaseException) -> MetricsSnapshot:
        return MetricsSnapshot(self.label, self.clock(), error=f"{type(exc).__name__}: {exc}")

    def good(self, answer: MetricsSnapshot) -> bool:
        return answer.ok

    def record(self, answer: MetricsSnapshot) -> None:
        super().record(answer)
        self.history.apply(answer)

    def delay(self, answer: MetricsSnapshot) -> float:
        if answer.ok:
            self._backoff.reset()
            return self.settings.interval
        return self._backoff.next()

    async def aclose(self) -> None:
        await self.stop()
        close = getattr(self.source, "aclose", None)
        if close is not None:
            await close()
