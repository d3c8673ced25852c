"""The PostgreSQL pane: is the database up, what is it doing, and the runbook's remediations.

Shows reachability (with since-when and the next retry when it is not), version, uptime,
connections used of `max_connections` by state, statements running longer than the
threshold, blocked/blocking pairs, replication and database sizes.

It is given a `DatabaseMonitor` (and, for the action environment, `DatabaseClients`); the
polling, its timing and the backoff while the server is away are
`irtui.database.feed.DatabaseFeed`'s, whose loop the pane starts and stops. The pane
subscribes, posts `DatabasePane.Polled` and renders. Its remediation keys are the db.*
actions, run by the app's one executor (describe, dry run, confirmation, record) on the
row under the cursor (`selected()`); the tables hold still while a confirmation is open
(`freeze()`/`thaw()`), so the target cannot shift.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from irtui.config import Config
from irtui.database.feed import DatabaseFeed
from irtui.database.monitor import Backend, BlockedPair, DatabaseMonitor, DbSnapshot
from irtui.database.remediate import DatabaseClients
from irtui.database.settings import DatabaseSettings
from irtui.safety import Guard
from irtui.text import visible
from irtui.ui.action_bindings import APP_ACTION
from irtui.ui.panes.metrics import human_age
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed
from irtui.ui.ticks import every_second
from irtui.ui.widgets.virtual_table import CellTable

# (key, label, width, drop): a narrow pane keeps the pids, how long and the query (last, free
# text that may run off the edge) and leaves out the rest, the highest `drop` first.
LONG_COLUMNS = (("pid", "PID", 8, 0), ("user", "User", 12, 2), ("application", "Application", 16, 4),
                ("client", "Client", 16, 5), ("duration", "Duration", 9, 0), ("state", "State", 10, 1),
                ("wait", "Wait", 16, 3), ("query", "Query", 60, 0))
BLOCK_COLUMNS = (("blocked_pid", "Blocked", 8, 0), ("blocked_user", "User", 12, 5), ("waiting", "Waiting", 9, 0),
                 ("wait", "Wait", 14, 3), ("blocked_query", "Query", 36, 2), ("blocking_pid", "Blocker", 8, 0),
                 ("blocking_user", "User", 12, 4), ("blocking_state", "State", 14, 6),
                 ("blocking_query", "Blocker query", 36, 0))


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def fmt_duration(seconds: float | None) -> str:
    return "-" if seconds is None else human_age(seconds)


class DatabasePane(Vertical):
    """PostgreSQL health, activity and remediations."""

    DEFAULT_CSS = widget_css(__file__, "database.tcss")

    # The db.* actions through the app's executor, on this pane's keys (`[keys]` moves them by
    # these ids). K passes this pane's threshold, so it ends the backends the pane lists.
    BINDINGS = [
        Binding("c", f"app.{APP_ACTION}('db.cancel_backend')", "Cancel query", id="database.cancel_backend"),
        Binding("k", f"app.{APP_ACTION}('db.terminate_backend')", "Terminate backend", id="database.terminate_backend"),
        Binding("K", "terminate_long_running", "Terminate long-running", id="database.terminate_long_running"),
        Binding("P", f"app.{APP_ACTION}('db.promote_replica')", "Promote replica", id="database.promote_replica"),
        Binding("ctrl+r", "refresh_now", "Refresh database", id="database.refresh"),
    ]

    class Polled(Message):
        def __init__(self, pane: DatabasePane, snapshot: DbSnapshot) -> None:
            super().__init__()
            self.pane = pane
            self.snapshot = snapshot

    def __init__(self, monitor: DatabaseMonitor, clients: DatabaseClients | None = None, *,
                 autostart: bool = True, clock=time.time,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.monitor = monitor
        self.feed = DatabaseFeed(monitor)
        self.clients = clients  # the remediation connection, for the action environment
        self.autostart = autostart
        self.clock = clock
        self.polls = 0  # snapshots rendered
        self.frozen = False
        self._pending: DbSnapshot | None = None
        self._shown: dict[str | None, Text] = {}
        self._long_rows: dict[str, Backend] = {}
        self._blocked_rows: dict[str, BlockedPair] = {}
        self._unsubscribe = self.feed.subscribe(self._delivered)

    @classmethod
    def from_config(cls, config: Config, guard: Guard, *, flag_dsn: str | None = None, context: str | None = None,
                    **kwargs) -> DatabasePane:
        """The pane `[database]` (or `--db-dsn`, `$IRTUI_DB_DSN`) describes, with remediation
        clients bound to the session's guard. Raises ValueError when no database is configured."""
        settings = DatabaseSettings.from_config(config, flag_dsn=flag_dsn, context=context)
        return cls(DatabaseMonitor(settings), DatabaseClients(settings, guard), **kwargs)

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(visible(f"PostgreSQL {self.monitor.masked_dsn}: connecting…"), id="db-status", markup=False)
        yield Static(self._long_title(), classes="db-title", id="db-long-title")
        yield CellTable(id="db-long")
        yield Static("Blocked ← blocking (pg_blocking_pids)", classes="db-title")
        yield CellTable(id="db-blocked")
        yield Static("", id="db-details")

    def _long_title(self) -> str:
        return f"Running longer than {fmt_duration(self.monitor.threshold_seconds)}"

    def on_mount(self) -> None:
        long = self.query_one("#db-long", CellTable)
        for key, label, width, drop in LONG_COLUMNS:
            long.add_column(label, key=key, width=width, drop=drop)
        blocked = self.query_one("#db-blocked", CellTable)
        for key, label, width, drop in BLOCK_COLUMNS:
            blocked.add_column(label, key=key, width=width, drop=drop)
        every_second(self, self._update_status)
        self.feed.start(0.0 if self.autostart else None)

    # -- what the feed delivers -----------------------------------------------------------

    @property
    def latest(self) -> DbSnapshot | None:
        return self.feed.latest

    @property
    def last_good(self) -> DbSnapshot | None:
        return self.feed.last_good

    def _delivered(self, snapshot: DbSnapshot) -> None:
        self.post_message(self.Polled(self, snapshot))

    def poll(self) -> None:
        """Poll now, or right after the poll in flight (never two at once, never cancelled:
        cancelling an asyncpg query midway would cost the connection)."""
        self.feed.now()

    def on_database_pane_polled(self, message: Polled) -> None:
        if message.pane is not self:
            return
        if self.frozen:
            self._pending = message.snapshot  # shown when the confirmation closes
        else:
            self.apply(message.snapshot)

    def action_refresh_now(self) -> None:
        self.poll()

    # -- rendering -------------------------------------------------------------------

    def apply(self, snapshot: DbSnapshot) -> None:
        self.polls += 1
        with self.app.batch_update():
            self._update_status()
            if self.feed.good(snapshot):
                self._render_long(snapshot)
                self._render_blocked(snapshot)
                self._render_details(snapshot)

    def _render_long(self, snap: DbSnapshot) -> None:
        table = self.query_one("#db-long", CellTable)
        self._long_rows = {str(b.pid): b for b in snap.long_running}
        seen = set()
        for b in snap.long_running:
            key = str(b.pid)
            seen.add(key)
            cells = {"pid": str(b.pid), "user": b.user or "-", "application": b.application or "-",
                     "client": b.client or "local", "duration": fmt_duration(b.seconds), "state": b.state or "-",
                     "wait": b.wait_event or "", "query": _one_line(b.query)}
            if key in table.rows:
                for column, value in cells.items():
                    if column not in ("pid", "user", "application", "client"):
                        table.update_cell(key, column, value)
            else:
                table.add_row(*cells.values(), key=key)
        for key in [k for k in table.rows if k not in seen]:
            table.remove_row(key)
        self._set(self.query_one("#db-long-title", Static), Text(
            f"{self._long_title()}: {len(snap.long_running)}" + ("  (c cancel · k terminate · K terminate all)"
                                                                  if self.clients else "")))

    def _render_blocked(self, snap: DbSnapshot) -> None:
        table = self.query_one("#db-blocked", CellTable)
        self._blocked_rows = {f"{p.blocked_pid}<{p.blocking_pid}": p for p in snap.blocked}
        seen = set()
        for p in snap.blocked:
            key = f"{p.blocked_pid}<{p.blocking_pid}"
            seen.add(key)
            cells = {"blocked_pid": str(p.blocked_pid), "blocked_user": p.blocked_user or "-",
                     "waiting": fmt_duration(p.blocked_seconds), "wait": p.wait_event or "",
                     "blocked_query": _one_line(p.blocked_query), "blocking_pid": str(p.blocking_pid),
                     "blocking_user": p.blocking_user or "-", "blocking_state": p.blocking_state or "-",
                     "blocking_query": _one_line(p.blocking_query)}
            if key in table.rows:
                for column in ("waiting", "wait", "blocking_state", "blocking_query"):
                    table.update_cell(key, column, cells[column])
            else:
                table.add_row(*cells.values(), key=key)
        for key in [k for k in table.rows if k not in seen]:
            table.remove_row(key)

    def _render_details(self, snap: DbSnapshot) -> None:
        lines = []
        if snap.replication:
            for r in snap.replication:
                lines.append(f"replica {r['name'] or '-'} {r['client'] or ''} {r['state']} ({r['sync_state']}) "
                             f"lag {fmt_bytes(r['lag_bytes'])}, {fmt_duration(r['lag_seconds'])}")
        elif snap.in_recovery is False:
            lines.append("replication: no standby is streaming from this server")
        if snap.replica is not None:
            r = snap.replica
            role = "in recovery (standby)" if r["in_recovery"] else "NOT in recovery (promoted or primary)"
            lines.append(f"replica: {role}, receiver {r['receiver_status'] or '-'}, "
                         f"replay lag {fmt_bytes(r['lag_bytes'])}, last replay {fmt_duration(r['delay_seconds'])} ago")
        elif snap.replica_error:
            lines.append(f"replica unreachable: {snap.replica_error}")
        if snap.sizes:
            lines.append("sizes: " + ", ".join(f"{name} {fmt_bytes(size)}" for name, size in snap.sizes[:6]))
        self._set(self.query_one("#db-details", Static), Text("\n".join(lines)))

    def _update_status(self) -> None:
        status = self.query_one("#db-status", Static)
        snap = self.latest
        if snap is None:
            return
        now = self.clock()
        if not snap.reachable:
            status.add_class("-down")
            since = snap.unreachable_since or now
            retry_at = snap.at + (snap.retry_in or 0)
            text = Text(f"✗ UNREACHABLE since {time.strftime('%H:%M:%S', time.localtime(since))} "
                        f"({human_age(now - since)}) · {snap.dsn}\n", style=themed("bold $irtui-failing"))
            text.append(f"retry #{snap.attempt + 1} in {max(0.0, retry_at - now):.0f}s · {snap.error}")
            if self.last_good is not None:
                text.append(f"\nshowing data from {time.strftime('%H:%M:%S', time.localtime(self.last_good.at))}",
                            style="dim")
            self._set(status, text)
            return
        status.remove_class("-down")
        good = self.last_good or snap
        counts = good.counts
        used = counts.get("total", 0)
        pct = used * 100 / good.max_connections if good.max_connections else 0
        role = "standby" if good.in_recovery else "primary"
        text = Text()
        text.append("● up", style=themed("bold $irtui-healthy"))
        text.append(f"  PostgreSQL {good.server_version or '?'} {role} · {good.database} @ {snap.dsn} · "
                    f"up {fmt_duration(good.uptime_seconds)} · ping {good.latency_ms or 0:.1f} ms\n")
        text.append(f"connections {used}/{good.max_connections} ({pct:.0f}%)",
                    style=themed("bold $irtui-failing" if pct >= 90 else "$irtui-pending" if pct >= 75 else ""))
        text.append(f" · active {counts.get('active', 0)} · idle {counts.get('idle', 0)}"
                    f" · idle in transaction {counts.get('idle_in_transaction', 0)}"
                    f" · irtui {counts.get('own', 0)} · polled {human_age(now - snap.at)} ago")
        if snap.error:
            text.append(f"\nquery failed: {snap.error}", style=themed("$irtui-pending"))
        self._set(status, text)

    def _set(self, widget: Static, text: Text) -> None:
        """Update a Static, skipping unchanged text and the layout pass when its height stays."""
        previous = self._shown.get(widget.id)
        if previous is not None and previous.plain == text.plain and previous.spans == text.spans:
            return
        lines = text.plain.count("\n")
        layout = previous is None or previous.plain.count("\n") != lines
        self._shown[widget.id] = text
        widget.update(text, layout=layout)

    # -- what remediations act on ----------------------------------------------------------

    def selected(self) -> Backend | BlockedPair | None:
        """The row under the cursor: a long-running backend, or, while the blocked table
        has focus, a blocked pair (a remediation acts on its blocker)."""
        blocked = self.query_one("#db-blocked", CellTable)
        if blocked.has_focus and blocked.cursor_key is not None:
            return self._blocked_rows.get(blocked.cursor_key)
        key = self.query_one("#db-long", CellTable).cursor_key
        return None if key is None else self._long_rows.get(key)

    def freeze(self) -> None:
        """Hold the tables as they are (polls wait) until `thaw()`."""
        self.frozen = True

    def thaw(self) -> None:
        """Show the last poll that arrived while frozen."""
        self.frozen = False
        pending, self._pending = self._pending, None
        if pending is not None:
            self.apply(pending)

    # K: the runbook's "terminate all long-running", at the threshold this pane lists by,
    # through the app's door like every other key (gated and refused there).
    _LONG_RUNNING = (APP_ACTION, ("db.terminate_long_running",))

    async def action_terminate_long_running(self) -> None:
        minutes = max(1, round(self.monitor.threshold_seconds / 60))
        await self.app.run_action(f"{APP_ACTION}('db.terminate_long_running', {{'minutes': {minutes}}})")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "terminate_long_running":
            return self.app.check_action(*self._LONG_RUNNING)
        return True

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        why_not = getattr(self.app, "why_not", None)
        if action == "terminate_long_running" and callable(why_not):
            return why_not(*self._LONG_RUNNING)
        return None

    async def on_unmount(self) -> None:
        self._unsubscribe()
        await self.feed.aclose()
        if self.clients is not None:
            await self.clients.close()


def _one_line(text: str | None) -> str:
    # The monitor has made the text visible; a table cell also wants it on one line.
    return visible(" ".join((text or "").split()), 2000)
