"""The PostgreSQL monitor: one `poll()` answers the runbook's database questions as plain data.

Is it up (with a timeout), which version, since when, how many connections of
`max_connections`, by state; which statements run longer than the threshold; who blocks
whom (`pg_blocking_pids`); replication on the primary and, if configured, on the replica;
database sizes. When the server goes away the monitor says since when, retries with
capped, jittered exponential backoff, and recovers on its own.

No Textual here: the feed (`feed.py`) calls `poll()`, the database pane renders the snapshot.
Text the server returns is made visible here (`irtui.text`): any client sets its own
`application_name`, and `pg_stat_activity.query` is whatever a client sent.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from irtui.backoff import backoff_delay
from irtui.database.connection import CONNECTION_ERRORS, MonitorConnection, describe_error, mask_dsn, own_pids
from irtui.database.settings import DatabaseSettings
from irtui.text import visible, visible_lines

_QUERY_FIELDS = frozenset({"query", "blocked_query", "blocking_query"})


def _plain(record) -> dict:
    """A row with every text column made visible (queries keep their line breaks)."""
    return {key: (visible_lines(value) if key in _QUERY_FIELDS else visible(value)) if isinstance(value, str) else value
            for key, value in dict(record).items()}


@dataclass(frozen=True)
class Backend:
    pid: int
    user: str | None
    application: str | None
    client: str | None
    database: str | None
    backend_start: datetime | None
    query_start: datetime | None
    state: str | None
    seconds: float | None
    wait_event: str | None
    query: str | None


@dataclass(frozen=True)
class BlockedPair:
    blocked_pid: int
    blocked_user: str | None
    blocked_application: str | None
    blocked_seconds: float | None
    wait_event: str | None
    blocked_query: str | None
    blocking_pid: int
    blocking_user: str | None
    blocking_application: str | None
    blocking_state: str | None
    blocking_query: str | None


@dataclass
class DbSnapshot:
    """What the monitor knows after one poll. When unreachable, the last good values stay in
    the pane; this snapshot says since when and when the next attempt is."""

    at: float
    dsn: str  # masked
    reachable: bool
    error: str | None = None
    unreachable_since: float | None = None
    retry_in: float | None = None
    attempt: int = 0
    latency_ms: float | None = None
    server_version: str | None = None
    started: datetime | None = None
    server_now: datetime | None = None
    max_connections: int | None = None
    in_recovery: bool | None = None
    database: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    long_running: list[Backend] = field(default_factory=list)
    blocked: list[BlockedPair] = field(default_factory=list)
    replication: list[dict] = field(default_factory=list)
    replica: dict | None = None
    replica_error: str | None = None
    sizes: list[tuple[str, int]] | None = None
    threshold_seconds: float = 300.0

    @property
    def uptime_seconds(self) -> float | None:
        if self.started is None or self.server_now is None:
            return None
        return (self.server_now - self.started).total_seconds()


class DatabaseMonitor:
    """Polls one PostgreSQL server (and optionally its replica) through read-only sessions."""

    def __init__(self, settings: DatabaseSettings, clock=time.time, rng: random.Random | None = None) -> None:
        if not settings.dsn:
            raise ValueError("no database configured: [database] dsn, $IRTUI_DB_DSN or --db-dsn")
        self.settings = settings
        self.conn = MonitorConnection(settings.dsn, settings)
        self.replica_conn = MonitorConnection(settings.replica_dsn, settings) if settings.replica_dsn else None
        self.clock = clock
        self.rng = rng or random.Random()
        self.unreachable_since: float | None = None
        self.attempt = 0
        self.last_error: str | None = None
        self._sizes: list[tuple[str, int]] | None = None
        self._sizes_at = 0.0
        self.threshold_seconds = settings.long_running_seconds

    @property
    def masked_dsn(self) -> str:
        return mask_dsn(self.settings.dsn)

    def next_delay(self, snapshot: DbSnapshot) -> float:
        """When to poll next: the interval when up, the backoff when not."""
        return snapshot.retry_in if snapshot.retry_in is not None else self.settings.interval

    async def poll(self) -> DbSnapshot:
        at = self.clock()
        s = self.settings
        try:
            started = time.perf_counter()
            info = (await self.conn.fetch("server_info"))[0]
            latency_ms = (time.perf_counter() - started) * 1000
            own = own_pids(s.dsn)  # after the first query: this session is open by now
            counts = dict((await self.conn.fetch("activity_counts", own))[0])
            long_running = [Backend(**_plain(r)) for r in await self.conn.fetch(
                "long_running", own, float(self.threshold_seconds), s.query_chars, s.max_rows)]
            blocked = [BlockedPair(**_plain(r)) for r in await self.conn.fetch("blocking", own, s.query_chars, s.max_rows)]
            replication = [_plain(r) for r in await self.conn.fetch("replication_primary")]
            if self._sizes is None or at - self._sizes_at >= s.sizes_interval:
                self._sizes = [(visible(r["name"]), r["bytes"]) for r in await self.conn.fetch("database_sizes", 10)]
                self._sizes_at = at
        except CONNECTION_ERRORS as exc:
            return self._unreachable(at, exc)
        except asyncpg.PostgresError as exc:
            # The server answered but a query failed (e.g. statement_timeout on a loaded
            # server): it is up, the numbers are incomplete, and the pane says why.
            self._reachable()
            self.last_error = visible(describe_error(exc, s.dsn))
            return DbSnapshot(at, self.masked_dsn, True, error=self.last_error, threshold_seconds=self.threshold_seconds)
        self._reachable()
        snapshot = DbSnapshot(
            at, self.masked_dsn, True, latency_ms=latency_ms,
            server_version=visible(info["server_version"]), started=info["started"], server_now=info["now"],
            max_connections=info["max_connections"], in_recovery=info["in_recovery"],
            database=visible(info["database"]),
            counts=counts, long_running=long_running, blocked=blocked, replication=replication,
            sizes=self._sizes, threshold_seconds=self.threshold_seconds,
        )
        if self.replica_conn is not None:
            try:
                snapshot.replica = _plain((await self.replica_conn.fetch("replication_replica"))[0])
            except Exception as exc:  # the replica's trouble is shown, it never hides the primary
                snapshot.replica_error = visible(describe_error(exc, s.replica_dsn))
        return snapshot

    def failed(self, exc: BaseException) -> DbSnapshot:
        """A poll that failed in an unforeseen way: treated as unreachable, so it is retried."""
        return self._unreachable(self.clock(), exc)

    def _reachable(self) -> None:
        self.unreachable_since = None
        self.attempt = 0
        self.last_error = None

    def _unreachable(self, at: float, exc: BaseException) -> DbSnapshot:
        if self.unreachable_since is None:
            self.unreachable_since = at
        self.attempt += 1
        self.last_error = visible(describe_error(exc, self.settings.dsn))
        delay = backoff_delay(self.attempt, self.settings.backoff_base, self.settings.backoff_cap, self.rng)
        return DbSnapshot(at, self.masked_dsn, False, error=self.last_error, unreachable_since=self.unreachable_since,
                          retry_in=delay, attempt=self.attempt, threshold_seconds=self.threshold_seconds)

    async def close(self) -> None:
        await self.conn.close()
        if self.replica_conn is not None:
            await self.replica_conn.close()
