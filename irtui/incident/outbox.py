"""The local outbox: where shared-store entries wait, durably and in order, while
PostgreSQL is unreachable.

An outbox entry has no seq or hash yet: its place in the shared order (and so its link in
the hash chain) is decided by the database when it is replayed, so entries written by
other machines meanwhile never fork the chain. Replay is idempotent because the shared
store refuses a second entry with the same entry_id.
"""

from __future__ import annotations

import threading
from pathlib import Path

from irtui.incident import sql
from irtui.incident.model import Entry, canonical_json, details_json, entry_from_row, format_ts
from irtui.incident.sqlite_store import connect_durable, connect_read_only


class Outbox:
    def __init__(self, path: Path, store_key: str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.store_key = store_key
        self._lock = threading.Lock()
        # A read-only terminal shows what waits (another session of this user may have left
        # entries) but creates and writes no file: the guard refuses every append first.
        self._conn = connect_read_only(self.path) if read_only else connect_durable(self.path)
        self._conn.executescript(sql.load("local", "outbox_schema"))
        self._count = len(self.all())

    def __len__(self) -> int:
        return self._count

    def put(self, entry: Entry) -> None:
        """Durable when it returns (WAL + synchronous=FULL)."""
        with self._lock:
            cur = self._conn.execute(sql.load("local", "outbox_put"), (
                self.store_key, entry.incident_id, entry.entry_id, format_ts(entry.ts),
                canonical_json(entry.actor.to_dict()), entry.kind, entry.text, details_json(entry.details)))
            self._count += cur.rowcount

    def all(self) -> list[Entry]:
        with self._lock:
            rows = self._conn.execute(sql.load("local", "outbox_all"), (self.store_key,)).fetchall()
        return [entry_from_row(*row) for row in rows]

    def delete(self, entry_id: str) -> None:
        with self._lock:
            cur = self._conn.execute(sql.load("local", "outbox_delete"), (entry_id,))
            self._count -= cur.rowcount

    def close(self) -> None:
        self._conn.close()

