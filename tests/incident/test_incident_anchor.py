"""Anchoring the timeline: signed checkpoints and the local anchor catch what the hash chain
alone cannot (a rewrite that recomputed every later hash, a truncated tail), `irtui verify`
says so in one line each, and the author is who the system knows, not what $LOGNAME says.

The stores are real files and a real PostgreSQL; verify runs as the command a responder types."""

from __future__ import annotations

import json
import os
import pwd
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import asyncpg

from irtui.incident import sql
from irtui.incident.anchor import AnchorFile, TimelineKey
from irtui.incident.boot import start_session
from irtui.incident.model import GENESIS_HASH, Actor, Entry, entry_from_row
from irtui.incident.session import IncidentSession
from irtui.incident.sqlite_store import entry_row
from irtui.incident.stores import open_store

from polling import until

KEY = "k" * 8 + "0123456789abcdef0123456789abcdef"
ALICE = Actor("alice", "bastion-1", "sre")
FIXTURES = Path(__file__).with_name("fixtures")


def run_verify(incident: str, store: str, data_home: Path, *extra: str, key: str | None = KEY) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "IRTUI_TIMELINE_KEY"}
    env["XDG_DATA_HOME"] = str(data_home)
    env["XDG_CONFIG_HOME"] = str(data_home / "no-config")
    if key is not None:
        env["IRTUI_TIMELINE_KEY"] = key
    return subprocess.run([sys.executable, "-m", "irtui", "verify", incident, "--store", store, *extra],
                          capture_output=True, text=True, timeout=60, env=env)


async def write_incident(store, notes: int = 24) -> tuple[str, list[Entry]]:
    """An incident with `notes` notes, closed: checkpoints every 10 entries and at close,
    and this machine's anchor where `irtui verify` looks for it (XDG_DATA_HOME=tmp/xdg-data)."""
    session = IncidentSession(store, ALICE, key=TimelineKey(KEY.encode(), "test"),
                              anchors=AnchorFile.default(store.anchor_scope()))
    await session.start()
    incident = await session.declare("Task service crash-looping", "P1", ["task-service"])
    for i in range(notes):
        await session.note(f"note {i}")
    await session.close()
    entries = await store.entries(incident)
    assert sum(e.kind == "checkpoint" for e in entries) == 1 + (notes + 1) // 10
    return incident, entries


def rewritten(entries: list[Entry], seq: int, text: str, *, forge_checkpoints: bool = False) -> list[Entry]:
    """The forger's move: change entry `seq` and recompute every later hash, checkpoints
    included (their signatures cannot be recomputed without the key). With
    `forge_checkpoints`, each checkpoint's signed head is replaced by the forged one too."""
    out: list[Entry] = []
    prev = GENESIS_HASH
    for entry in entries:
        if entry.seq == seq:
            entry = replace(entry, text=text)
        if forge_checkpoints and entry.kind == "checkpoint":
            entry = replace(entry, details={**entry.details, "head": out[entry.details["seq"] - 1].hash})
        if entry.seq >= seq:
            entry = entry.chained(entry.seq, prev)
        out.append(entry)
        prev = entry.hash
    return out


def replace_sqlite_entries(path: Path, incident: str, entries: list[Entry]) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM entries WHERE incident_id = ?", (incident,))
        conn.executemany(sql.load("sqlite", "insert_entry"), [entry_row(e) for e in entries])


async def test_rewritten_and_rehashed_entry_fails_verify_sqlite(tmp_path, sqlite_store):
    incident, entries = await write_incident(sqlite_store)
    store = str(sqlite_store.path)
    intact = run_verify(incident, store, tmp_path / "xdg-data")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "hash chain intact" in intact.stdout and "signed checkpoint(s) verified" in intact.stdout
    assert "matches the local anchor" in intact.stdout

    replace_sqlite_entries(sqlite_store.path, incident, rewritten(entries, 5, "nothing to see here"))
    # On another machine (no local anchor): the checkpoints' signatures still catch it.
    elsewhere = run_verify(incident, store, tmp_path / "other-machine")
    assert elsewhere.returncode == 1, elsewhere.stdout
    assert "hash chain intact" in elsewhere.stdout  # the chain alone is fooled ...
    failed = [line for line in elsewhere.stdout.splitlines() if "FAILED" in line]
    assert failed and all("rewritten at or before" in line for line in failed), elsewhere.stdout
    assert "FAILED at entry #10: checkpoint #" in failed[0]

    # Forging the checkpoints' heads too breaks their signatures instead.
    forged = rewritten(entries, 5, "nothing to see here", forge_checkpoints=True)
    replace_sqlite_entries(sqlite_store.path, incident, forged)
    elsewhere = run_verify(incident, store, tmp_path / "other-machine")
    assert elsewhere.returncode == 1
    assert "the signature does not match: forged or altered after signing" in elsewhere.stdout


async def test_truncated_tail_fails_verify_even_without_its_checkpoints(tmp_path, sqlite_store):
    incident, entries = await write_incident(sqlite_store)
    last = next(e for e in entries if e.kind == "closed")  # the last head checkpointed
    with sqlite3.connect(sqlite_store.path) as conn:
        conn.execute("DELETE FROM entries WHERE incident_id = ? AND seq > 9", (incident,))
    store = str(sqlite_store.path)
    here = run_verify(incident, store, tmp_path / "xdg-data")
    assert here.returncode == 1, here.stdout
    assert "hash chain intact" in here.stdout
    assert "store ends at #9, the local anchor (" in here.stdout
    assert f"says #{last.seq} with head {last.hash[:12]}: entries were removed" in here.stdout
    # A head quoted in a status update anchors it for anyone, with or without the key.
    quoted = run_verify(incident, store, tmp_path / "other-machine", "--head", f"{last.seq}:{last.hash[:12]}", key=None)
    assert quoted.returncode == 1
    assert f"store ends at #9, the quoted head says #{last.seq}" in quoted.stdout
    ok = run_verify(incident, store, tmp_path / "other-machine", "--head", f"9:{entries[8].hash[:12]}", key=None)
    assert ok.returncode == 0 and "#9 matches the quoted head" in ok.stdout


async def test_without_a_key_verify_warns_that_the_chain_is_unanchored(tmp_path, sqlite_store):
    incident, _ = await write_incident(sqlite_store, notes=3)
    out = run_verify(incident, str(sqlite_store.path), tmp_path / "other-machine", key=None)
    assert out.returncode == 0
    assert "WARNING: unanchored: no timeline key ($IRTUI_TIMELINE_KEY is not set)" in out.stdout
    wrong = run_verify(incident, str(sqlite_store.path), tmp_path / "other-machine", key="another key of 32 bytes......")
    assert wrong.returncode == 1 and "signed with another key" in wrong.stdout


def test_bad_arguments_are_one_line(tmp_path):
    bad_head = run_verify("INC-20261128-1", str(tmp_path / "none.sqlite"), tmp_path, "--head", "twelve")
    assert bad_head.returncode == 2
    assert bad_head.stderr.strip() == "irtui verify: --head 'twelve': expected SEQ:HASH, e.g. 12:ab12cd34ef56"
    assert run_verify("INC-20261128-1", str(tmp_path / "none.sqlite"), tmp_path, "--head", "0:ab12cd").returncode == 2
    short_key = run_verify("INC-20261128-1", str(tmp_path / "none.sqlite"), tmp_path, key="tiny")
    assert short_key.returncode == 2 and "Traceback" not in short_key.stderr
    assert "$IRTUI_TIMELINE_KEY is too short to sign the timeline (4 bytes)" in short_key.stderr


def test_a_chain_written_before_anchors_still_verifies(tmp_path):
    fixture = json.loads((FIXTURES / "chain_before_anchors.json").read_text(encoding="utf-8"))
    path = tmp_path / "old.sqlite"
    rows = fixture["entries"]
    with sqlite3.connect(path) as conn:
        conn.executescript(sql.load("sqlite", "schema"))
        conn.execute(sql.load("sqlite", "insert_incident"), (rows[0]["incident_id"], "20261120", 1, rows[0]["ts"]))
        conn.executemany(sql.load("sqlite", "insert_entry"), [
            (r["incident_id"], r["seq"], r["entry_id"], r["ts"], r["actor"], r["kind"], r["text"], r["details"],
             r["prev_hash"], r["hash"]) for r in rows])
    entries = [entry_from_row(*(r[c] for c in ("incident_id", "entry_id", "seq", "ts", "actor", "kind", "text",
                                               "details", "prev_hash", "hash"))) for r in rows]
    assert entries[0].actor == ALICE and entries[0].compute_hash() == rows[0]["hash"]
    out = run_verify(rows[0]["incident_id"], str(path), tmp_path, key=None)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok: 6 entries, hash chain intact" in out.stdout and "WARNING: unanchored" in out.stdout


async def test_rewritten_and_rehashed_entry_fails_verify_postgres(tmp_path, pg_dsn, pg_url, pg_schema):
    store = open_store(pg_url, outbox=tmp_path / "o.sqlite")
    await store.open()
    try:
        incident, entries = await write_incident(store, notes=12)
    finally:
        await store.close()
    assert run_verify(incident, pg_url, tmp_path / "xdg-data").returncode == 0
    forged = [e for e in rewritten(entries, 5, "nothing to see here") if e.seq >= 5]
    # The append-only triggers stand in the way; a superuser switching them off does not.
    conn = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema,
                                                          "session_replication_role": "replica"})
    try:
        for entry in forged:
            await conn.execute("UPDATE entries SET text = $1, prev_hash = $2, hash = $3 WHERE incident_id = $4 AND seq = $5",
                               entry.text, entry.prev_hash, entry.hash, incident, entry.seq)
    finally:
        await conn.close()
    out = run_verify(incident, pg_url, tmp_path / "other-machine")
    assert out.returncode == 1 and "hash chain intact" in out.stdout
    assert "FAILED at entry #10: checkpoint #" in out.stdout and "rewritten at or before #10" in out.stdout


async def test_logname_does_not_name_the_author(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGNAME", "cto-jane")
    monkeypatch.setenv("USER", "cto-jane")
    session = await start_session(store=str(tmp_path / "s.sqlite"))
    try:
        incident = await session.declare("who wrote this", "P2")
        await session.note("a note")
        entries = await session.store.entries(incident)
    finally:
        await session.stop()
        await session.store.close()
    me = pwd.getpwuid(os.getuid()).pw_name
    assert me != "cto-jane"
    assert [e.actor.user for e in entries] == [me, me]


async def test_checkpoints_are_written_once_by_two_sessions(tmp_path, pg_url):
    """Two responders see the same boundary; the checkpoint's id is the head it signs."""
    key = TimelineKey(KEY.encode(), "test")
    a_store, b_store = open_store(pg_url, outbox=tmp_path / "a.sqlite"), open_store(pg_url, outbox=tmp_path / "b.sqlite")
    await a_store.open()
    await b_store.open()
    try:
        a = IncidentSession(a_store, ALICE, key=key, anchors=AnchorFile(tmp_path / "alice" / "anchors"))
        b = IncidentSession(b_store, Actor("bob", "laptop-b"), key=key,
                            anchors=AnchorFile(tmp_path / "bob" / "anchors"))
        await a.start()
        await b.start()
        incident = await a.declare("shared", "P1")
        await until(lambda: b.incident_id == incident)
        for i in range(9):
            await a.note(f"a{i}")
        await until(lambda: any(e.kind == "checkpoint" for e in a.entries)
                    and any(e.kind == "checkpoint" for e in b.entries))
        await until(lambda: len(a.entries) == len(b.entries))
        entries = await a_store.entries(incident)
        assert [e.details["seq"] for e in entries if e.kind == "checkpoint"] == [10]
        assert AnchorFile(tmp_path / "bob" / "anchors").read(incident).seq == 10
    finally:
        await a_store.close()
        await b_store.close()


async def test_local_anchors_are_private_and_kept_per_store(tmp_path):
    """Incident ids are unique only within a store: a drill's INC-...-1 neither vouches for
    nor accuses the real INC-...-1."""
    drill, real = open_store(tmp_path / "drill.sqlite"), open_store(tmp_path / "real.sqlite")
    await drill.open()
    await real.open()
    try:
        drill_incident, _ = await write_incident(drill, notes=24)
        real_incident, _ = await write_incident(real, notes=3)
    finally:
        await drill.close()
        await real.close()
    assert drill_incident == real_incident
    out = run_verify(real_incident, str(real.path), tmp_path / "xdg-data")
    assert out.returncode == 0, out.stdout
    anchor = AnchorFile.default(drill.anchor_scope()).path(drill_incident)
    assert anchor.stat().st_mode & 0o777 == 0o600 and anchor.parent.stat().st_mode & 0o777 == 0o700


async def test_a_read_only_terminal_signs_and_writes_nothing(tmp_path, sqlite_store):
    from irtui.safety import Guard

    key = TimelineKey(KEY.encode(), "test")
    writer = IncidentSession(sqlite_store, ALICE, key=key, anchors=AnchorFile(tmp_path / "writer"))
    viewer_store = open_store(sqlite_store.path, guard=Guard(read_only=True))
    await viewer_store.open()
    try:
        await writer.start()
        viewer = IncidentSession(viewer_store, Actor("bob", "wall"), guard=Guard(read_only=True), key=key,
                                 anchors=AnchorFile(tmp_path / "viewer"))
        await viewer.start()
        incident = await writer.declare("on the wall", "P1")
        await until(lambda: viewer.incident_id == incident)
        for i in range(9):
            await writer.note(f"n{i}")
        await until(lambda: any(e.kind == "checkpoint" for e in viewer.entries))
        assert [e.actor.user for e in await sqlite_store.entries(incident) if e.kind == "checkpoint"] == ["alice"]
        assert (tmp_path / "writer").exists() and not (tmp_path / "viewer").exists()
    finally:
        await viewer_store.close()


async def test_truncated_tail_fails_verify_postgres(tmp_path, pg_dsn, pg_url, pg_schema):
    store = open_store(pg_url, outbox=tmp_path / "o.sqlite")
    await store.open()
    try:
        incident, entries = await write_incident(store, notes=12)
    finally:
        await store.close()
    closed = next(e for e in entries if e.kind == "closed")
    conn = await asyncpg.connect(pg_dsn, server_settings={"search_path": pg_schema,
                                                          "session_replication_role": "replica"})
    try:
        await conn.execute("DELETE FROM entries WHERE incident_id = $1 AND seq > 9", incident)
    finally:
        await conn.close()
    out = run_verify(incident, pg_url, tmp_path / "xdg-data")
    assert out.returncode == 1 and "hash chain intact" in out.stdout
    assert "store ends at #9, the local anchor (seen " in out.stdout
    assert f"says #{closed.seq} with head {closed.hash[:12]}: entries were removed" in out.stdout
