"""Replication and the runbook's "promote replica", on a private primary and a streaming
standby started by the test (the shared server is never touched)."""

import os
import shutil
import tempfile
from pathlib import Path

import asyncpg
import pytest

from irtui.database.monitor import DatabaseMonitor
from irtui.database.remediate import DatabaseClients, PromoteReplica
from irtui.database.settings import DatabaseSettings
from irtui.safety import Guard, ReadOnlyError

from db_helpers import LocalServer, postgres_bindir
from polling import until


@pytest.fixture
def primary_and_standby():
    bindir = postgres_bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL server binaries (initdb, pg_basebackup) are missing")
        pytest.skip("PostgreSQL server binaries (initdb, pg_basebackup) are not installed")
    # Not under pytest's tmp_path: its parents are private to root, and the servers run as
    # the postgres user when the tests run as root.
    root = Path(tempfile.mkdtemp(prefix="irtui-test-pg-"))
    os.chmod(root, 0o755)
    primary = LocalServer(bindir, root, "primary")
    standby = LocalServer(bindir, root, "standby")
    try:
        primary.init_primary()
        primary.start()
        standby.init_standby_of(primary)
        standby.start()
        yield primary, standby
    finally:
        for server in (standby, primary):
            try:
                server.stop()
            except Exception:  # a server that never started has nothing to stop
                pass
        shutil.rmtree(root, ignore_errors=True)


async def in_recovery(dsn: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT pg_is_in_recovery()")
    finally:
        await conn.close()


async def test_replication_is_shown_and_the_replica_is_promoted(primary_and_standby):
    primary, standby = primary_and_standby
    settings = DatabaseSettings(dsn=primary.dsn, replica_dsn=standby.dsn)
    monitor = DatabaseMonitor(settings)
    try:
        async def streaming():
            snap = await monitor.poll()
            # replay_lsn (and so the lag) is reported once the standby has replayed something
            up = snap.replication and snap.replication[0]["state"] == "streaming"
            return snap if up and snap.replication[0]["lag_bytes"] is not None else None

        snap = await until(streaming, what="the standby to stream")
        assert snap.replication[0]["name"] == "standby" and snap.replication[0]["lag_bytes"] >= 0
        assert snap.replica["in_recovery"] is True and snap.replica["receiver_status"] == "streaming"

        # Read-only: described, refused before sending, still a standby.
        read_only = DatabaseClients(settings, Guard(read_only=True))
        try:
            d = await PromoteReplica(read_only).describe()
            assert d.refusal is None and "in recovery: True" in d.summary
            assert d.command == f"psql '{standby.dsn}' -c \"SELECT pg_promote(true, 60);\""
            with pytest.raises(ReadOnlyError):
                await PromoteReplica(read_only).execute()
        finally:
            await read_only.close()
        assert await in_recovery(standby.dsn)

        clients = DatabaseClients(settings, Guard())
        try:
            outcome = await PromoteReplica(clients).execute()
        finally:
            await clients.close()
        assert outcome.ok and outcome.message == "replica promoted"
        assert not await in_recovery(standby.dsn)
        snap = await monitor.poll()
        assert snap.replica["in_recovery"] is False
    finally:
        await monitor.close()
