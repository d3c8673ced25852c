"""Incident fixtures: a real SQLite file, a private PostgreSQL schema per test, a TCP proxy."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tcp_proxy import TcpProxy
from irtui.incident.model import Actor
from irtui.incident.store import open_store


@pytest.fixture
def actor() -> Actor:
    return Actor("alice", "bastion-1", "system:admin")


@pytest.fixture
async def sqlite_store(tmp_path):
    store = open_store(tmp_path / "incidents.sqlite")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def pg_schema(pg_dsn):
    """A private schema (created by the store, dropped here): no collisions with others' tests."""
    schema = f"irtui_t_{uuid.uuid4().hex[:12]}"
    yield schema
    conn = await asyncpg.connect(pg_dsn)
    try:
        statement = await conn.fetchval("SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', $1::text)", schema)
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def pg_url(pg_dsn, pg_schema) -> str:
    return f"{pg_dsn}?schema={pg_schema}"


@pytest.fixture
async def proxy(pg_dsn):
    p = TcpProxy.to_dsn(pg_dsn)
    await p.start()
    yield p
    await p.stop()



@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    """Outboxes and journals go under the test's own XDG_DATA_HOME, never the user's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
