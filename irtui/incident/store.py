"""The store contract both backends fulfil, store URLs, and in-order delivery to subscribers.

A store keeps incidents and their timelines. `append` returns only once the entry is
durable (committed to SQLite with fsync, committed in PostgreSQL, or, when PostgreSQL is
unreachable, committed to the local outbox, in which case the entry comes back `pending`).
Subscribers receive every new entry of every incident, from this process and from others,
exactly once and in `seq` order; a pending entry is delivered once as pending and again
when it has been placed in the shared order.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Any

from irtui.incident.model import Actor, Entry, new_entry_id, utcnow
from irtui.redact import redact, redact_text

log = logging.getLogger(__name__)

Subscriber = Callable[[Entry], Any]


class StoreError(Exception):
    """A store operation that cannot be done (unknown incident, unreachable with no outbox)."""


class UnknownIncident(StoreError):
    pass


def make_entry(incident_id: str, kind: str, text: str, details: dict[str, Any] | None, actor: Actor, *,
               entry_id: str | None = None, ts: datetime | None = None) -> Entry:
    """A new, not-yet-chained entry with secrets redacted from its text and details."""
    return Entry(incident_id=incident_id, entry_id=entry_id or new_entry_id(), ts=ts or utcnow(), actor=actor,
                 kind=kind, text=redact_text(text), details=redact(dict(details or {})))


def incident_id_for(day: datetime, n: int) -> str:
    return f"INC-{day.strftime('%Y%m%d')}-{n}"


def provisional_incident_id(day: datetime) -> str:
    """An id for an incident declared while the shared store is unreachable (`INC-YYYYMMDD-Pxxxx`):
    unique enough among a war room's machines, and never mistaken for a number of the shared
    sequence, which replaces it when the store returns."""
    return f"INC-{day.strftime('%Y%m%d')}-P{secrets.token_hex(2)}"


def is_provisional(incident_id: str | None) -> bool:
    return incident_id is not None and incident_id.rsplit("-", 1)[-1].startswith("P")


class Store(ABC):
    """Incidents and timelines. Subclasses implement the storage; this class delivers."""

    url: str = ""
    online: bool = True  # False while a shared store cannot be reached (writes wait locally)

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._delivered: dict[str, int] | None = None  # incident -> highest seq delivered
        self._catchup_lock = asyncio.Lock()

    # -- storage, implemented by backends ------------------------------------------------
    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def declare(self, entry: Entry) -> Entry:
        """Create an incident whose first entry is `entry` (kind "declared"); its
        `incident_id` is ignored and replaced by a new `INC-YYYYMMDD-N`."""

    @abstractmethod
    async def append(self, entry: Entry) -> Entry:
        """Append durably; idempotent on `entry.entry_id` (a replay returns the stored entry)."""

    @abstractmethod
    async def entries(self, incident_id: str, after_seq: int = 0) -> list[Entry]:
        """The chained timeline in `seq` order (pending outbox entries are not included)."""

    @abstractmethod
    async def incidents(self) -> list[tuple[str, bool]]:
        """(incident id, is open), newest first."""

    @abstractmethod
    async def heads(self) -> dict[str, int]:
        """Highest seq of each incident."""

    async def pending(self, incident_id: str | None = None) -> list[Entry]:
        """Entries durable locally but not yet in the shared order (outbox); none for SQLite."""
        return []

    def anchor_scope(self) -> str:
        """What names this store for local anchors (`irtui.incident.anchor`): the same on
        every open of the same store, and without credentials."""
        return self.url

    # -- convenience ---------------------------------------------------------------------
    async def open_incident(self) -> str | None:
        """The most recent incident that is still open, if any."""
        for incident_id, is_open in await self.incidents():
            if is_open:
                return incident_id
        return None

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- subscriptions -------------------------------------------------------------------
    async def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(entry)` on this event loop for every entry appended from now on,
        by any process. Returns a function that unsubscribes."""
        if self._delivered is None:
            self._delivered = dict(await self.heads())
            await self._start_watching()
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    async def _start_watching(self) -> None:  # noqa: B027 - optional hook: a store may have nothing to watch
        """Begin noticing other processes' writes (poll, LISTEN...)."""

    def _deliver(self, entry: Entry) -> None:
        for callback in list(self._subscribers):
            try:
                result = callback(entry)
                if asyncio.iscoroutine(result):
                    asyncio.ensure_future(result)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("incident subscriber failed")

    def _deliver_pending(self, entry: Entry) -> None:
        if self._delivered is not None:
            self._deliver(entry)

    async def _announce(self, chained: Entry) -> None:
        """Deliver an entry this process just wrote: directly when it is the next one
        expected (no read back), else by catching up in order."""
        if self._delivered is None:
            return
        async with self._catchup_lock:
            if chained.seq == self._delivered.get(chained.incident_id, 0) + 1:
                self._delivered[chained.incident_id] = chained.seq
                self._deliver(chained)
                return
        await self.catch_up(chained.incident_id)

    async def catch_up(self, incident_id: str | None = None) -> None:
        """Deliver entries not yet delivered, in order (one incident, or all)."""
        if self._delivered is None:
            return
        async with self._catchup_lock:
            if incident_id is None:
                heads = await self.heads()
                targets = [i for i, seq in heads.items() if seq > self._delivered.get(i, 0)]
            else:
                targets = [incident_id]
            for target in targets:
                for entry in await self.entries(target, self._delivered.get(target, 0)):
                    if entry.seq != self._delivered.get(target, 0) + 1:
                        break  # a gap means a concurrent writer: the next catch-up fills it in order
                    self._delivered[target] = entry.seq
                    self._deliver(entry)
