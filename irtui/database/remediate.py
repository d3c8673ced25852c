"""The runbook's database remediations, as plain async objects for the action framework.

Each one follows the same shape:

- `describe()` reads (allowed in read-only mode) and pins the exact target: pid, user,
  application, client, query start, the query, plus the equivalent `psql` command with the
  DSN's password masked. The pid is pinned together with its `backend_start`, so a pid
  reused by a new connection is never hit.
- `preview()` is the list of backends that *would* be acted on (for the bulk terminate,
  the runbook's selection listed before anything is sent).
- `execute()` acts through the `RemediationConnection`, which asks the `Guard` first and
  raises `ReadOnlyError` before connecting or sending anything in read-only mode. It acts
  only on the targets `describe()` returned (calling it first if needed).

Actions: `CancelBackend(pid)`, `TerminateBackend(pid)`, `TerminateLongRunning(minutes)`
(the runbook's "kill long-running queries"), `PromoteReplica()` (`pg_promote()` on the
replica DSN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from irtui.database.connection import RemediationConnection, mask_dsn, own_pids
from irtui.database.settings import DatabaseSettings
from irtui.safety import Guard


class TargetGone(Exception):
    """The backend to act on no longer exists (or its pid now belongs to another connection)."""


@dataclass(frozen=True)
class BackendTarget:
    pid: int
    user: str | None
    application: str | None
    client: str | None
    database: str | None
    backend_start: datetime | None
    query_start: datetime | None
    state: str | None
    query: str | None

    def line(self) -> str:
        started = self.query_start.strftime("%H:%M:%S") if self.query_start else "-"
        return (f"pid {self.pid}  user {self.user or '-'}  app {self.application or '-'}  "
                f"client {self.client or 'local'}  query since {started}  {self.state or '-'}: {self.query or ''}")


@dataclass(frozen=True)
class Description:
    """What an action will do, to what, where; what the confirmation shows and the timeline keeps."""

    action_id: str
    title: str
    danger: str  # "medium" | "high"
    target_kind: str
    dsn: str  # masked
    command: str  # the equivalent psql command
    targets: tuple[BackendTarget, ...] = ()
    summary: str = ""
    refusal: str | None = None  # why it cannot run at all (e.g. promote on a primary)

    def text(self) -> str:
        lines = [f"{self.title} on {self.dsn}", self.summary]
        lines += [f"  {t.line()}" for t in self.targets]
        if self.refusal:
            lines.append(f"cannot run: {self.refusal}")
        lines.append(f"equivalent: {self.command}")
        return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    pids: tuple[int, ...] = ()
    details: dict = field(default_factory=dict)


class DatabaseClients:
    """The remediation connections of a session: primary, and replica when configured."""

    def __init__(self, settings: DatabaseSettings, guard: Guard) -> None:
        self.settings = settings
        self.guard = guard
        self.primary = RemediationConnection(settings.dsn, settings, guard)
        self.replica = RemediationConnection(settings.replica_dsn, settings, guard) if settings.replica_dsn else None

    async def close(self) -> None:
        await self.primary.close()
        if self.replica is not None:
            await self.replica.close()


def psql(dsn: str, statement: str) -> str:
    return f"psql '{mask_dsn(dsn)}' -c \"{statement}\""


class DbRemediation:
    """Common shape; subclasses set the ids and the SQL."""

    id = ""
    title = ""
    danger = "medium"
    target_kind = "database backend"

    def __init__(self, clients: DatabaseClients) -> None:
        self.clients = clients
        self.conn = clients.primary
        self.described: Description | None = None

    @property
    def settings(self) -> DatabaseSettings:
        return self.clients.settings

    def command(self) -> str:
        raise NotImplementedError

    async def preview(self) -> list[BackendTarget]:
        return list((await self.describe()).targets)

    async def describe(self) -> Description:
        raise NotImplementedError

    async def execute(self) -> Outcome:
        raise NotImplementedError

    async def _targets(self) -> tuple[BackendTarget, ...]:
        if self.described is None:
            await self.describe()
        return self.described.targets


class _OneBackend(DbRemediation):
    function = ""

    def __init__(self, clients: DatabaseClients, pid: int) -> None:
        super().__init__(clients)
        self.pid = int(pid)

    def command(self) -> str:
        return psql(self.settings.dsn, f"SELECT {self.function}({self.pid});")

    async def describe(self) -> Description:
        rows = await self.conn.read("backend_target", self.pid, self.settings.query_chars)
        targets = tuple(BackendTarget(**dict(r)) for r in rows)
        refusal = None if targets else f"no client backend with pid {self.pid}"
        self.described = Description(self.id, f"{self.title} {self.pid}", self.danger, self.target_kind,
                                     mask_dsn(self.settings.dsn), self.command(), targets, refusal=refusal)
        return self.described

    async def execute(self) -> Outcome:
        targets = await self._targets()
        # Refuse in read-only mode before anything else, even when the target is gone.
        self.clients.guard.check(f"{self.function}({self.pid})")
        if not targets:
            raise TargetGone(f"no client backend with pid {self.pid}")
        target = targets[0]
        rows = await self.conn.act(f"{self.function}({self.pid})", self.sql, target.pid, target.backend_start)
        if not rows:
            raise TargetGone(f"backend {self.pid} ended or its pid was reused before the {self.function} was sent")
        done = bool(rows[0]["done"])
        verb = "cancelled the query of" if self.function == "pg_cancel_backend" else "terminated"
        message = f"{verb} backend {self.pid}" if done else f"{self.function}({self.pid}) returned false"
        return Outcome(done, message, (self.pid,))


class CancelBackend(_OneBackend):
    """Cancel one backend's current query; the session stays connected."""

    id = "db-cancel-backend"
    title = "Cancel query of backend"
    danger = "medium"
    function = "pg_cancel_backend"
    sql = "cancel_backend"


class TerminateBackend(_OneBackend):
    """Terminate one backend: its transaction is rolled back and the client disconnected."""

    id = "db-terminate-backend"
    title = "Terminate backend"
    danger = "high"
    function = "pg_terminate_backend"
    sql = "terminate_backend"


class TerminateLongRunning(DbRemediation):
    """The runbook's "kill long-running queries": every active statement older than N minutes.

    `describe()` lists the pids first; `execute()` terminates exactly those that still
    match, never a backend that started its query after the list was shown.
    """

    id = "db-terminate-long-running"
    title = "Terminate long-running queries"
    danger = "high"
    target_kind = "database backends"

    def __init__(self, clients: DatabaseClients, minutes: float | None = None, application: str | None = None) -> None:
        super().__init__(clients)
        self.minutes = float(minutes if minutes is not None else clients.settings.long_running_minutes)
        # Optional narrowing to one client application; None is the runbook's server-wide query.
        self.application = application

    @property
    def seconds(self) -> float:
        return self.minutes * 60

    def _interval(self) -> str:
        if self.minutes == int(self.minutes):
            n = int(self.minutes)
            return f"{n} minute{'s' if n != 1 else ''}"
        return f"{self.seconds:g} seconds"

    def command(self) -> str:
        quoted = (self.application or "").replace("'", "''")  # SQL string literal quoting
        narrow = f"AND application_name = '{quoted}' " if self.application else ""
        return psql(self.settings.dsn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'active' "
                                       f"AND query_start < now() - interval '{self._interval()}' {narrow}".rstrip() + ";")

    async def describe(self) -> Description:
        rows = await self.conn.read("long_running_targets", self.seconds, own_pids(self.settings.dsn),
                                    self.settings.query_chars, self.application)
        targets = tuple(BackendTarget(**dict(r)) for r in rows)
        summary = (f"{len(targets)} active quer{'y' if len(targets) == 1 else 'ies'} running longer than "
                   f"{self._interval()}: pids {', '.join(str(t.pid) for t in targets) or 'none'}")
        self.described = Description(self.id, self.title, self.danger, self.target_kind, mask_dsn(self.settings.dsn),
                                     self.command(), targets, summary,
                                     refusal=None if targets else "no query runs longer than that")
        return self.described

    async def execute(self) -> Outcome:
        targets = await self._targets()
        what = f"pg_terminate_backend of {len(targets)} long-running backends"
        self.clients.guard.check(what)
        if not targets:
            return Outcome(True, "nothing to terminate", ())
        rows = await self.conn.act(what, "terminate_long_running", [t.pid for t in targets],
                                   [t.backend_start for t in targets], self.seconds)
        done = tuple(r["pid"] for r in rows if r["done"])
        skipped = sorted({t.pid for t in targets} - set(done))
        message = f"terminated {len(done)} of {len(targets)} backends"
        if skipped:
            message += f" (already gone or no longer matching: {', '.join(map(str, skipped))})"
        return Outcome(bool(done) or not targets, message, done, {"skipped": skipped})


class PromoteReplica(DbRemediation):
    """`pg_promote()` on the replica: the runbook's step 4 of "P0: Database Failure"."""

    id = "db-promote-replica"
    title = "Promote replica to primary"
    danger = "high"
    target_kind = "database server"

    def __init__(self, clients: DatabaseClients, wait_seconds: int = 60) -> None:
        super().__init__(clients)
        self.wait_seconds = int(wait_seconds)
        self.conn = clients.replica or clients.primary
        self.dsn = clients.settings.replica_dsn or clients.settings.dsn

    def command(self) -> str:
        return psql(self.dsn, f"SELECT pg_promote(true, {self.wait_seconds});")

    async def describe(self) -> Description:
        refusal = None
        if self.clients.replica is None:
            refusal = "no replica configured ([database] replica_dsn)"
        state = dict((await self.conn.read("replication_replica"))[0])
        if refusal is None and not state["in_recovery"]:
            refusal = "the server is not in recovery: it is already a primary"
        summary = (f"in recovery: {state['in_recovery']}, replay lag "
                   f"{_fmt(state['lag_bytes'])} bytes, last replay {_fmt(state['delay_seconds'])} s ago")
        self.described = Description(self.id, self.title, self.danger, self.target_kind, mask_dsn(self.dsn),
                                     self.command(), (), summary, refusal)
        return self.described

    async def execute(self) -> Outcome:
        what = "pg_promote() on the replica"
        self.clients.guard.check(what)
        if self.described is None:
            await self.describe()
        if self.described.refusal:
            return Outcome(False, f"not promoted: {self.described.refusal}")
        rows = await self.conn.act(what, "promote", self.wait_seconds)
        promoted = bool(rows[0]["promoted"])
        return Outcome(promoted, "replica promoted" if promoted else f"promotion did not finish in {self.wait_seconds}s")


def _fmt(value) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
