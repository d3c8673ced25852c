"""The local audit journal: what was done while no incident was open.

An action taken outside an incident is still recorded, durably, on this machine; when the
next incident is declared its unattached journal entries are appended to that incident's
timeline (same entry_id, so a crash mid-attach cannot attach one twice).

The file is opened on first use, not before: a read-only terminal records nothing, so it
must not create (or change the journal mode of) a file it will never write.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from irtui.incident import sql
from irtui.incident.model import Entry, canonical_json, details_json, entry_from_row, format_ts
from irtui.incident.sqlite_store import connect_durable
from irtui.safety import Guard


class Journal:
    def __init__(self, path: Path | str | None = None, *, guard: Guard | None = None) -> None:
        if path is None:
            from irtui.config import data_dir

            path = data_dir() / "journal.sqlite"
        self.path = Path(path)
        self.guard = guard or Guard()
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        # Under self._lock.
        if self._conn is None:
            self._conn = connect_durable(self.path)
            self._conn.executescript(sql.load("local", "journal_schema"))
        return self._conn

    def add(self, entry: Entry) -> Entry:
        """Durable when it returns. `entry.incident_id` is ignored."""
        self.guard.check(f"audit journal entry ({entry.kind})")
        with self._lock:
            self._connection().execute(sql.load("local", "journal_put"), (
                entry.entry_id, format_ts(entry.ts), canonical_json(entry.actor.to_dict()), entry.kind, entry.text,
                details_json(entry.details)))
        return entry

    def unattached(self) -> list[Entry]:
        with self._lock:
            if self._conn is None and not self.path.exists():
                return []
            rows = self._connection().execute(sql.load("local", "journal_unattached")).fetchall()
        return [entry_from_row(*row) for row in rows]

    def mark_attached(self, entry_id: str, incident_id: str) -> None:
        self.guard.check(f"audit journal attach ({entry_id})")
        with self._lock:
            self._connection().execute(sql.load("local", "journal_attach"), (incident_id, entry_id))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
