"""Benchmark: one refresh of the metrics pane with 10 services x 30 minutes of history, and
the frame time while it refreshes (Textual headless).

    python3 benchmarks/metrics_pane.py [--services 10] [--refreshes 60]

The source is a plain object handing the pane prepared snapshots, so what is measured is
the feed keeping them (history) and the pane (charts, table update, layout and render), not
a network. Targets: a
refresh under 50 ms, no frame over 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from textual.app import App, ComposeResult  # noqa: E402

from irtui.metrics.model import SERIES, MetricsSnapshot, ServicePoint  # noqa: E402
from irtui.metrics.settings import MetricsSettings  # noqa: E402
from irtui.ui.panes.metrics import MetricsPane  # noqa: E402

from machine import describe  # noqa: E402
from metrics_frame_meter import FrameMeter, summary  # noqa: E402


class PreparedSource:
    """Snapshots of a plausible platform: a steady baseline, one service in trouble."""

    label = "benchmark"

    def __init__(self, services: list[str], step: float, start: float) -> None:
        self.services = services
        self.step = step
        self.t = start
        self.rng = random.Random(1)

    def point(self, i: int, t: float) -> ServicePoint:
        wave = 1 + 0.3 * math.sin(t / 120 + i)
        errors = 0.002 + (0.25 if i == 1 and (t // 300) % 2 else 0.0) + self.rng.random() * 0.002
        return ServicePoint(80 * wave + i, errors, 0.12 * wave + 0.01 * i)

    def backfill(self, end: float, seconds: float) -> dict:
        out: dict = {}
        for i, svc in enumerate(self.services):
            samples = {series: [] for series in SERIES}
            t = end - seconds
            while t <= end:
                p = self.point(i, t)
                for series in SERIES:
                    samples[series].append((t, p.get(series)))
                t += self.step
            out[svc] = samples
        return out

    async def fetch(self) -> MetricsSnapshot:
        self.t += self.step
        return MetricsSnapshot(self.label, self.t, {s: self.point(i, self.t) for i, s in enumerate(self.services)})


class BenchApp(App):
    def __init__(self, pane: MetricsPane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


async def main(services: int, refreshes: int) -> int:
    print(describe())
    names = [f"service-{i:02d}" for i in range(services)]
    names[:5] = ["api-gateway", "task-service", "emr-service", "sync-service", "handover-service"][:services]
    settings = MetricsSettings(services=tuple(names), interval=3600, history_minutes=30)
    now = time.time()
    source = PreparedSource(names, step=10.0, start=now)
    pane = MetricsPane(source, settings, autostart=False, clock=lambda: source.t)
    app = BenchApp(pane)
    meter = FrameMeter()
    with meter.installed():
        async with app.run_test(size=(220, 50)) as pilot:
            # 30 minutes of history, as a Prometheus range query would deliver it on first contact.
            first = await source.fetch()
            first.backfill = source.backfill(first.at, settings.history_seconds)
            pane.feed.record(first)
            pane.apply(first)
            await pilot.pause()
            points = sum(len(pane.history.series(s, series)) for s in names for series in SERIES)
            print(f"metrics pane: {services} services x {settings.history_minutes:g} min history "
                  f"({points} samples), chart width {pane._chart_width}, terminal 220x50")
            meter.reset()
            meter.start_probe()
            applies: list[float] = []
            for _ in range(refreshes):
                snapshot = await source.fetch()
                started = time.perf_counter()
                pane.feed.record(snapshot)  # the refresh: history, charts, cells, on the UI thread
                pane.apply(snapshot)
                applies.append(time.perf_counter() - started)
                await pilot.pause()  # let the frame render
                await asyncio.sleep(0.02)
            await meter.stop_probe()
    print(summary("refresh (apply snapshot)", applies, 50))
    print(summary("frame (layout + compositor render)", meter.frames, 50))
    print(summary("event-loop stall", meter.stalls, 50))
    worst = max([*applies, *meter.frames]) * 1000
    return 0 if worst < 50 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--refreshes", type=int, default=60)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.services, args.refreshes)))
