"""The shared war room: incidents in PostgreSQL, pushed to every attached irtui by
LISTEN/NOTIFY, with a local outbox for when the database is unreachable.

Order: all writers of an incident take its row lock (`SELECT ... FOR UPDATE`) in the
INSERT transaction, read the chain head, and append `seq + 1` with `prev_hash` = the
head's hash. One order, one chain, whichever machine writes. The NOTIFY is sent inside the
same transaction, so it is delivered only if the entry committed.

No double entries: `entry_id` is UNIQUE and is the idempotency key; an outbox replay of an
entry that did commit (the connection dropped before the reply) finds it and stops.

Unreachable at start (`start_offline=True`, as the app opens it): the store opens anyway
(`online` False) and keeps reconnecting with
capped, jittered backoff. Entries wait in the outbox; an incident declared meanwhile gets a
provisional id (`INC-YYYYMMDD-Pxxxx`). When the database answers, the outbox is replayed in
order: the provisional declaration takes the next number of the shared sequence, a
`reconciled` entry right after it records provisional id -> real id, and the incident's
waiting entries follow under the real id, chained in the shared order.

Schema: `schema_version` plus `migrations/pg/NNNN_name.sql`, applied in order on open under
an advisory lock so that two processes starting together migrate once. Everything lives in
one schema (`?schema=` in the URL, default `irtui`), so tests can use their own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import random
import re
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from irtui.incident import sql
from irtui.incident.model import GENESIS_HASH, Entry, canonical_json, details_json, entry_from_row, format_ts, utcnow
from irtui.incident.outbox import Outbox
from irtui.incident.store import (
    Store,
    StoreError,
    UnknownIncident,
    incident_id_for,
    is_provisional,
    provisional_incident_id,
)
from irtui.safety import Guard

log = logging.getLogger(__name__)

# Errors meaning "the database is not reachable right now": the entry goes to the outbox.
OFFLINE_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                  asyncpg.CannotConnectNowError, ConnectionError)
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,50}$")
CONNECT_TIMEOUT = 3.0
COMMAND_TIMEOUT = 5.0
RETRY_BASE = 0.2  # seconds; reconnect and replay back off from here...
RETRY_CAP = 5.0   # ...to here, jittered so a war room's machines do not all retry at once


def _q(name: str) -> str:
    return sql.load("pg", name)


def split_url(url: str) -> tuple[str, str]:
    """(dsn without our `schema` parameter, schema name)."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in params if k == "schema"), "irtui")
    rest = [(k, v) for k, v in params if k != "schema"]
    if not _SCHEMA_NAME.match(schema):
        raise StoreError(f"invalid schema name {schema!r} in store URL")
    return urlunsplit(parts._replace(query=urlencode(rest))), schema


def migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("irtui.incident").joinpath("migrations", "pg")
    found = []
    for item in folder.iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", item.name)
        if match:
            found.append((int(match.group(1)), match.group(2), item.read_text(encoding="utf-8")))
    return sorted(found)


class PostgresStore(Store):
    def __init__(self, url: str, *, outbox: Path | str | None = None, guard: Guard | None = None,
                 start_offline: bool = False) -> None:
        super().__init__()
        # The app opens with `start_offline`: a war room must not depend on the database
        # being up when it starts. One-shot readers (`irtui verify`) want the error instead.
        self.start_offline = start_offline
        # Read-only: no migration DDL, no INSERT, no NOTIFY leaves this process.
        self.guard = guard or Guard()
        self.url = url
        self.dsn, self.schema = split_url(url)
        self.channel = f"irtui_{self.schema}"[:63]
        self._outbox_path = Path(outbox) if outbox else None
        self._outbox: Outbox | None = None
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._replayer: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task | None = None
        self._reconciled: dict[str, str] = {}  # provisional incident id -> its id in the shared sequence
        self._closed = False
        self.online = False
        self.role: str | None = None  # the role PostgreSQL authenticated, once connected

    def anchor_scope(self) -> str:
        parts = urlsplit(self.dsn)
        host = parts.hostname or ""
        return f"postgresql://{parts.username or ''}@{host}:{parts.port or 5432}{parts.path}|{self.schema}"

    @property
    def pool(self) -> asyncpg.Pool:
        """The connection pool; StoreError while the shared store has not been reached."""
        if self._pool is None:
            raise StoreError("the shared incident store is not connected")
        return self._pool

    @property
    def outbox(self) -> Outbox:
        """The local outbox `open()` made; StoreError before it or after `close()`."""
        if self._outbox is None:
            raise StoreError("the incident store is not open")
        return self._outbox

    # -- lifecycle -------------------------------------------------------------------------
    def _settings(self) -> dict[str, str]:
        return {"search_path": self.schema, "application_name": "irtui"}

    async def open(self) -> None:
        from irtui.config import data_dir

        key = hashlib.sha256(f"{self.dsn}|{self.schema}".encode()).hexdigest()[:16]
        self._outbox = Outbox(self._outbox_path or data_dir() / f"outbox-{key}.sqlite", key,
                              read_only=self.guard.read_only)
        try:
            self._pool = await self._connect()
        except OFFLINE_ERRORS as exc:
            if not self.start_offline:
                self._outbox.close()
                raise StoreError(f"shared incident store unreachable: {exc}") from exc
            # Entries wait in the outbox; the replayer keeps trying to connect.
            log.warning("shared incident store unreachable at start (%s); entries kept locally", exc)
            self._kick_replay()
            return
        if len(self._outbox) and not self.guard.read_only:
            self._kick_replay()

    async def _connect(self) -> asyncpg.Pool:
        """Migrate (unless read-only) and open a pool; raises one of OFFLINE_ERRORS while
        the database cannot be reached."""
        if not self.guard.read_only:
            conn = await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT)
            try:
                await self._migrate(conn)
            finally:
                await conn.close()
        pool = await asyncpg.create_pool(
            self.dsn, min_size=1, max_size=4, timeout=CONNECT_TIMEOUT, command_timeout=COMMAND_TIMEOUT,
            server_settings=self._settings())
        self.online = True
        return pool

    async def _connected_late(self) -> None:
        """The database answered for the first time since open. Subscribers hear of closed
        incidents' entries from their current heads on (history is not news) and of open
        ones from their declaration (one may have been declared while this machine could
        not see it), so both are read before the pool is published to the readers."""
        pool = await self._connect()
        try:
            if self._delivered is not None:
                is_open = {row[0]: bool(row[1]) for row in await pool.fetch(_q("incidents"))}
                for row in await pool.fetch(_q("heads")):
                    self._delivered.setdefault(row[0], 0 if is_open.get(row[0]) else row[1])
        except BaseException:
            pool.terminate()
            raise
        self._pool = pool
        if self._delivered is not None and self._watchdog is None:
            await self._start_watching()

    async def _migrate(self, conn: asyncpg.Connection) -> None:
        await conn.execute(_q("lock_migrations"), self.schema)
        try:
            statement = await conn.fetchval(_q("create_schema_statement"), self.schema)
            await conn.execute(statement)  # the identifier was quoted by the server's format(%I)
            await conn.execute(_q("set_search_path"), self.schema)
            await conn.execute(_q("schema_version_table"))
            current = await conn.fetchval(_q("schema_version"))
            for version, name, text in migrations():
                if version > current:
                    async with conn.transaction():
                        await conn.execute(text)
                        await conn.execute(_q("record_migration"), version, name)
        finally:
            await conn.execute(_q("unlock_migrations"), self.schema)

    async def close(self) -> None:
        self._closed = True
        for task in (self._replayer, self._watchdog):
            if task:
                task.cancel()
        if self._listener is not None:
            try:
                await asyncio.wait_for(self._listener.close(), 2)
            except Exception:
                self._listener.terminate()
            self._listener = None
        if self._pool is not None:
            try:
                await asyncio.wait_for(self._pool.close(), 3)
            except Exception:
                self._pool.terminate()
            self._pool = None
        if self._outbox is not None:
            self._outbox.close()

    # -- writes ----------------------------------------------------------------------------
    async def _insert(self, entry: Entry) -> Entry:
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                if not await conn.fetchval(_q("lock_incident"), entry.incident_id):
                    raise UnknownIncident(f"no incident {entry.incident_id}")
                row = await conn.fetchrow(_q("entry_by_id"), entry.entry_id)
                if row:
                    return entry_from_row(*row)
                last = await conn.fetchrow(_q("last_entry"), entry.incident_id)
                entry = await self._authored(conn, entry)
                chained = entry.chained((last[0] if last else 0) + 1, last[1] if last else GENESIS_HASH)
                await conn.execute(_q("insert_entry"), *_row(chained))
                await conn.execute(_q("notify"), self.channel, f"{chained.incident_id}:{chained.seq}")
                return chained

    async def _authored(self, conn: asyncpg.Connection, entry: Entry) -> Entry:
        """`entry` with its author's PostgreSQL role, as the server sees it (a trigger
        refuses an entry whose `db_role` is not the inserting role)."""
        if self.role is None:
            self.role = await conn.fetchval(_q("current_role"))
        return dataclasses.replace(entry, actor=dataclasses.replace(entry.actor, db_role=self.role))

    async def append(self, entry: Entry) -> Entry:
        self.guard.check(f"timeline entry ({entry.kind}) to the shared incident store")
        entry = self._renamed(entry)
        async with self._write_lock:
            # Once anything waits in the outbox, later entries queue behind it: order is kept.
            if len(self.outbox) == 0 and self._pool is not None and not is_provisional(entry.incident_id):
                try:
                    chained = await self._insert(entry)
                except OFFLINE_ERRORS as exc:
                    log.warning("shared store unreachable (%s); entry kept in the local outbox", exc)
                    self.online = False
                else:
                    self.online = True
                    # The entry is committed; failing to fetch it back for subscribers must
                    # not make the caller think it was lost (the watchdog catches up later).
                    await self._safe_announce(chained)
                    return chained
            self.outbox.put(entry)
            self._kick_replay()
        self._deliver_pending(entry)
        return entry

    async def declare(self, entry: Entry) -> Entry:
        """A new number of the shared sequence; while the database is unreachable, a
        provisional id, and the declaration waits in the outbox to be numbered."""
        self.guard.check("declare an incident in the shared incident store")
        if self._pool is not None:
            try:
                placed = await self._declare(entry)
            except OFFLINE_ERRORS as exc:
                log.warning("shared store unreachable (%s); incident declared with a provisional id", exc)
                self.online = False
            else:
                self.online = True
                for chained in placed:
                    await self._safe_announce(chained)
                return placed[0]
        provisional = dataclasses.replace(entry, incident_id=provisional_incident_id(entry.ts))
        async with self._write_lock:
            self.outbox.put(provisional)
            self._kick_replay()
        self._deliver_pending(provisional)
        return provisional

    async def _declare(self, entry: Entry) -> list[Entry]:
        """Number and insert a declaration (idempotent on its entry_id). A provisional one
        gets, in the same transaction, the `reconciled` entry recording its real id."""
        provisional = entry.incident_id if is_provisional(entry.incident_id) else None
        day = entry.ts.strftime("%Y%m%d")
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute(_q("lock_day"), day)
                row = await conn.fetchrow(_q("entry_by_id"), entry.entry_id)
                if row:
                    declared = entry_from_row(*row)
                    placed = [declared]
                    mapping = await conn.fetchrow(_q("entry_by_id"), _reconciled_id(provisional)) if provisional else None
                    return placed + ([entry_from_row(*mapping)] if mapping else [])
                n = await conn.fetchval(_q("next_incident_number"), day)
                incident_id = incident_id_for(entry.ts, n)
                await conn.execute(_q("insert_incident"), incident_id, day, n, format_ts(entry.ts))
                entry = await self._authored(conn, entry)
                declared = dataclasses.replace(entry, incident_id=incident_id).chained(1, GENESIS_HASH)
                placed = [declared]
                if provisional:
                    assert declared.hash is not None  # chained() hashes what it places
                    placed.append(_reconciled_entry(provisional, declared).chained(2, declared.hash))
                for chained in placed:
                    await conn.execute(_q("insert_entry"), *_row(chained))
                await conn.execute(_q("notify"), self.channel, f"{incident_id}:{len(placed)}")
        return placed

    def _renamed(self, entry: Entry) -> Entry:
        """`entry` under its incident's real id, once a provisional one has been numbered."""
        real = self._reconciled.get(entry.incident_id)
        return dataclasses.replace(entry, incident_id=real) if real else entry

    async def _numbered(self, entry: Entry) -> Entry:
        """`entry` under its incident's real id, looked up in the database when this process
        did not number it (it crashed after the declaration was placed, before the rest)."""
        if is_provisional(entry.incident_id) and entry.incident_id not in self._reconciled:
            row = await self.pool.fetchrow(_q("entry_by_id"), _reconciled_id(entry.incident_id))
            if row:
                self._reconciled[entry.incident_id] = row[0]
        return self._renamed(entry)

    def _kick_replay(self) -> asyncio.Task[None]:
        if self._replayer is None or self._replayer.done():
            self._replayer = asyncio.ensure_future(self._replay())
        return self._replayer

    async def _replay(self) -> None:
        """Connect if not yet connected, then send outbox entries oldest first, each once,
        until the outbox is empty; back off while the database is unreachable."""
        attempt = 0
        while not self._closed:
            try:
                if self._pool is None:
                    await self._connected_late()
                if self.guard.read_only:
                    return
                async with self._write_lock:
                    waiting = self.outbox.all()
                    if not waiting:
                        return
                    log.warning("shared incident store reachable; replaying %d entries from the local outbox",
                                len(waiting))
                    for entry in waiting:
                        await self._place(entry)
                attempt = 0
                continue
            except OFFLINE_ERRORS:
                self.online = False
            except Exception as exc:  # e.g. a read-only screen before any writer made the schema
                log.warning("shared incident store not usable yet (%s); retrying", exc)
                self.online = False
            attempt += 1
            await asyncio.sleep(_backoff(attempt))

    async def _place(self, entry: Entry) -> None:
        """One outbox entry into the shared order (numbering its incident if provisional)."""
        try:
            if entry.kind == "declared" and is_provisional(entry.incident_id):
                placed = await self._declare(entry)
                self._reconciled[entry.incident_id] = placed[0].incident_id
            else:
                placed = [await self._insert(await self._numbered(entry))]
        except UnknownIncident:
            log.error("outbox entry for an unknown incident dropped: %s", entry.entry_id)
            self.outbox.delete(entry.entry_id)
            return
        self.outbox.delete(entry.entry_id)
        self.online = True
        for chained in placed:
            await self._safe_announce(chained)

    async def flush(self, timeout: float = 30.0) -> None:
        """Wait until the outbox is empty (tests, clean shutdown)."""
        if len(self.outbox):
            replayer = self._kick_replay()
            await asyncio.wait_for(asyncio.shield(replayer), timeout)

    # -- reads -----------------------------------------------------------------------------
    # Never connected yet: nothing of the shared store is known, only what waits locally.
    async def entries(self, incident_id: str, after_seq: int = 0) -> list[Entry]:
        if self._pool is None:
            return []
        rows = await self._pool.fetch(_q("entries_after"), incident_id, after_seq)
        return [entry_from_row(*row) for row in rows]

    async def incidents(self) -> list[tuple[str, bool]]:
        if self._pool is None:
            return self._provisional_incidents()
        return [(r[0], bool(r[1])) for r in await self._pool.fetch(_q("incidents"))]

    async def heads(self) -> dict[str, int]:
        if self._pool is None:
            return {}
        return {r[0]: r[1] for r in await self._pool.fetch(_q("heads"))}

    async def pending(self, incident_id: str | None = None) -> list[Entry]:
        waiting = [self._renamed(e) for e in self.outbox.all()]
        return [e for e in waiting if incident_id is None or e.incident_id == incident_id]

    def _provisional_incidents(self) -> list[tuple[str, bool]]:
        """Incidents declared here while unreachable and not numbered yet, newest first."""
        found: dict[str, bool] = {}
        for entry in self.outbox.all():
            if is_provisional(entry.incident_id):
                if entry.kind == "declared":
                    found[entry.incident_id] = True
                elif entry.kind in ("closed", "reopened") and entry.incident_id in found:
                    found[entry.incident_id] = entry.kind == "reopened"
        return list(reversed(found.items()))

    # -- other processes -------------------------------------------------------------------
    async def _start_watching(self) -> None:
        await self._listen()
        self._watchdog = asyncio.ensure_future(self._watch())

    async def _listen(self) -> None:
        try:
            conn = await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT, server_settings=self._settings())
            await conn.add_listener(self.channel, self._on_notify)
            self._listener = conn
        except OFFLINE_ERRORS as exc:
            log.warning("cannot LISTEN for shared incident updates yet: %s", exc)
            self._listener = None

    def _on_notify(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        incident_id = payload.rsplit(":", 1)[0]
        asyncio.ensure_future(self._safe_catch_up(incident_id))

    async def _safe_announce(self, chained: Entry) -> None:
        try:
            await self._announce(chained)
        except OFFLINE_ERRORS:
            pass
        except Exception:
            log.exception("catch-up failed")

    async def _safe_catch_up(self, incident_id: str | None) -> None:
        try:
            await self.catch_up(incident_id)
        except OFFLINE_ERRORS:
            pass  # the watchdog catches up everything once it reconnects
        except Exception:
            log.exception("catch-up failed")

    async def _watch(self) -> None:
        """Reconnect the LISTEN connection when it drops, then fetch what we missed."""
        while not self._closed:
            await asyncio.sleep(0.5)
            # Until the replayer has connected once, it alone knocks (with backoff).
            if self._pool is not None and (self._listener is None or self._listener.is_closed()):
                if self._listener is not None:
                    self._listener.terminate()
                    self._listener = None
                await self._listen()
                if self._listener is not None:
                    await self._safe_catch_up(None)


def _backoff(attempt: int) -> float:
    ceiling = min(RETRY_CAP, RETRY_BASE * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _reconciled_id(provisional: str) -> str:
    # Derived from the provisional id: a replay after a crash finds the entry it wrote.
    return hashlib.sha256(f"reconciled|{provisional}".encode()).hexdigest()[:32]


def _reconciled_entry(provisional: str, declared: Entry) -> Entry:
    return Entry(declared.incident_id, _reconciled_id(provisional), utcnow(), declared.actor, "reconciled",
                 f"declared as {provisional} while the shared store was unreachable; numbered {declared.incident_id}",
                 {"provisional_id": provisional, "incident_id": declared.incident_id})


def _row(entry: Entry) -> tuple:
    return (entry.incident_id, entry.seq, entry.entry_id, format_ts(entry.ts), canonical_json(entry.actor.to_dict()),
            entry.kind, entry.text, details_json(entry.details), entry.prev_hash, entry.hash)
