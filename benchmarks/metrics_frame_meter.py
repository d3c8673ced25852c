"""Frame timing for the pane benchmarks: how long Textual spends laying out and rendering
each frame, and the longest time the event loop could not run anything else.

Run by hand (see benchmarks/metrics_pane.py and benchmarks/database_pane.py). It wraps the
Screen's layout and compositor-refresh methods with timers: the instrumentation is the
benchmark's, the application never imports this.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from contextlib import contextmanager

from textual.screen import Screen


class FrameMeter:
    def __init__(self) -> None:
        self.frames: list[float] = []  # seconds per layout or compositor refresh
        self.stalls: list[float] = []  # event-loop gaps beyond the probe interval
        self._task: asyncio.Task | None = None

    @contextmanager
    def installed(self):
        originals = {name: getattr(Screen, name) for name in ("_refresh_layout", "_compositor_refresh")}
        meter = self

        def timed(original):
            def wrapper(self, *args, **kwargs):
                started = time.perf_counter()
                try:
                    return original(self, *args, **kwargs)
                finally:
                    meter.frames.append(time.perf_counter() - started)
            return wrapper

        for name, original in originals.items():
            setattr(Screen, name, timed(original))
        try:
            yield self
        finally:
            for name, original in originals.items():
                setattr(Screen, name, original)

    async def _probe(self, interval: float) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(interval)
            now = time.perf_counter()
            self.stalls.append(max(0.0, now - last - interval))
            last = now

    def start_probe(self, interval: float = 0.002) -> None:
        self._task = asyncio.create_task(self._probe(interval))

    async def stop_probe(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def reset(self) -> None:
        self.frames.clear()
        self.stalls.clear()


def summary(name: str, samples: list[float], target_ms: float | None = None) -> str:
    if not samples:
        return f"{name}: no samples"
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    verdict = ""
    if target_ms is not None:
        verdict = "  OK" if ms[-1] < target_ms else f"  OVER {target_ms:g} ms"
    return (f"{name}: n={len(ms)} median {statistics.median(ms):.2f} ms  p95 {p95:.2f} ms  "
            f"max {ms[-1]:.2f} ms{verdict}")
