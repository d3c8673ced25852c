"""Incident store speed: a durable SQLite append (target p95 < 5 ms) and how soon an entry
written by one PostgreSQL-backed instance is seen by a second (target < 500 ms).

    python benchmarks/incident_bench.py [--pg postgresql://postgres@127.0.0.1:5432/test] [-n 500]

Uses a temp directory and a private PostgreSQL schema that it drops afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from machine import describe


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(name: str, ms: list[float], target: float) -> None:
    p95 = pct(ms, 95)
    print(f"{name}: n={len(ms)} p50={pct(ms, 50):.2f} ms p95={p95:.2f} ms p99={pct(ms, 99):.2f} ms "
          f"max={max(ms):.2f} ms mean={statistics.mean(ms):.2f} ms  target p95 < {target:g} ms: "
          f"{'OK' if p95 < target else 'MISSED'}")


async def bench_sqlite(n: int, workdir: Path) -> None:
    from irtui.incident.model import Actor
    from irtui.incident.session import IncidentSession
    from irtui.incident.stores import open_store

    store = open_store(workdir / "bench.sqlite")
    await store.open()
    session = IncidentSession(store, Actor.local())
    await session.start()
    await session.declare("benchmark", "P2")
    for i in range(20):  # warm up
        await session.note(f"warm {i}")
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        await session.note(f"entry {i}", )
        samples.append((time.perf_counter() - t0) * 1000)
    await store.close()
    report("sqlite durable append (WAL, synchronous=FULL, fsync per commit, with a live subscriber)", samples, 5)


def bench_raw_fsync(n: int, workdir: Path) -> None:
    """The floor: a bare sqlite3 INSERT+COMMIT in WAL with synchronous=FULL on the same disk,
    no irtui code, so the append figure can be read against what the disk itself costs."""
    import sqlite3

    conn = sqlite3.connect(str(workdir / "raw.sqlite"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (x TEXT)")
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?)", (f"row {i}",))
        conn.execute("COMMIT")
        samples.append((time.perf_counter() - t0) * 1000)
    conn.close()
    report("raw sqlite3 commit with fsync (floor, same disk)", samples, 5)


async def bench_pg(dsn: str, n: int, workdir: Path) -> None:
    import asyncpg

    from irtui.incident.model import Actor
    from irtui.incident.session import IncidentSession
    from irtui.incident.stores import open_store

    schema = f"irtui_bench_{uuid.uuid4().hex[:10]}"
    url = f"{dsn}?schema={schema}"
    a_store = open_store(url, outbox=workdir / "a.sqlite")
    b_store = open_store(url, outbox=workdir / "b.sqlite")
    await a_store.open()
    await b_store.open()
    try:
        a = IncidentSession(a_store, Actor("a", "machine-a"))
        b = IncidentSession(b_store, Actor("b", "machine-b"))
        await a.start()
        await b.start()
        arrived: dict[str, float] = {}
        b.listen(lambda e: arrived.setdefault(e.text, time.perf_counter()) if e else None)
        await a.declare("benchmark", "P1")
        while b.incident_id is None:
            await asyncio.sleep(0.01)
        append_ms, seen_ms = [], []
        for i in range(n):
            text = f"entry {i}"
            t0 = time.perf_counter()
            await a.note(text)
            append_ms.append((time.perf_counter() - t0) * 1000)
            deadline = time.perf_counter() + 5
            while text not in arrived and time.perf_counter() < deadline:
                await asyncio.sleep(0.0005)
            seen_ms.append((arrived.get(text, deadline) - t0) * 1000)
        report("postgresql append (committed, NOTIFY sent)", append_ms, 50)
        report("postgresql entry seen by a second instance (LISTEN/NOTIFY + fetch)", seen_ms, 500)
    finally:
        await a_store.close()
        await b_store.close()
        conn = await asyncpg.connect(dsn)
        await conn.execute(await conn.fetchval("SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', $1::text)", schema))
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=os.environ.get("IRTUI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("-n", type=int, default=500)
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = tmp
        bench_raw_fsync(args.n, Path(tmp))
        asyncio.run(bench_sqlite(args.n, Path(tmp)))
        asyncio.run(bench_pg(args.pg, min(args.n, 200), Path(tmp)))


if __name__ == "__main__":
    main()
