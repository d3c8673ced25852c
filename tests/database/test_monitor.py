"""The PostgreSQL monitor against the real server: read-only sessions, long-running
statements, blocked pairs, its own backends hidden, and backoff."""

import asyncio
import random
import uuid

import asyncpg
import pytest

from irtui.backoff import backoff_delay
from irtui.config import Config, ConfigError
from irtui.database.connection import mask_dsn
from irtui.database.monitor import DatabaseMonitor
from irtui.database.remediate import DatabaseClients, TerminateLongRunning
from irtui.database.settings import DatabaseSettings
from irtui.safety import Guard

from db_helpers import SLEEP
from polling import until


def settings(dsn, **kw) -> DatabaseSettings:
    return DatabaseSettings(dsn=dsn, long_running_minutes=1 / 60, **kw)


async def test_monitoring_session_is_read_only_at_the_server_and_named(pg_dsn):
    monitor = DatabaseMonitor(settings(pg_dsn, statement_timeout_ms=1500))
    try:
        snap = await monitor.poll()
        assert snap.reachable and snap.server_version and snap.max_connections > 0
        conn = await monitor.conn._connection()
        assert await conn.fetchval("SHOW default_transaction_read_only") == "on"
        assert await conn.fetchval("SHOW statement_timeout") == "1500ms"
        with pytest.raises(asyncpg.exceptions.ReadOnlySQLTransactionError):
            await conn.execute("CREATE TABLE irtui_must_not_exist (x int)")
        # The server sees the session under irtui's name, and a slow statement is cut off.
        with pytest.raises(asyncpg.exceptions.QueryCanceledError):
            await conn.execute("SELECT pg_sleep(5)")
        admin = await asyncpg.connect(pg_dsn)
        try:
            name = await admin.fetchval("SELECT application_name FROM pg_stat_activity WHERE pid = $1", monitor.conn.pid)
        finally:
            await admin.close()
        assert name == "irtui"
    finally:
        await monitor.close()


async def test_long_running_statement_appears_and_irtuis_own_are_hidden(pg_dsn, sessions):
    sleeper = await sessions.open("-sleeper")
    sessions.run(sleeper, SLEEP)
    # A stranger that calls itself irtui is still listed and still a target; what irtui
    # hides is its own sessions, by pid: here its remediation session, busy with a statement.
    impostor = await asyncpg.connect(pg_dsn, server_settings={"application_name": "irtui"})
    sessions.conns.append(impostor)
    sessions.run(impostor, SLEEP)
    clients = DatabaseClients(settings(pg_dsn), Guard())
    own = await clients.primary._connection()
    sessions.run(own, SLEEP)
    pid, impostor_pid, own_pid = sleeper.get_server_pid(), impostor.get_server_pid(), own.get_server_pid()
    monitor = DatabaseMonitor(settings(pg_dsn))
    terminate = DatabaseClients(settings(pg_dsn), Guard())
    try:
        async def listed():
            snap = await monitor.poll()
            return snap if {pid, impostor_pid} <= {b.pid for b in snap.long_running} else None

        snap = await until(listed, what="the pg_sleep backends to be listed")
        backend = next(b for b in snap.long_running if b.pid == pid)
        assert backend.application == f"{sessions.tag}-sleeper"
        assert backend.state == "active" and backend.seconds >= 1
        assert backend.query == SLEEP and backend.wait_event == "Timeout:PgSleep"
        pids = {b.pid for b in snap.long_running}
        assert own_pid not in pids and monitor.conn.pid not in pids
        assert snap.counts["own"] == 2 and snap.counts["total"] >= 4 and snap.counts["active"] >= 3
        assert snap.sizes and any(name == "test" for name, _ in snap.sizes)
        assert snap.uptime_seconds > 0
        targets = {t.pid for t in await TerminateLongRunning(terminate, 1 / 60).preview()}
        assert {pid, impostor_pid} <= targets and own_pid not in targets
    finally:
        await monitor.close()
        await terminate.close()
        await clients.close()
        admin = await asyncpg.connect(pg_dsn)  # the fixture ends only sessions named by the test
        try:
            await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid",
                                [impostor_pid, own_pid])
        finally:
            await admin.close()


async def test_blocked_pair_is_shown_with_pg_blocking_pids(pg_dsn, sessions):
    table = f"irtui_test_lock_{uuid.uuid4().hex[:8]}"
    holder = await sessions.open("-holder")
    waiter = await sessions.open("-waiter")
    await holder.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v int)")
    try:
        await holder.execute(f"INSERT INTO {table} VALUES (1, 0)")
        await holder.execute("BEGIN")
        await holder.execute(f"UPDATE {table} SET v = 1 WHERE id = 1")
        blocked_task = sessions.run(waiter, f"UPDATE {table} SET v = 2 WHERE id = 1")
        monitor = DatabaseMonitor(settings(pg_dsn))
        try:
            async def paired():
                snap = await monitor.poll()
                return next((p for p in snap.blocked if p.blocked_pid == waiter.get_server_pid()), None)

            pair = await until(paired, what="the blocked pair")
            assert pair.blocking_pid == holder.get_server_pid()
            assert pair.blocking_state == "idle in transaction"
            assert pair.wait_event in ("transactionid", "tuple")
            assert pair.blocked_query.startswith(f"UPDATE {table}")
        finally:
            await monitor.close()
        await holder.execute("ROLLBACK")
        await asyncio.wait_for(blocked_task, 30)
    finally:
        await holder.execute(f"DROP TABLE IF EXISTS {table}")


async def test_unreachable_server_backs_off_with_jitter_and_a_cap():
    monitor = DatabaseMonitor(DatabaseSettings(dsn="postgresql://postgres@127.0.0.1:9/test", connect_timeout=2,
                                               backoff_base=1, backoff_cap=8), rng=random.Random(7))
    first = await monitor.poll()
    second = await monitor.poll()
    assert not first.reachable and ("ConnectionRefused" in first.error or "Errno" in first.error)
    assert first.unreachable_since == second.unreachable_since and second.attempt == 2
    assert 0.5 <= first.retry_in <= 1 and 1 <= second.retry_in <= 2
    delays = [backoff_delay(n, 1, 8, random.Random(n)) for n in range(1, 12)]
    assert all(4 <= d <= 8 for d in delays[4:])  # capped
    assert len({round(d, 6) for d in delays[4:]}) > 1  # jittered, not lockstep
    await monitor.close()


def test_dsn_password_is_masked_and_config_errors_name_the_line(tmp_path):
    assert mask_dsn("postgresql://app:s3cret@db:5432/x?sslmode=require&password=s3cret") == \
        "postgresql://app:[REDACTED]@db:5432/x?sslmode=require&password=[REDACTED]"
    path = tmp_path / "config.toml"
    path.write_text('[database]\ndsn = "postgresql://postgres@db/x"\n\nstatement_timeout_ms = "fast"\n')
    with pytest.raises(ConfigError) as err:
        DatabaseSettings.from_config(Config.load(path))
    assert f"{path}:4: database.statement_timeout_ms" in str(err.value)
    path.write_text('[database]\ndsn = "postgresql://postgres@db/x"\nlong_running_minutes = 2\n')
    assert DatabaseSettings.from_config(Config.load(path)).dsn == "postgresql://postgres@db/x"
    flagged = DatabaseSettings.from_config(Config.load(path), flag_dsn="postgresql://u@h/d")
    assert flagged.dsn == "postgresql://u@h/d" and flagged.long_running_seconds == 120
