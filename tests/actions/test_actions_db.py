"""The database remediations through the action door, against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import os

import pytest

from irtui.actions.base import ActionEnv
from irtui.actions.model import Target
from irtui.actions.settings import ActionSettings
from irtui.safety import Guard

from actionhelp import Responder, runner_for
from polling import until

asyncpg = pytest.importorskip("asyncpg")


async def _connect(dsn):
    try:
        return await asyncpg.connect(dsn, timeout=5)
    except Exception as exc:
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable at {dsn}: {exc}")


async def test_terminate_backend_through_the_action_door(pg_dsn, incident):
    from irtui.database.remediate import DatabaseClients
    from irtui.database.settings import DatabaseSettings

    victim = await _connect(pg_dsn)
    watcher = await _connect(pg_dsn)
    guard = Guard()
    clients = DatabaseClients(DatabaseSettings(dsn=pg_dsn), guard)
    env = ActionEnv(guard=guard, settings=ActionSettings(), db=clients)
    sleeper = asyncio.ensure_future(victim.execute("SELECT pg_sleep(600)"))
    try:
        pid = await until(lambda: watcher.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)' AND state = 'active'"), "the sleeping backend", step=0.05)
        responder = Responder()
        runner = runner_for(env, incident, responder)
        outcome = await runner.run("db.terminate_backend", Target("db_backend", str(pid)))
        assert outcome.status == "done", outcome
        request = responder.requests[-1]
        assert request.typed == str(pid) and any(f"pid {pid}" in line for line in request.dry_run)
        assert "pg_terminate_backend" in request.command
        async def gone() -> bool:
            return await watcher.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid) == 0

        await until(gone, f"backend {pid} to be gone", step=0.05)
        kinds = [e.kind for e in incident.timeline if e.details.get("action") == "db.terminate_backend"]
        assert kinds == ["action_started", "action_finished"]
    finally:
        sleeper.cancel()
        victim.terminate()
        await watcher.close()
        await clients.close()
