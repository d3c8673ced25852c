"""Benchmark: one refresh of the database pane with 200 connected backends, and the frame
time while it refreshes (Textual headless).

    python3 benchmarks/database_pane.py [--backends 200] [--refreshes 30] [--dsn URL]

Without --dsn it starts a private PostgreSQL cluster (initdb in a temp dir, a free port,
max_connections sized for the backends) so the shared server's connection limit is left
alone. The backends are opened with asyncpg: some idle, many running `pg_sleep` (so the
long-running list is long), and a few blocked pairs. A refresh is `DatabaseMonitor.poll()`
(every monitoring query, over the socket) plus the feed keeping it and
`DatabasePane.apply()`. Targets: refresh under 50 ms, no frame over 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncpg  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402

from irtui.database.monitor import DatabaseMonitor  # noqa: E402
from irtui.database.settings import DatabaseSettings  # noqa: E402
from irtui.ui.panes.database import DatabasePane  # noqa: E402

from machine import describe  # noqa: E402
from metrics_frame_meter import FrameMeter, summary  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateCluster:
    """A throwaway PostgreSQL cluster owned by the `postgres` OS user when run as root."""

    def __init__(self, max_connections: int) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins and not shutil.which("initdb"):
            raise SystemExit("initdb not found: pass --dsn of a server with enough max_connections")
        self.bin = Path(bins[-1]).parent if bins else Path(shutil.which("initdb")).parent
        self.dir = Path(tempfile.mkdtemp(prefix="irtui-bench-pg-"))
        self.port = free_port()
        self.max_connections = max_connections
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *argv: str) -> None:
        subprocess.run([*self.as_user, *argv], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> str:
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        self.run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                   f"-c max_connections={self.max_connections} -c fsync=off -c shared_buffers=32MB")
        self.run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self.run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class BenchApp(App):
    def __init__(self, pane: DatabasePane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


async def open_backends(dsn: str, n: int) -> tuple[list[asyncpg.Connection], list[asyncio.Task]]:
    conns = await asyncio.gather(*(asyncpg.connect(dsn, server_settings={"application_name": f"bench-{i % 7}"})
                                   for i in range(n)))
    tasks: list[asyncio.Task] = []
    await conns[0].execute("CREATE TABLE IF NOT EXISTS bench_lock (id int PRIMARY KEY, v int)")
    await conns[0].execute("INSERT INTO bench_lock SELECT g, 0 FROM generate_series(1, 10) g ON CONFLICT DO NOTHING")
    pairs = 5
    for i in range(pairs):  # holder keeps a row lock in an open transaction; waiter blocks on it
        holder, waiter = conns[1 + 2 * i], conns[2 + 2 * i]
        await holder.execute("BEGIN")
        await holder.execute("UPDATE bench_lock SET v = v + 1 WHERE id = $1", i + 1)
        tasks.append(asyncio.create_task(waiter.execute("UPDATE bench_lock SET v = v + 1 WHERE id = $1", i + 1)))
    sleepers = conns[1 + 2 * pairs: 1 + 2 * pairs + int(n * 0.45)]
    for conn in sleepers:
        tasks.append(asyncio.create_task(conn.execute("SELECT pg_sleep(600)")))
    return list(conns), tasks


async def main(backends: int, refreshes: int, dsn: str | None) -> int:
    print(describe())
    cluster = None
    if dsn is None:
        cluster = PrivateCluster(backends + 40)
        dsn = cluster.start()
    conns: list[asyncpg.Connection] = []
    tasks: list[asyncio.Task] = []
    try:
        conns, tasks = await open_backends(dsn, backends)
        await asyncio.sleep(1.5)  # let the sleepers pass the threshold
        settings = DatabaseSettings(dsn=dsn, long_running_minutes=1 / 60, interval=3600)
        monitor = DatabaseMonitor(settings)
        pane = DatabasePane(monitor, autostart=False)
        meter = FrameMeter()
        with meter.installed():
            async with BenchApp(pane).run_test(size=(200, 50)) as pilot:
                first = await monitor.poll()  # first contact: connect, sizes
                pane.feed.record(first)
                pane.apply(first)
                await pilot.pause()
                snap = pane.latest
                print(f"database pane: {snap.counts['total']} client backends "
                      f"({snap.counts['active']} active), {len(snap.long_running)} long-running rows, "
                      f"{len(snap.blocked)} blocked pairs, terminal 200x50")
                meter.reset()
                meter.start_probe()
                polls, applies, refreshes_ms = [], [], []
                for _ in range(refreshes):
                    started = time.perf_counter()
                    snapshot = await monitor.poll()
                    polled = time.perf_counter()
                    pane.feed.record(snapshot)
                    pane.apply(snapshot)
                    done = time.perf_counter()
                    polls.append(polled - started)
                    applies.append(done - polled)
                    refreshes_ms.append(done - started)
                    await pilot.pause()
                    await asyncio.sleep(0.05)
                await meter.stop_probe()
        print(summary("poll (all monitoring queries over the socket)", polls))
        print(summary("apply (pane update on the UI thread)", applies))
        print(summary("refresh (poll + apply)", refreshes_ms, 50))
        print(summary("frame (layout + compositor render)", meter.frames, 50))
        print(summary("event-loop stall", meter.stalls, 50))
        return 0 if max(refreshes_ms + meter.frames) < 0.05 else 1
    finally:
        for task in tasks:
            task.cancel()
        for conn in conns:
            conn.terminate()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", type=int, default=200)
    parser.add_argument("--refreshes", type=int, default=30)
    parser.add_argument("--dsn", help="an existing server (needs max_connections above --backends)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.backends, args.refreshes, args.dsn)))
