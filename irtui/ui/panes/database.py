"""The PostgreSQL pane: is the database up, what is it doing, and the runbook's remediations.

Shows reachability (with since-when and the next retry when it is not), version, uptime,
connections used of `max_connections` by state, statements running longer than the
threshold, blocked/blocking pairs, replication and database sizes.

Self-contained: it is given a `DatabaseMonitor` (and, to act, `DatabaseClients`), polls in
its own worker (the next poll is armed when the last one finished, at the monitor's backoff
while the server is away) and posts `DatabasePane.Polled`. Remediation keys describe the
exact target first, freeze the tables while the confirmation is open so the target cannot
shift, and post `DatabasePane.RemediationFinished` with the outcome for the timeline. An app
with the action framework passes `runner=` and takes over describe/confirm/record.
"""

from __future__ import annotations

import time
from typing import Awaitable, Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from irtui.config import Config
from irtui.database.connection import describe_error
from irtui.database.monitor import DatabaseMonitor, DbSnapshot
from irtui.database.remediate import (
    CancelBackend,
    DatabaseClients,
    DbRemediation,
    Description,
    Outcome,
    PromoteReplica,
    TerminateBackend,
    TerminateLongRunning,
)
from irtui.database.settings import DatabaseSettings
from irtui.safety import Guard
from irtui.text import visible, visible_lines
from irtui.ui.panes.metrics import human_age
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed
from irtui.ui.ticks import every_second
from irtui.ui.timers import Later, after
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

Runner = Callable[[DbRemediation], Awaitable[object]]


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


class ConfirmRemediation(ModalScreen[bool]):
    """Names the action, the server and the exact target(s) with the equivalent psql command."""

    TYPE_AHEAD = False  # a yes typed before this was on screen is no answer (irtui.ui.typeahead)

    DEFAULT_CSS = widget_css(__file__, "database_confirm.tcss")

    BINDINGS = [Binding("y", "answer(True)", "Yes, run it", id="database.confirm.yes"),
                Binding("n,escape", "answer(False)", "No", id="database.confirm.no")]

    def __init__(self, description: Description, read_only: bool) -> None:
        super().__init__()
        self.description = description
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        d = self.description
        with VerticalScroll():
            yield Static(Text(f"{d.title}  [danger: {d.danger}]", style="bold"))
            yield Static(Text(visible_lines(d.text())))
            if self.read_only:
                yield Static(Text("read-only session: this will be refused", style=themed("bold $irtui-failing")))
            yield Static(Text("y run it · n / Esc cancel", style="bold"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class DatabasePane(Vertical):
    """PostgreSQL health, activity and remediations."""

    DEFAULT_CSS = widget_css(__file__, "database.tcss")

    BINDINGS = [
        Binding("c", "cancel_backend", "Cancel query", id="database.cancel_backend"),
        Binding("k", "terminate_backend", "Terminate backend", id="database.terminate_backend"),
        Binding("K", "terminate_long_running", "Terminate long-running", id="database.terminate_long_running"),
        Binding("P", "promote_replica", "Promote replica", id="database.promote_replica"),
        Binding("ctrl+r", "refresh_now", "Refresh database", id="database.refresh"),
    ]

    class Polled(Message):
        def __init__(self, pane: DatabasePane, snapshot: DbSnapshot) -> None:
            super().__init__()
            self.pane = pane
            self.snapshot = snapshot

    class RemediationFinished(Message):
        """A remediation ran (or was refused / failed): for the incident timeline."""

        def __init__(self, pane: DatabasePane, remediation: DbRemediation, description: Description | None,
                     outcome: Outcome | None, error: BaseException | None) -> None:
            super().__init__()
            self.pane = pane
            self.remediation = remediation
            self.description = description
            self.outcome = outcome
            self.error = error

    def __init__(self, monitor: DatabaseMonitor, clients: DatabaseClients | None = None, *,
                 runner: Runner | None = None, autostart: bool = True, clock=time.time,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.monitor = monitor
        self.clients = clients
        self.runner = runner
        self.autostart = autostart
        self.clock = clock
        self.latest: DbSnapshot | None = None
        self.last_good: DbSnapshot | None = None
        self.polls = 0
        self.frozen = False
        self._pending: DbSnapshot | None = None
        self._timer: Later | None = None
        self._shown: dict[str | None, Text] = {}
        self._polling = False
        self._poll_again = False

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
        if self.autostart:
            self.poll()

    # -- polling ---------------------------------------------------------------------

    def poll(self) -> None:
        """Poll now, or right after the poll in flight (never two at once, never cancelled:
        cancelling an asyncpg query midway would cost the connection)."""
        if self._polling:
            self._poll_again = True
            return
        self._polling = True
        self._poll_worker()

    @work(group="database-poll", exit_on_error=False)
    async def _poll_worker(self) -> None:
        try:
            snapshot = await self.monitor.poll()
        except Exception as exc:  # anything unforeseen: shown as unreachable, retried with backoff
            snapshot = self.monitor.failed(exc)
        self.post_message(self.Polled(self, snapshot))

    def on_database_pane_polled(self, message: Polled) -> None:
        if message.pane is not self:
            return
        self._polling = False
        if self.frozen:
            self._pending = message.snapshot  # shown when the confirmation closes
        else:
            self.apply(message.snapshot)
        if self._timer is not None:
            self._timer.stop()
        if self._poll_again:
            self._poll_again = False
            self.poll()
        else:
            self._timer = after(self, self.monitor.next_delay(message.snapshot), self.poll)

    def action_refresh_now(self) -> None:
        self.poll()

    # -- rendering -------------------------------------------------------------------

    def apply(self, snapshot: DbSnapshot) -> None:
        self.polls += 1
        self.latest = snapshot
        if snapshot.reachable and snapshot.error is None:
            self.last_good = snapshot
        with self.app.batch_update():
            self._update_status()
            if snapshot.reachable and snapshot.error is None:
                self._render_long(snapshot)
                self._render_blocked(snapshot)
                self._render_details(snapshot)

    def _render_long(self, snap: DbSnapshot) -> None:
        table = self.query_one("#db-long", CellTable)
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

    # -- remediations ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"cancel_backend", "terminate_backend", "terminate_long_running", "promote_replica"}:
            if self.clients is None or self.clients.guard.read_only:
                return False  # not offered; the remediation connection would refuse anyway
        return True

    def selected_pid(self) -> int | None:
        """The pid under the cursor: a long-running backend, or a blocker in the blocked table."""
        blocked = self.query_one("#db-blocked", CellTable)
        if blocked.has_focus and blocked.cursor_key is not None:
            return int(blocked.cursor_key.split("<")[1])
        key = self.query_one("#db-long", CellTable).cursor_key
        return None if key is None else int(key)

    def action_cancel_backend(self) -> None:
        pid = self.selected_pid()
        if pid is None:
            self.notify("no backend selected", severity="warning")
            return
        self.remediate(CancelBackend(self.clients, pid))

    def action_terminate_backend(self) -> None:
        pid = self.selected_pid()
        if pid is None:
            self.notify("no backend selected", severity="warning")
            return
        self.remediate(TerminateBackend(self.clients, pid))

    def action_terminate_long_running(self) -> None:
        self.remediate(TerminateLongRunning(self.clients, self.monitor.threshold_seconds / 60))

    def action_promote_replica(self) -> None:
        self.remediate(PromoteReplica(self.clients))

    def remediate(self, remediation: DbRemediation) -> None:
        """Describe, confirm and run one remediation; one at a time."""
        if self.frozen:
            self.notify("a remediation is already being confirmed", severity="warning")
            return
        # Freeze before the worker starts, so no poll lands between the key and the describe.
        self.frozen = True
        self._remediate(remediation)

    @work(group="database-remediation", exit_on_error=False)
    async def _remediate(self, remediation: DbRemediation) -> None:
        description = outcome = error = None
        try:
            if self.runner is not None:
                outcome = await self.runner(remediation)
                return
            description = await remediation.describe()
            if description.refusal:
                self.notify(visible(f"{description.title}: {description.refusal}"), severity="warning", markup=False)
                return
            if not await self.app.push_screen_wait(ConfirmRemediation(description, self.clients.guard.read_only)):
                return
            outcome = await remediation.execute()
            self.notify(visible(outcome.message), severity="information" if outcome.ok else "warning", markup=False)
        except Exception as exc:  # ReadOnlyError, TargetGone, a server error: shown and recorded
            error = exc
            self.notify(f"{remediation.title}: {visible(describe_error(exc, self.monitor.settings.dsn))}",
                        severity="error", markup=False)
        finally:
            self.frozen = False
            pending, self._pending = self._pending, None
            if pending is not None:
                self.apply(pending)
            if outcome is not None or error is not None:
                self.post_message(self.RemediationFinished(self, remediation, description, outcome, error))
                self.poll()

    async def on_unmount(self) -> None:
        await self.monitor.close()
        if self.clients is not None:
            await self.clients.close()


def _one_line(text: str | None) -> str:
    # The monitor has made the text visible; a table cell also wants it on one line.
    return visible(" ".join((text or "").split()), 2000)
