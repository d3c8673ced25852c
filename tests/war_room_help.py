"""Helpers for the war-room tests: the command-line arguments `irtui` would parse, an
isolated environment (config, data, journal under tmp), an incident another responder
declared before the war room started, reading the simulator's audit log and the incident
store's SQLite file, and declaring an incident by keys. Waiting and the screen's text are in
`polling`."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from polling import until

NS = "emrtask-prod"
MUTATING_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


def war_args(sim, tmp_path: Path, *, read_only: bool | None = None, db_dsn: str | None = None,
             context: str | None = "sim-sre") -> SimpleNamespace:
    """What `irtui --kubeconfig ... --store ... [--db-dsn ...] [--read-only]` parses to."""
    return SimpleNamespace(kubeconfig=sim.kubeconfig, context=context, namespace=None, read_only=read_only,
                           store=str(tmp_path / "incidents.sqlite"), runbook=None, db_dsn=db_dsn, config=None,
                           theme=None)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No user config, data dir (the audit journal lives there) or IRTUI_* variable leaks in."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    for name in ("IRTUI_READ_ONLY", "IRTUI_STORE", "IRTUI_DB_DSN", "IRTUI_RUNBOOK"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def mutations(records: list[dict]) -> list[dict]:
    """Requests that change something (access reviews are questions, not changes)."""
    return [r for r in records if r.get("verb") in MUTATING_VERBS
            and r.get("resource") not in ("selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews")]


def store_rows(path: Path, incident_id: str | None = None) -> list[dict]:
    """The timeline as it is on disk (a separate read-only connection to the SQLite file)."""
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        query = "SELECT incident_id, seq, kind, text, details FROM entries"
        params: tuple = ()
        if incident_id:
            query += " WHERE incident_id = ?"
            params = (incident_id,)
        rows = conn.execute(query + " ORDER BY incident_id, seq", params).fetchall()
    finally:
        conn.close()
    return [{"incident_id": i, "seq": s, "kind": k, "text": t, "details": json.loads(d)} for i, s, k, t, d in rows]


def file_state(path: Path) -> tuple | None:
    """Size and mtime of the store and its WAL/rollback-journal files (None when absent).

    The `-shm` file is left out: it is SQLite's shared-memory lock index, which every reader
    of a WAL database updates (read marks), and it holds no data."""
    out = []
    for suffix in ("", "-wal", "-journal"):
        p = Path(str(path) + suffix)
        out.append((p.name, p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else (p.name, None, None))
    return tuple(out)


async def control(sim, method: str, path: str, **kwargs):
    """The simulator's control API, off the app's event loop."""
    return await asyncio.to_thread(sim.control, method, path, **kwargs)


async def declared_elsewhere(store_url, title: str, severity: str = "P1", services=("task-service",), *,
                             by=None, phase: str | None = None) -> str:
    """An incident another responder (alice, unless `by`) declared in `store_url` before the
    war room under test started."""
    from irtui.incident.model import Actor
    from irtui.incident.session import IncidentSession
    from irtui.incident.stores import open_store

    store = open_store(store_url)
    await store.open()
    session = IncidentSession(store, by or Actor("alice", "bastion-1"))
    try:
        await session.start()
        return await session.declare(title, severity, list(services), **({"phase": phase} if phase else {}))
    finally:
        await session.stop()
        await store.close()


async def declare_by_keys(pilot, title: str) -> str:
    """`I`, the title typed, the first impact answer (which suggests a severity), then OK:
    the incident's id once the session holds it."""
    from irtui.ui.incident import DeclareIncidentScreen

    app = pilot.app
    await pilot.press("I")
    await until(lambda: isinstance(app.screen, DeclareIncidentScreen), "the declare screen", pilot=pilot)
    await pilot.press(*title)
    await pilot.press("tab", "enter")
    for _ in range(20):
        if app.focused is not None and app.focused.id == "declare-ok":
            break
        await pilot.press("tab")
    await pilot.press("enter")
    await until(lambda: app.session.is_open, "the incident to be declared", pilot=pilot)
    await until(lambda: not isinstance(app.screen, DeclareIncidentScreen), "the declare screen to close", pilot=pilot)
    return app.session.incident_id
