"""The clock that drives the simulated world's controllers.

The clock runs by itself; the world moves only when ticked. `Ticker` ticks it a few times a
second with the simulated time that passed, and `/sim/advance` jumps it ahead in steps.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from irtui.sim.clock import SimClock
    from irtui.sim.world import World


class Ticker:
    """Drives the world's controllers with the clock.

    The clock runs by itself (simulated time is real time times speed); the world only moves
    when ticked, by the simulated time that passed since its last tick. `advance` jumps the
    clock and replays the jump in steps of at most a second, so no controller timer is skipped.
    """

    def __init__(self, clock: SimClock, world: World) -> None:
        self.clock = clock
        self.world = world
        self._last = clock.time()

    def catch_up(self) -> None:
        now = self.clock.time()
        dt = now - self._last
        if dt > 0:
            self._last = now
            self.world.tick(dt)

    async def advance(self, seconds: float) -> None:
        self.catch_up()
        remaining = seconds
        while remaining > 1e-9:
            step = min(1.0, remaining)
            self.clock.advance(step)
            self._last += step
            self.world.tick(step)
            remaining -= step
            await asyncio.sleep(0)  # let watchers stream what each step changed

    async def run(self, interval: float = 0.1) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                self.catch_up()
            except Exception:  # a controller bug must not stop time; it is printed, once per tick
                traceback.print_exc()
