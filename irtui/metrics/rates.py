"""Client-side arithmetic on scraped counters: rates over a window, counter resets, and
`histogram_quantile`, the way Prometheus computes them.

This module owns only the maths, on plain (time, value) samples; it never fetches. The
direct-scrape source feeds it. Its `rate` is Prometheus's (extrapolated to the window's
edges, divided by the window), so the screen shows the same numbers whichever source is
configured, and tests check it against what Prometheus returns.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise


def increase(samples: list[tuple[float, float]]) -> float:
    """Total growth of a counter across `samples` (oldest first), counting resets.

    A counter only goes up; a lower value means the process restarted and the counter began
    again from zero, so everything it shows after the reset is new growth (this is what
    Prometheus's `rate()` does with a drop).
    """
    total = 0.0
    for (_, previous), (_, current) in pairwise(samples):
        total += current - previous if current >= previous else current
    return total


def rate(samples: list[tuple[float, float]]) -> float | None:
    """Per-second growth between the first and last sample, or None with fewer than two."""
    if len(samples) < 2:
        return None
    span = samples[-1][0] - samples[0][0]
    if span <= 0:
        return None
    return increase(samples) / span


def prometheus_rate(samples: list[tuple[float, float]], start: float, end: float) -> float | None:
    """PromQL's `rate()` of a counter over [start, end] (Prometheus 2.x `extrapolatedRate`).

    The increase seen between the first and last sample is extrapolated towards the window's
    edges (all the way when a sample lies within 1.1 average intervals of the edge, half an
    interval otherwise, and never below a counter value of zero), then divided by the whole
    window. Matching it matters: rates of series of different ages (a new `code="503"`
    series next to an old `code="200"` one) are weighted as Prometheus weights them.
    """
    if len(samples) < 2:
        return None
    first_t, first_v = samples[0]
    last_t = samples[-1][0]
    sampled = last_t - first_t
    if sampled <= 0 or end <= start:
        return None
    result = increase(samples)
    to_start = first_t - start
    to_end = end - last_t
    average = sampled / (len(samples) - 1)
    if result > 0 and first_v >= 0:
        to_zero = sampled * (first_v / result)
        if to_zero < to_start:
            to_start = to_zero
    threshold = average * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else average / 2
    interval += to_end if to_end < threshold else average / 2
    return result * (interval / sampled) / (end - start)


@dataclass
class CounterTrack:
    """Recent samples of one counter, trimmed to the longest window asked of it."""

    keep: float
    samples: deque = field(default_factory=deque)

    def add(self, t: float, value: float) -> None:
        if self.samples and t <= self.samples[-1][0]:
            return  # the same scrape twice, or a clock step backwards: ignore, never divide by <= 0
        self.samples.append((t, value))
        # Keep one sample older than the window so a rate always spans the whole window.
        while len(self.samples) > 2 and self.samples[1][0] < t - self.keep:
            self.samples.popleft()

    def window(self, end: float, seconds: float) -> list[tuple[float, float]]:
        """Samples in [end - seconds, end], as Prometheus 2.x selects a range vector."""
        start = end - seconds
        return [s for s in self.samples if start <= s[0] <= end]

    def rate(self, end: float, seconds: float) -> float | None:
        return prometheus_rate(self.window(end, seconds), end - seconds, end)

    def increase(self, end: float, seconds: float) -> float | None:
        window = self.window(end, seconds)
        return increase(window) if len(window) >= 2 else None


def histogram_quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus's `histogram_quantile` over (upper bound, cumulative count) pairs.

    Linear interpolation inside the bucket that holds the rank; the lowest bucket starts at
    0 when its bound is positive; a rank in the +Inf bucket answers the highest finite bound.
    Returns None where Prometheus returns NaN (no observations, or no +Inf bucket).
    """
    if not buckets or math.isnan(q):
        return None
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    ordered = sorted(buckets, key=lambda b: b[0])
    if not math.isinf(ordered[-1][0]):
        return None
    # Counts from rates of separately scraped buckets can be slightly non-monotonic;
    # Prometheus fixes that by carrying the running maximum forward, and so do we.
    fixed: list[tuple[float, float]] = []
    running = 0.0
    for bound, count in ordered:
        running = max(running, count)
        fixed.append((bound, running))
    total = fixed[-1][1]
    if total <= 0 or len(fixed) < 2:
        return None
    rank = q * total
    index = next(i for i, (_, count) in enumerate(fixed) if count >= rank)
    if index == len(fixed) - 1:
        return fixed[-2][0]
    if index == 0 and fixed[0][0] <= 0:
        return fixed[0][0]
    start, below = (0.0, 0.0) if index == 0 else fixed[index - 1]
    end, count = fixed[index]
    in_bucket = count - below
    if in_bucket <= 0:
        return end
    return start + (end - start) * ((rank - below) / in_bucket)
