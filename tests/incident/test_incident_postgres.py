"""The shared war room on the real PostgreSQL: two stores (two machines) share an incident
through LISTEN/NOTIFY; an outage through a cut TCP proxy loses nothing; tampering is named.
Each test uses its own schema (dropped afterwards)."""

import asyncio
import subprocess
import sys

import asyncpg

from irtui.incident.model import Actor, verify_chain
from irtui.incident.pg_store import migrations
from irtui.incident.session import IncidentSession
from irtui.incident.store import make_entry
from irtui.incident.stores import open_store

from incident_helpers import via_proxy
from polling import until

ALICE = Actor("alice", "laptop-a", "alice@example.org")
BOB = Actor("bob", "laptop-b", "bob@example.org")


async def two_sessions(url_a, url_b, tmp_path):
    a_store = open_store(url_a, outbox=tmp_path / "outbox-a.sqlite")
    b_store = open_store(url_b, outbox=tmp_path / "outbox-b.sqlite")
    await a_store.open()
    await b_store.open()
    a, b = IncidentSession(a_store, ALICE), IncidentSession(b_store, BOB)
    await a.start()
    await b.start()
    return a, b


async def test_two_machines_share_notes_and_ticks(pg_url, tmp_path):
    a, b = await two_sessions(pg_url, pg_url, tmp_path)
    try:
        incident = await a.declare("API Gateway Down", "P0", ["api-gateway"], incident_kind="outage")
        await until(lambda: b.incident_id == incident)
        await a.note("alice: gateway pods restarting")
        await b.tick("confirm_real", text="Confirm incident is real (not false alarm)")
        await until(lambda: any(e.text == "alice: gateway pods restarting" for e in b.timeline))
        await until(lambda: "confirm_real" in a.state.ticks)
        assert a.state.ticks["confirm_real"].actor.startswith("bob@laptop-b")
        # one order for everyone
        await until(lambda: len(a.entries) == len(b.entries) == 3)
        assert [e.hash for e in a.entries] == [e.hash for e in b.entries]
        assert verify_chain(await a.store.entries(incident)).ok
    finally:
        await a.store.close()
        await b.store.close()


async def test_concurrent_writers_make_one_chain(pg_url, tmp_path):
    a, b = await two_sessions(pg_url, pg_url, tmp_path)
    try:
        incident = await a.declare("race", "P1")
        await until(lambda: b.incident_id == incident)
        await asyncio.gather(*[a.note(f"a{i}") for i in range(15)], *[b.note(f"b{i}") for i in range(15)])
        entries = await a.store.entries(incident)
        assert [e.seq for e in entries] == list(range(1, 32)) and verify_chain(entries).ok
        await until(lambda: len(a.entries) == len(b.entries) == 31)
    finally:
        await a.store.close()
        await b.store.close()


async def test_outage_goes_to_the_outbox_and_replays_once_in_order(pg_dsn, pg_url, pg_schema, proxy, tmp_path):
    flaky_url = via_proxy(pg_dsn, pg_schema, proxy)
    a, b = await two_sessions(flaky_url, pg_url, tmp_path)  # a reaches PostgreSQL through the proxy
    try:
        incident = await a.declare("DB flapping", "P0")
        await until(lambda: b.incident_id == incident)
        await a.note("before the outage")
        await proxy.cut()
        written = [await a.note(f"during the outage {i}") for i in range(5)]
        assert all(e.pending for e in written)
        await b.note("bob, meanwhile, on a working connection")
        assert [e.text for e in a.timeline[-5:]] == [f"during the outage {i}" for i in range(5)]
        await proxy.restore()
        await until(lambda: len(a.pending) == 0 and not [e for e in a.timeline if e.pending], timeout=30)
        entries = await b.store.entries(incident)
        texts = [e.text for e in entries]
        for i in range(5):
            assert texts.count(f"during the outage {i}") == 1
        outage = [t for t in texts if t.startswith("during the outage")]
        assert outage == [f"during the outage {i}" for i in range(5)]
        assert verify_chain(entries).ok
        await until(lambda: [e.text for e in b.entries] == texts)
        # a's LISTEN connection came back too: it sees what bob wrote during the outage
        await until(lambda: [e.text for e in a.entries] == texts, timeout=30)
        # replaying the same entries again (a crash before the outbox was emptied) adds nothing
        for entry in written:
            await a.store.append(make_entry(incident, entry.kind, entry.text, {}, ALICE, entry_id=entry.entry_id))
        assert len(await b.store.entries(incident)) == len(entries)
        cmd = [sys.executable, "-m", "irtui", "verify", incident, "--store", pg_url]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        await a.store.close()
        await b.store.close()


async def test_schema_is_versioned_and_migrated_once(pg_dsn, pg_url, pg_schema, tmp_path):
    for _ in range(2):
        store = open_store(pg_url, outbox=tmp_path / "o.sqlite")
        await store.open()
        await store.close()
    conn = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema})
    try:
        versions = [r[0] for r in await conn.fetch("SELECT version FROM schema_version ORDER BY version")]
    finally:
        await conn.close()
    assert versions == [m[0] for m in migrations()]


async def test_verify_names_an_edited_row(pg_dsn, pg_url, pg_schema, tmp_path):
    store = open_store(pg_url, outbox=tmp_path / "o.sqlite")
    await store.open()
    try:
        session = IncidentSession(store, ALICE)
        incident = await session.declare("tamper", "P1")
        for i in range(3):
            await session.note(f"n{i}")
    finally:
        await store.close()
    cmd = [sys.executable, "-m", "irtui", "verify", incident, "--store", pg_url]
    assert subprocess.run(cmd, capture_output=True, text=True, timeout=60).returncode == 0
    # The triggers refuse an UPDATE; a superuser who switches them off is what is left.
    conn = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema,
                                                          "session_replication_role": "replica"})
    try:
        await conn.execute("UPDATE entries SET details = $1 WHERE incident_id = $2 AND seq = 2", '{"x":1}', incident)
    finally:
        await conn.close()
    bad = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "#2" in bad.stdout


async def test_outbox_survives_a_restart_and_replays_on_open(pg_dsn, pg_url, pg_schema, proxy, tmp_path):
    outbox = tmp_path / "outbox.sqlite"
    store = open_store(via_proxy(pg_dsn, pg_schema, proxy), outbox=outbox)
    await store.open()
    session = IncidentSession(store, ALICE)
    await session.start()
    incident = await session.declare("laptop lid closed", "P2")
    await proxy.cut()
    queued = [await session.note(f"offline {i}") for i in range(3)]
    assert all(e.pending for e in queued)
    await store.close()  # irtui quits (or is killed) with entries still queued
    await proxy.restore()
    again = open_store(via_proxy(pg_dsn, pg_schema, proxy), outbox=outbox)
    await again.open()  # replays what waited
    try:
        await again.flush()
        entries = await again.entries(incident)
        assert [e.text for e in entries][1:] == ["offline 0", "offline 1", "offline 2"]
        assert verify_chain(entries).ok and await again.pending() == []
    finally:
        await again.close()


async def test_read_only_store_sends_no_writes(pg_dsn, pg_url, pg_schema, tmp_path):
    import pytest

    from irtui.safety import Guard, ReadOnlyError

    viewer_store = open_store(pg_url, outbox=tmp_path / "v.sqlite", guard=Guard(read_only=True))
    await viewer_store.open()  # no migration: the schema is not created by a read-only terminal
    conn = await asyncpg.connect(pg_dsn)
    try:
        assert not await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", pg_schema)
    finally:
        await conn.close()
    await viewer_store.close()
    writer_store = open_store(pg_url, outbox=tmp_path / "w.sqlite")
    await writer_store.open()
    viewer_store = open_store(pg_url, outbox=tmp_path / "v.sqlite", guard=Guard(read_only=True))
    await viewer_store.open()
    try:
        writer = IncidentSession(writer_store, ALICE)
        incident = await writer.declare("shared screen", "P1")
        viewer = IncidentSession(viewer_store, BOB, guard=Guard(read_only=True))
        await viewer.start()
        assert viewer.incident_id == incident
        with pytest.raises(ReadOnlyError):
            await viewer_store.append(make_entry(incident, "note", "x", {}, BOB))
        await writer.note("visible on the shared screen")
        await until(lambda: viewer.entries[-1].text == "visible on the shared screen")
        assert len(await writer_store.entries(incident)) == 2
    finally:
        await viewer_store.close()
        await writer_store.close()


async def _refused(conn: asyncpg.Connection, statement: str, *args: object) -> str:
    try:
        await conn.execute(statement, *args)
    except asyncpg.PostgresError as exc:
        return str(exc)
    raise AssertionError(f"accepted: {statement}")


async def test_the_database_refuses_to_rewrite_the_record(pg_dsn, pg_url, pg_schema, tmp_path):
    store = open_store(pg_url, outbox=tmp_path / "o.sqlite")
    await store.open()
    try:
        session = IncidentSession(store, ALICE)
        incident = await session.declare("append only", "P1")
        await session.note("the pool is exhausted")
    finally:
        await store.close()
    before = [e.hash for e in await _stored(pg_url, tmp_path, incident)]
    # As the table owner, over a plain connection: no irtui code in the way.
    conn = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema})
    try:
        for statement, args in [
            ("UPDATE entries SET text = 'nothing happened' WHERE incident_id = $1 AND seq = 2", (incident,)),
            ("DELETE FROM entries WHERE incident_id = $1 AND seq = 2", (incident,)),
            ("TRUNCATE entries CASCADE", ()),
            ("UPDATE incidents SET created_at = 'x' WHERE id = $1", (incident,)),
            ("DELETE FROM incidents WHERE id = $1", (incident,)),
            ("TRUNCATE incidents CASCADE", ()),
        ]:
            message = await _refused(conn, statement, *args)
            assert "refused: the incident record is append-only" in message, (statement, message)
        # Appending is what the record is for; an author role that is not the inserting one is not.
        row = await conn.fetchrow("SELECT actor FROM entries WHERE incident_id = $1 AND seq = 2", incident)
        assert '"db_role":"postgres"' in row["actor"]
        forged = (await conn.fetchrow("SELECT * FROM entries WHERE incident_id = $1 AND seq = 2", incident))
        message = await _refused(
            conn, "INSERT INTO entries (incident_id, seq, entry_id, ts, actor, kind, text, details, prev_hash, hash)"
                  " VALUES ($1, 3, 'forged', $2, $3, 'note', 'x', '{}', $4, $4)",
            incident, forged["ts"], '{"user":"cto-jane","host":"h","kube":null,"db_role":"cto_jane"}', forged["hash"])
        assert "author role cto_jane is not the inserting role postgres" in message
    finally:
        await conn.close()
    assert [e.hash for e in await _stored(pg_url, tmp_path, incident)] == before


async def _stored(pg_url, tmp_path, incident):
    store = open_store(pg_url, outbox=tmp_path / "r.sqlite")
    await store.open()
    try:
        return await store.entries(incident)
    finally:
        await store.close()
