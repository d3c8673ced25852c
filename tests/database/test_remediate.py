"""The database remediations against the real server: what they describe, what they would
terminate, what they do, and that a read-only session refuses before sending anything."""

import asyncpg
import pytest

from irtui.database.remediate import (
    CancelBackend,
    DatabaseClients,
    PromoteReplica,
    TargetGone,
    TerminateBackend,
    TerminateLongRunning,
)
from irtui.database.settings import DatabaseSettings
from irtui.safety import Guard, ReadOnlyError

from db_helpers import SLEEP, backend_state
from polling import until


def clients(dsn: str, read_only: bool = False) -> DatabaseClients:
    return DatabaseClients(DatabaseSettings(dsn=dsn, long_running_minutes=1 / 60), Guard(read_only=read_only))


async def sleeping(sessions, suffix: str) -> int:
    conn = await sessions.open(suffix)
    sessions.run(conn, SLEEP)
    pid = conn.get_server_pid()
    await until(lambda: backend_state(sessions.dsn, pid), what="the statement to start")
    return pid


async def test_read_only_refuses_every_remediation_and_the_target_lives(pg_dsn, sessions):
    pid = await sleeping(sessions, "-victim")
    db = clients(pg_dsn, read_only=True)
    try:
        bulk = TerminateLongRunning(db, 1 / 60, application=f"{sessions.tag}-victim")
        await until(lambda: _count_preview(bulk, 1), what="the statement to pass the threshold")
        for remediation in (CancelBackend(db, pid), TerminateBackend(db, pid),
                            TerminateLongRunning(db, 1 / 60, application=f"{sessions.tag}-victim"), PromoteReplica(db)):
            description = await remediation.describe()  # describing is reading: allowed
            assert description.command.startswith("psql 'postgresql://postgres@")
            with pytest.raises(ReadOnlyError):
                await remediation.execute()
        # The preview still lists what would have been terminated ...
        preview = await bulk.preview()
        assert [t.pid for t in preview] == [pid]
    finally:
        await db.close()
    # ... and the server says the target is alive and still running its statement.
    assert await backend_state(pg_dsn, pid) == "active"


async def test_terminate_one_backend_describes_it_exactly_then_ends_it(pg_dsn, sessions):
    pid = await sleeping(sessions, "-one")
    db = clients(pg_dsn)
    try:
        remediation = TerminateBackend(db, pid)
        d = await remediation.describe()
        (target,) = d.targets
        assert (target.pid, target.user, target.application) == (pid, "postgres", f"{sessions.tag}-one")
        assert target.query_start is not None and target.query == SLEEP
        assert d.command == f"psql '{pg_dsn}' -c \"SELECT pg_terminate_backend({pid});\""
        outcome = await remediation.execute()
        assert outcome.ok and outcome.pids == (pid,)
        await until(lambda: _gone(pg_dsn, pid), what="the backend to be gone")
        # The same pid again: nothing to act on, and it says so.
        with pytest.raises(TargetGone):
            await remediation.execute()
    finally:
        await db.close()


async def _gone(dsn, pid):
    return await backend_state(dsn, pid) is None


async def test_cancel_ends_the_query_but_keeps_the_session(pg_dsn, sessions):
    conn = await sessions.open("-cancel")
    task = sessions.run(conn, SLEEP)
    pid = conn.get_server_pid()
    await until(lambda: backend_state(pg_dsn, pid), what="the statement to start")
    db = clients(pg_dsn)
    try:
        outcome = await CancelBackend(db, pid).execute()
        assert outcome.ok
        with pytest.raises(asyncpg.exceptions.QueryCanceledError):
            await task
        assert await backend_state(pg_dsn, pid) == "idle"
    finally:
        await db.close()


async def test_terminate_long_running_lists_the_pids_first_and_ends_exactly_those(pg_dsn, sessions):
    app = f"{sessions.tag}-bulk"
    pids = sorted([await sleeping(sessions, "-bulk"), await sleeping(sessions, "-bulk")])
    db = clients(pg_dsn)
    try:
        remediation = TerminateLongRunning(db, 1 / 60, application=app)
        await until(lambda: _count_preview(remediation, 2), what="both statements to pass the threshold")
        d = await remediation.describe()
        assert sorted(t.pid for t in d.targets) == pids
        assert f"pids {', '.join(str(t.pid) for t in d.targets)}" in d.summary
        assert "query_start < now() - interval '1 seconds'" in d.command
        # A third statement that starts after the list was shown is not touched.
        late = await sleeping(sessions, "-bulk")
        outcome = await remediation.execute()
        assert sorted(outcome.pids) == pids
        for pid in pids:
            await until(lambda pid=pid: _gone(pg_dsn, pid), what=f"backend {pid} to be gone")
        assert await backend_state(pg_dsn, late) == "active"
    finally:
        await db.close()


async def _count_preview(remediation, n):
    return len(await remediation.preview()) >= n


async def test_promote_refuses_on_a_server_that_is_not_a_standby(pg_dsn):
    db = DatabaseClients(DatabaseSettings(dsn=pg_dsn, replica_dsn=pg_dsn), Guard())
    try:
        remediation = PromoteReplica(db)
        d = await remediation.describe()
        assert d.refusal == "the server is not in recovery: it is already a primary"
        assert d.command.endswith("-c \"SELECT pg_promote(true, 60);\"")
        outcome = await remediation.execute()
        assert not outcome.ok and "not promoted" in outcome.message
    finally:
        await db.close()
