"""Incident fixtures: a real SQLite file, a PostgreSQL URL in a private schema, a TCP proxy."""

from __future__ import annotations

import pytest

from irtui.incident.stores import open_store

from tcp_proxy import TcpProxy


@pytest.fixture
async def sqlite_store(tmp_path):
    store = open_store(tmp_path / "incidents.sqlite")
    await store.open()
    yield store
    await store.close()


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
