"""Fixtures for the actions tests: a real incident session on SQLite with an incident open."""

from __future__ import annotations

import pytest


@pytest.fixture
async def incident(tmp_path):
    """A real incident session (SQLite store + local journal), with an incident declared."""
    from irtui.incident.journal import Journal
    from irtui.incident.model import Actor
    from irtui.incident.session import IncidentSession
    from irtui.incident.sqlite_store import SQLiteStore

    store = SQLiteStore(tmp_path / "incidents.sqlite")
    await store.open()
    session = IncidentSession(store, Actor.local("sre"), journal=Journal(tmp_path / "journal.sqlite"))
    await session.start()
    await session.declare("task-service down", "P1", ["task-service"])
    yield session
    await session.stop()
    await store.close()
