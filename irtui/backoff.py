"""How long to wait before trying a server again: capped exponential backoff with jitter.

One rule for every client that retries (the kube watches, the database monitor, the
notification channels): the n-th retry waits a value in [d/2, d], d = min(cap, base * 2^(n-1)).
The jitter spreads the reconnects of several responders' irtui sessions (and of every other
client) so that a recovering server is not hit by all of them in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """The wait before retry number `attempt` (1 for the first)."""
    return _jittered(min(cap, base * (2 ** max(0, attempt - 1))), (rng or random).random)


def _jittered(ceiling: float, draw: Callable[[], float]) -> float:
    return ceiling / 2 + draw() * ceiling / 2


class Backoff:
    """The same rule, counting its own attempts: `next()` after each failure, `reset()` after
    a success. `rng` returns a float in [0, 1) (tests pin it)."""

    def __init__(self, base: float = 0.5, cap: float = 10.0, rng: Callable[[], float] = random.random) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng
        self.attempt = 0

    def next(self, cap: float | None = None) -> float:
        ceiling = min(cap or self.cap, self.base * (2 ** self.attempt))
        self.attempt = min(self.attempt + 1, 30)
        return _jittered(ceiling, self.rng)

    def reset(self) -> None:
        self.attempt = 0
