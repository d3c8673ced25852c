"""PostgreSQL fixtures: client sessions the tests control, and a TCP proxy that can cut the
pane off from the (shared, never stopped) server and restore it, on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest


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


class TcpProxy:
    """127.0.0.1:port -> upstream; `cut()` drops every connection and stops listening,
    `restore()` listens again on the same port (what a restarted server looks like)."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.accepted = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}

    async def cut(self) -> None:
        if self.server is not None:
            self.server.close()  # stop accepting: new connections are refused
            self.server = None
        for writer in list(self.writers):
            transport = writer.transport
            transport.abort()  # a reset, as when a server dies, not a polite goodbye
        self.writers.clear()

    async def restore(self) -> None:
        await self.start()

    def dsn(self, upstream_dsn: str) -> str:
        parts = urlsplit(upstream_dsn)
        userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit((parts.scheme, f"{userinfo}127.0.0.1:{self.port}", parts.path, parts.query, ""))


@pytest.fixture
async def pg_proxy(pg_dsn):
    parts = urlsplit(pg_dsn)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.cut()
