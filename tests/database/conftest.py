"""PostgreSQL fixtures: client sessions the tests control, and a TCP proxy that can cut the
pane off from the (shared, never stopped) server and restore it, on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import asyncpg
import pytest

from tcp_proxy import TcpProxy


class Sessions:
    """asyncpg sessions opened by a test, named so they are easy to find and sure to be closed."""

    def __init__(self, dsn: str, tag: str) -> None:
        self.dsn = dsn
        self.tag = tag
        self.conns: list[asyncpg.Connection] = []
        self.tasks: list[asyncio.Task] = []

    async def open(self, suffix: str = "") -> asyncpg.Connection:
        conn = await asyncpg.connect(self.dsn, server_settings={"application_name": f"{self.tag}{suffix}"})
        self.conns.append(conn)
        return conn

    def run(self, conn: asyncpg.Connection, statement: str, *args) -> asyncio.Task:
        """Start a statement in the background (e.g. pg_sleep) and keep its task."""
        task = asyncio.create_task(conn.execute(statement, *args))
        self.tasks.append(task)
        return task

    async def close(self) -> None:
        # Terminate leftovers at the server first: a pg_sleep(600) must not outlive the test.
        try:
            admin = await asyncpg.connect(self.dsn)
            try:
                await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE application_name LIKE $1", f"{self.tag}%")
            finally:
                await admin.close()
        except (OSError, asyncpg.PostgresError):
            pass
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await task
        for conn in self.conns:
            conn.terminate()


@pytest.fixture
async def sessions(pg_dsn):
    s = Sessions(pg_dsn, f"irtui-test-{uuid.uuid4().hex[:8]}")
    yield s
    await s.close()


@pytest.fixture
async def pg_proxy(pg_dsn):
    proxy = TcpProxy.to_dsn(pg_dsn)
    await proxy.start()
    yield proxy
    await proxy.stop()
