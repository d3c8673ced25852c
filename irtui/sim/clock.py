"""The simulator's clock: simulated time that runs at `speed` times real time and can jump.

Everything in the simulated cluster (timestamps the store writes, controller timers, metric
counters, log lines) reads this clock, never the wall clock, so `--speed` and
`POST /sim/advance` move the whole world consistently.

`pinned` lets the world replay a long jump step by step: while a controller timer due at
time t fires, the clock reads t, so the objects written then carry the time they would
have carried had the simulator been running all along.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator


class SimClock:
    def __init__(self, speed: float = 1.0, start: datetime | None = None):
        start = start or datetime.now(timezone.utc)
        if start.tzinfo is None:
            start = start.replace(tzinfo=timezone.utc)
        self._base_sim = start.timestamp()
        self._base_real = time.monotonic()
        self._speed = float(speed)
        self._pinned: float | None = None

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must not be negative")
        # Rebase so that changing speed never makes time jump.
        self._base_sim = self._running_time()
        self._base_real = time.monotonic()
        self._speed = float(value)

    def _running_time(self) -> float:
        return self._base_sim + (time.monotonic() - self._base_real) * self._speed

    def time(self) -> float:
        """Simulated time as a POSIX timestamp."""
        if self._pinned is not None:
            return self._pinned
        return self._running_time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), timezone.utc)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock does not run backwards")
        self._base_sim += seconds

    @contextmanager
    def pinned(self, at: float) -> Iterator[None]:
        """Read `at` for the duration of the block (nesting restores the outer value)."""
        outer = self._pinned
        self._pinned = at
        try:
            yield
        finally:
            self._pinned = outer
