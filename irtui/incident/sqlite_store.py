"""The embedded incident store: one SQLite file, WAL mode, synchronous=FULL.

Durability: in WAL mode `synchronous=FULL` fsyncs the WAL at every commit, so a returned
append survives a kill -9 *and* a power cut (NORMAL would survive kill -9 but could lose
the last commits on power loss; an incident record is worth the ~0.5 ms fsync). All calls
run on one private thread with one connection, so the event loop never blocks on disk.
Other processes' writes are noticed by polling `PRAGMA data_version`, which changes only
when another connection commits.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from irtui.config import data_dir
from irtui.files import private_dir, private_file
from irtui.incident import sql
from irtui.incident.model import GENESIS_HASH, Entry, canonical_json, details_json, entry_from_row, format_ts
from irtui.incident.store import Store, StoreError, UnknownIncident, incident_id_for
from irtui.safety import Guard

T = TypeVar("T")
# How often another process's writes are looked for (PRAGMA data_version, one hop to the
# store's thread). Every poll wakes the UI's event loop: at 4 a second this alone was
# ~0.2% of a core on an idle screen.
POLL_SECONDS = 0.5


def connect_durable(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (we issue BEGIN ourselves), WAL, fsync at commit.
    The file is 0600 before SQLite opens it, and SQLite gives its WAL the same mode."""
    # irtui's own data directory is tightened if an earlier version left it 0755; a folder
    # the user chose for `--store` keeps the mode they gave it.
    private_dir(path.parent, tighten=path.parent == data_dir())
    private_file(path)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only terminal's connection: the file is opened read-only, so not even the
    journal mode, the schema or a WAL checkpoint touches it. With no file yet there is
    nothing to show: an empty in-memory store with the schema stands in, and writes are
    refused by the guard before they reach it."""
    if not path.exists():
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.executescript(sql.load("sqlite", "schema"))
        return conn
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                           check_same_thread=False, timeout=10)
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def entry_row(entry: Entry) -> tuple:
    return (entry.incident_id, entry.seq, entry.entry_id, format_ts(entry.ts), canonical_json(entry.actor.to_dict()),
            entry.kind, entry.text, details_json(entry.details), entry.prev_hash, entry.hash)


class SQLiteStore(Store):
    def __init__(self, path: Path, *, guard: Guard | None = None) -> None:
        super().__init__()
        self.guard = guard or Guard()
        self.path = Path(path)
        self.url = f"sqlite://{self.path}" if self.path.is_absolute() else f"sqlite:///{self.path}"
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="irtui-sqlite")
        self._conn: sqlite3.Connection | None = None
        self._poller: asyncio.Task | None = None

    def anchor_scope(self) -> str:
        return f"sqlite:{self.path.resolve()}"

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection `open()` made; StoreError before it or after `close()`."""
        if self._conn is None:
            raise StoreError(f"{self.url} is not open")
        return self._conn

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def open(self) -> None:
        def _open() -> None:
            if self.guard.read_only:
                self._conn = connect_read_only(self.path)
                return
            self._conn = connect_durable(self.path)
            self._conn.executescript(sql.load("sqlite", "schema"))

        await self._run(_open)

    async def close(self) -> None:
        if self._poller:
            self._poller.cancel()
            self._poller = None
        if self._conn is not None:
            await self._run(self._conn.close)
            self._conn = None
        self._executor.shutdown(wait=False)

    # -- writes ----------------------------------------------------------------------------
    def _write_once(self, entry: Entry, write: Callable[[sqlite3.Connection], Entry]) -> Entry:
        """Run `write` in one immediate transaction, unless an entry with this id is already
        stored: `entry_id` is the idempotency key, so a replay returns the stored entry
        instead of adding it twice."""
        conn = self.connection
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(sql.load("sqlite", "entry_by_id"), (entry.entry_id,)).fetchone()
            if row:
                conn.execute("ROLLBACK")
                return entry_from_row(*row)
            chained = write(conn)
            conn.execute("COMMIT")
            return chained
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _append_sync(self, entry: Entry) -> Entry:
        def write(conn: sqlite3.Connection) -> Entry:
            if not conn.execute(sql.load("sqlite", "incident_exists"), (entry.incident_id,)).fetchone():
                raise UnknownIncident(f"no incident {entry.incident_id}")
            last = conn.execute(sql.load("sqlite", "last_entry"), (entry.incident_id,)).fetchone()
            chained = entry.chained((last[0] if last else 0) + 1, last[1] if last else GENESIS_HASH)
            conn.execute(sql.load("sqlite", "insert_entry"), entry_row(chained))
            return chained

        return self._write_once(entry, write)

    def _declare_sync(self, entry: Entry) -> Entry:
        def write(conn: sqlite3.Connection) -> Entry:
            day = entry.ts.strftime("%Y%m%d")
            n = conn.execute(sql.load("sqlite", "next_incident_number"), (day,)).fetchone()[0]
            incident_id = incident_id_for(entry.ts, n)
            conn.execute(sql.load("sqlite", "insert_incident"), (incident_id, day, n, format_ts(entry.ts)))
            placed = Entry(incident_id, entry.entry_id, entry.ts, entry.actor, entry.kind, entry.text, entry.details)
            chained = placed.chained(1, GENESIS_HASH)
            conn.execute(sql.load("sqlite", "insert_entry"), entry_row(chained))
            return chained

        return self._write_once(entry, write)

    async def append(self, entry: Entry) -> Entry:
        self.guard.check(f"timeline entry ({entry.kind})")
        chained = await self._run(self._append_sync, entry)
        await self._announce(chained)
        return chained

    async def declare(self, entry: Entry) -> Entry:
        self.guard.check("declare an incident")
        chained = await self._run(self._declare_sync, entry)
        await self._announce(chained)
        return chained

    # -- reads -----------------------------------------------------------------------------
    async def entries(self, incident_id: str, after_seq: int = 0) -> list[Entry]:
        def _read() -> list[Entry]:
            rows = self.connection.execute(sql.load("sqlite", "entries_after"), (incident_id, after_seq)).fetchall()
            return [entry_from_row(*row) for row in rows]

        return await self._run(_read)

    async def incidents(self) -> list[tuple[str, bool]]:
        return await self._run(lambda: [(r[0], bool(r[1])) for r in self.connection.execute(sql.load("sqlite", "incidents"))])

    async def heads(self) -> dict[str, int]:
        return await self._run(lambda: {r[0]: r[1] for r in self.connection.execute(sql.load("sqlite", "heads"))})

    # -- other processes -------------------------------------------------------------------
    async def _start_watching(self) -> None:
        self._poller = asyncio.ensure_future(self._poll())

    async def _poll(self) -> None:
        version = await self._run(lambda: self.connection.execute("PRAGMA data_version").fetchone()[0])
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                now = await self._run(lambda: self.connection.execute("PRAGMA data_version").fetchone()[0])
                if now != version:
                    version = now
                    await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:  # a locked or vanished file: try again next tick
                continue
