"""Helpers for the incident tests: waiting on conditions, and the store URL through a TCP
proxy that can cut and restore the path to PostgreSQL."""

from __future__ import annotations

import asyncio

from tcp_proxy import TcpProxy


async def wait_for(predicate, timeout: float = 60.0, interval: float = 0.02) -> None:
    """Wait on a condition, not a clock: generous for a loaded 2-core machine."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


def via_proxy(pg_dsn: str, schema: str, proxy: TcpProxy) -> str:
    return proxy.dsn(pg_dsn, query=f"schema={schema}")
