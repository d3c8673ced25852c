"""irtui's two kinds of PostgreSQL connection, and how a DSN is shown.

- `MonitorConnection` only looks: the server itself enforces it
  (`default_transaction_read_only=on`), every statement has a `statement_timeout`, and the
  session is named `application_name=irtui`, so a DBA sees who it is.
- `own_pids(dsn)`: the server pids of this process's open sessions, which the activity list
  leaves out and no remediation targets. By pid, not by name: anyone can name a session
  `irtui`, and a runaway query hidden that way would be neither seen nor terminated.
- `RemediationConnection` is separate, so a kill is never queued behind a slow monitoring
  query; it consults the session's `Guard` before it connects or sends anything that acts,
  so read-only mode is enforced here and not by hiding keys.

Passwords come from the DSN, `PGPASSWORD` or `~/.pgpass` (asyncpg follows libpq's rules)
and are never shown: everything displayed or logged goes through `mask_dsn`, which is the
redaction policy (`irtui.redact`) applied to a DSN.
"""

from __future__ import annotations

import asyncio
import weakref
from urllib.parse import urlsplit

import asyncpg

from irtui.database import sql
from irtui.database.settings import DatabaseSettings
from irtui.redact import REDACTED, redact_text
from irtui.safety import Guard

# Failures that mean "the server is not there", as opposed to an error in one query.
CONNECTION_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.InterfaceError,
                     asyncpg.exceptions.ConnectionDoesNotExistError,
                     asyncpg.exceptions.CannotConnectNowError,
                     asyncpg.exceptions.AdminShutdownError,
                     asyncpg.exceptions.CrashShutdownError,
                     asyncpg.exceptions.TooManyConnectionsError)


def mask_dsn(dsn: str) -> str:
    """The DSN with any password (userinfo, `password=` parameters) redacted."""
    return redact_text(dsn) if dsn else ""


def describe_error(exc: BaseException, dsn: str = "") -> str:
    """One line for the screen; the DSN's password is masked if the driver echoed it."""
    text = str(exc).strip().splitlines()
    line = f"{type(exc).__name__}: {text[0]}" if text and text[0] else type(exc).__name__
    if dsn:
        line = line.replace(dsn, mask_dsn(dsn))
        try:
            password = urlsplit(dsn).password
        except ValueError:
            password = None
        if password:
            line = line.replace(password, REDACTED)
    return line


_sessions: weakref.WeakSet[_Base] = weakref.WeakSet()


def own_pids(dsn: str) -> list[int]:
    """Server pids of irtui's open sessions (this process's) to the server `dsn` names."""
    return sorted(pid for session in list(_sessions) if session.dsn == dsn and (pid := session.pid) is not None)


class _Base:
    def __init__(self, dsn: str, settings: DatabaseSettings) -> None:
        _sessions.add(self)
        self.dsn = dsn
        self.settings = settings
        self._conn: asyncpg.Connection | None = None
        # asyncpg allows one operation at a time per connection; the pane's poll and a
        # describe() from a key press may overlap, so they take turns.
        self._lock = asyncio.Lock()

    @property
    def masked_dsn(self) -> str:
        return mask_dsn(self.dsn)

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    @property
    def pid(self) -> int | None:
        return self._conn.get_server_pid() if self.connected else None

    def _server_settings(self) -> dict[str, str]:
        return {"application_name": self.settings.application_name}

    async def _connection(self) -> asyncpg.Connection:
        if not self.connected:
            self._conn = None
            self._conn = await asyncpg.connect(
                dsn=self.dsn, timeout=self.settings.connect_timeout,
                server_settings=self._server_settings(),
            )
        return self._conn

    async def _fetch(self, name: str, *args, readonly_tx: bool = False) -> list[asyncpg.Record]:
        async with self._lock:
            conn = await self._connection()
            try:
                if readonly_tx:
                    async with conn.transaction(readonly=True):
                        return await conn.fetch(sql.load(name), *args, timeout=self.settings.query_timeout)
                return await conn.fetch(sql.load(name), *args, timeout=self.settings.query_timeout)
            except CONNECTION_ERRORS:
                await self._drop()
                raise

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            # terminate(), not close(): close() waits for the server, which may be gone.
            conn.terminate()

    async def close(self) -> None:
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None and not conn.is_closed():
                try:
                    await asyncio.wait_for(conn.close(), 2)
                except Exception:  # the server or the network is gone: drop the socket
                    conn.terminate()


class MonitorConnection(_Base):
    """A read-only session (enforced by the server) for the monitoring queries."""

    def _server_settings(self) -> dict[str, str]:
        return {
            "application_name": self.settings.application_name,
            "default_transaction_read_only": "on",
            "statement_timeout": str(self.settings.statement_timeout_ms),
            "lock_timeout": str(self.settings.statement_timeout_ms),
            "idle_in_transaction_session_timeout": str(self.settings.statement_timeout_ms * 5),
        }

    async def fetch(self, name: str, *args) -> list[asyncpg.Record]:
        return await self._fetch(name, *args)

    async def drop(self) -> None:
        async with self._lock:
            await self._drop()


class RemediationConnection(_Base):
    """The connection remediations act through; it refuses in read-only mode before sending."""

    def __init__(self, dsn: str, settings: DatabaseSettings, guard: Guard) -> None:
        super().__init__(dsn, settings)
        self.guard = guard

    def _server_settings(self) -> dict[str, str]:
        settings = {"application_name": self.settings.application_name,
                    "statement_timeout": str(self.settings.statement_timeout_ms * 5)}
        if self.guard.read_only:
            # Belt and braces: a read-only session's reads run in a read-only session too.
            settings["default_transaction_read_only"] = "on"
        return settings

    async def read(self, name: str, *args) -> list[asyncpg.Record]:
        """A read (describe, preview) in a read-only transaction; allowed in read-only mode."""
        return await self._fetch(name, *args, readonly_tx=True)

    async def act(self, what: str, name: str, *args) -> list[asyncpg.Record]:
        """Run a statement that changes something; `what` names it for the refusal message.

        The guard is asked first, before a connection is opened or a byte is sent.
        """
        self.guard.check(what)
        return await self._fetch(name, *args)
