"""The embedded store on a real SQLite file: ids, ordering, idempotency, other processes,
observations, the audit journal, restart, tamper detection and kill -9 durability."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timezone

import pytest

from irtui.incident.journal import Journal
from irtui.incident.model import verify_chain
from irtui.incident.session import IncidentSession
from irtui.incident.store import make_entry
from irtui.incident.stores import open_store

from polling import until


async def test_declare_append_and_ids(sqlite_store, actor):
    session = IncidentSession(sqlite_store, actor)
    await session.start()
    first = await session.declare("API Gateway Down", "P0", ["api-gateway"])
    today = datetime.now(timezone.utc).strftime("%Y%m%d")
    assert first == f"INC-{today}-1"
    await session.tick("confirm_real", text="Confirm incident is real (not false alarm)")
    await session.set_status("Identified")
    entries = await sqlite_store.entries(first)
    assert [e.seq for e in entries] == [1, 2, 3] and verify_chain(entries).ok
    assert entries[1].actor == actor and session.state.status == "Identified"
    second = await IncidentSession(sqlite_store, actor).declare("Slow", "P2")
    assert second == f"INC-{today}-2"


async def test_append_is_idempotent_on_entry_id(sqlite_store, actor):
    session = IncidentSession(sqlite_store, actor)
    await session.start()
    incident = await session.declare("t", "P1")
    entry = make_entry(incident, "note", "once", {}, actor)
    a = await sqlite_store.append(entry)
    b = await sqlite_store.append(entry)
    assert a == b and len(await sqlite_store.entries(incident)) == 2


async def test_another_process_sees_entries_and_a_restart_reopens(tmp_path, actor):
    path = tmp_path / "shared.sqlite"
    one, two = open_store(path), open_store(f"sqlite:///{path}")
    await one.open()
    await two.open()
    try:
        a = IncidentSession(one, actor)
        b = IncidentSession(two, actor)
        await a.start()
        await b.start()
        incident = await a.declare("Database down", "P0", ["postgres"], incident_kind="database")
        await until(lambda: b.incident_id == incident)  # b joins the declared incident
        await a.note("seen from the other process?")
        await until(lambda: any(e.text == "seen from the other process?" for e in b.timeline))
        await b.tick("confirm_real")
        await until(lambda: "confirm_real" in a.state.ticks)
    finally:
        await one.close()
        await two.close()
    again = open_store(path)
    await again.open()
    try:
        c = IncidentSession(again, actor)
        await c.start()
        assert c.incident_id == incident and "confirm_real" in c.state.ticks and c.state.kind == "database"
    finally:
        await again.close()


async def test_observations_are_recorded_once_until_cleared(sqlite_store, actor):
    session = IncidentSession(sqlite_store, actor)
    await session.start()
    assert await session.observe("pod/x", "before any incident") is None
    await session.declare("Crashloop", "P1")
    key = "pod/emrtask-prod/task-service-abc:CrashLoopBackOff"
    assert await session.observe(key, "pod task-service-abc CrashLoopBackOff", {"restarts": 4})
    assert await session.observe(key, "again") is None
    await session.sync_observations({key: ("still", {})})
    await session.sync_observations({})  # it cleared
    assert await session.observe(key, "pod task-service-abc CrashLoopBackOff again", {"restarts": 9})
    kinds = [e.kind for e in session.entries if e.kind.startswith("observation")]
    assert kinds == ["observation", "observation_cleared", "observation"]
    # the sync form a cluster-state producer calls: queued, in order, still once per key
    for _ in range(3):
        session.observer("node/worker-2:NotReady", "node worker-2 NotReady", {"node": "worker-2"})
    await until(lambda: "node/worker-2:NotReady" in session.state.active_observations)
    await until(lambda: not session._observations and session._observer_task.done())
    assert [e.text for e in session.entries].count("node worker-2 NotReady") == 1


async def test_actions_without_an_incident_are_journaled_then_attached(sqlite_store, actor, tmp_path):
    journal = Journal(tmp_path / "journal.sqlite")
    session = IncidentSession(sqlite_store, actor, journal=journal)
    await session.start()
    started = await session.action_started("kube.rollout_restart", "deployment/task-service",
                                           "kubectl rollout restart deployment/task-service -n emrtask-prod",
                                           namespace="emrtask-prod", context="sim", token="s3cr3t")
    await session.action_finished("kube.rollout_restart", "deployment/task-service", True, "restarted",
                                  started=started.entry_id)
    assert len(journal.unattached()) == 2 and session.incident_id is None
    incident = await session.declare("Task service down", "P1")
    kinds = [(e.kind, e.details.get("journaled")) for e in await sqlite_store.entries(incident)]
    assert kinds == [("declared", None), ("action_started", True), ("action_finished", True)]
    assert journal.unattached() == []
    entries = await sqlite_store.entries(incident)
    assert entries[1].actor == actor and entries[1].details["token"] == "[REDACTED]"
    assert entries[2].details["started"] == entries[1].entry_id and entries[2].details["ok"] is True
    await session.record("action_started", "during the incident", {})
    assert session.timeline[-1].text == "during the incident"


def test_verify_cli_names_an_edited_row(tmp_path, actor):
    path = tmp_path / "v.sqlite"

    async def write():
        store = open_store(path)
        await store.open()
        session = IncidentSession(store, actor)
        await session.start()
        incident = await session.declare("t", "P2")
        for i in range(4):
            await session.note(f"note {i}")
        await store.close()
        return incident

    incident = asyncio.run(write())
    cmd = [sys.executable, "-m", "irtui", "verify", incident, "--store", str(path)]
    ok = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE entries SET text = 'nothing happened' WHERE incident_id = ? AND seq = 3", (incident,))
    bad = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "#3" in bad.stdout and "altered" in bad.stdout
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM entries WHERE incident_id = ? AND seq = 2", (incident,))
    gone = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert gone.returncode == 1 and "#2 is missing" in gone.stdout


WRITER = textwrap.dedent("""
    import asyncio, sys
    from irtui.incident.model import Actor
    from irtui.incident.session import IncidentSession
    from irtui.incident.stores import open_store

    async def main():
        store = open_store(sys.argv[1])
        await store.open()
        session = IncidentSession(store, Actor("w", "h"))
        incident = await session.declare("kill me", "P0")
        print("incident", incident, flush=True)
        n = 0
        while True:
            entry = await session.note(f"entry {n}")
            print("appended", entry.entry_id, flush=True)  # only after append returned
            n += 1

    asyncio.run(main())
""")


def test_sigkill_loses_nothing_that_was_acknowledged(tmp_path):
    path = tmp_path / "k.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    acknowledged, incident = [], None
    try:
        for line in proc.stdout:
            kind, value = line.split()[0], line.split()[-1]
            if kind == "incident":
                incident = value
            else:
                acknowledged.append(value)
            if len(acknowledged) >= 200:
                break
        os.kill(proc.pid, signal.SIGKILL)
        # lines already written to the pipe before the kill were also acknowledged
        acknowledged += [line.split()[-1] for line in proc.stdout.read().splitlines() if line.startswith("appended")]
    finally:
        proc.kill()
        proc.wait()
    assert incident and len(acknowledged) >= 200
    with sqlite3.connect(path) as conn:
        stored = {row[0] for row in conn.execute("SELECT entry_id FROM entries WHERE incident_id = ?", (incident,))}
    missing = [e for e in acknowledged if e not in stored]
    assert not missing


def test_report_fills_the_runbook_template(tmp_path, actor):
    path = tmp_path / "r.sqlite"

    async def write():
        store = open_store(path)
        await store.open()
        session = IncidentSession(store, actor)
        await session.start()
        incident = await session.declare("API Gateway Down", "P0", ["api-gateway", "task-service"])
        await session.set_impact(users="100%", data_loss=False)
        await session.note("TODO: add query timeout to Knex config")
        await session.set_status("Resolved")
        await session.close("Service restored.")
        await store.close()
        return incident

    incident = asyncio.run(write())
    done = subprocess.run([sys.executable, "-m", "irtui", "report", incident, "--store", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("# Incident Report: API Gateway Down") and f"**Incident ID:** {incident}" in out
    assert "- Services affected: api-gateway, task-service" in out and "- Users affected: 100%" in out
    assert "- Data loss: No" in out and "- [ ] add query timeout to Knex config (@alice, due not set, priority not set)" in out
    assert "| Incident detected |" not in out and "Service restored." in out
    as_json = subprocess.run([sys.executable, "-m", "irtui", "report", incident, "--store", str(path), "--format", "json"],
                             capture_output=True, text=True, timeout=60)
    assert as_json.returncode == 0 and '"severity": "P0"' in as_json.stdout


async def test_start_session_from_flags_and_config(tmp_path, monkeypatch):
    from irtui.config import Config
    from irtui.incident.boot import contacts, start_session
    from irtui.safety import Guard, ReadOnlyError

    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[incident]\nstore = "{tmp_path / "cfg.sqlite"}"\n\n[contacts]\ncto = "Sam Chief"\n')
    config = Config.load(config_file)
    session = await start_session(config=config, kube_identity="kubernetes-admin")
    try:
        assert session.store.path == tmp_path / "cfg.sqlite" and session.actor.kube == "kubernetes-admin"
        incident = await session.declare("from config", "P3")
    finally:
        await session.store.close()
    assert contacts(config) == {"cto": "Sam Chief"}
    viewer = await start_session(config=config, guard=Guard(read_only=True))
    try:
        assert viewer.incident_id == incident and not viewer.writable
        with pytest.raises(ReadOnlyError):
            await viewer.store.append(make_entry(incident, "note", "x", {}, viewer.actor))
    finally:
        await viewer.store.close()


async def test_journal_joins_an_incident_declared_elsewhere(tmp_path, actor):
    path = tmp_path / "shared.sqlite"
    one, two = open_store(path), open_store(path)
    await one.open()
    await two.open()
    try:
        declarer = IncidentSession(one, actor)
        responder = IncidentSession(two, actor, journal=Journal(tmp_path / "j.sqlite"))
        await declarer.start()
        await responder.start()
        await responder.record("action_finished", "cordoned worker-3 before anyone declared", {"action": "kube.cordon"})
        incident = await declarer.declare("Node trouble", "P2")
        await until(lambda: any(e.details.get("journaled") for e in declarer.entries))
        assert responder.incident_id == incident and responder.journal.unattached() == []
    finally:
        await one.close()
        await two.close()
