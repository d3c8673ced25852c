"""The database pane driven with Textual's pilot against the real server: a long-running
statement is listed and terminated from the pane, and losing the server (a TCP proxy cut,
the shared server itself is never stopped) is survived."""

from textual.app import App, ComposeResult

from irtui.database.monitor import DatabaseMonitor
from irtui.database.remediate import DatabaseClients, TerminateBackend
from irtui.database.settings import DatabaseSettings
from irtui.safety import Guard
from irtui.ui.panes.database import ConfirmRemediation, DatabasePane
from irtui.ui.widgets.virtual_table import CellTable

from db_helpers import SLEEP, backend_state
from polling import until


class PaneApp(App):
    def __init__(self, pane: DatabasePane) -> None:
        super().__init__()
        self.pane = pane
        self.finished: list[DatabasePane.RemediationFinished] = []

    def compose(self) -> ComposeResult:
        yield self.pane

    def on_database_pane_remediation_finished(self, message: DatabasePane.RemediationFinished) -> None:
        self.finished.append(message)


def status_text(pane: DatabasePane) -> str:
    return str(pane.query_one("#db-status").render())


async def test_long_running_statement_is_terminated_from_the_pane(pg_dsn, sessions):
    conn = await sessions.open("-pane")
    sessions.run(conn, SLEEP)
    pid = conn.get_server_pid()
    settings = DatabaseSettings(dsn=pg_dsn, long_running_minutes=1 / 60, interval=0.5)
    pane = DatabasePane(DatabaseMonitor(settings), DatabaseClients(settings, Guard()))
    app = PaneApp(pane)
    async with app.run_test(size=(160, 40)) as pilot:
        table = pane.query_one("#db-long", CellTable)
        await until(lambda: str(pid) in table.rows, what="the pg_sleep backend in the pane", pilot=pilot)
        assert "● up" in status_text(pane)
        assert str(table.get_cell(str(pid), "query")) == SLEEP

        table.focus()
        table.move_cursor(row=table.get_row_index(str(pid)))
        await pilot.press("k")
        await until(lambda: isinstance(app.screen, ConfirmRemediation), what="the confirmation", pilot=pilot)
        shown = app.screen.description
        assert [t.pid for t in shown.targets] == [pid]
        assert f"pg_terminate_backend({pid})" in shown.command
        assert pane.frozen  # the list under the cursor does not move while confirming
        await pilot.press("y")

        await until(lambda: app.finished, what="the remediation to finish", pilot=pilot)
        message = app.finished[0]
        assert message.error is None and message.outcome.ok and message.outcome.pids == (pid,)
        assert isinstance(message.remediation, TerminateBackend)
        await until(lambda: _gone(pg_dsn, pid), what="the backend to be gone at the server", pilot=pilot)
        await until(lambda: str(pid) not in table.rows, what="the row to leave the pane", pilot=pilot)


async def _gone(dsn, pid):
    return await backend_state(dsn, pid) is None


async def test_read_only_pane_offers_no_remediation_and_sends_none(pg_dsn, sessions):
    conn = await sessions.open("-ro")
    sessions.run(conn, SLEEP)
    pid = conn.get_server_pid()
    settings = DatabaseSettings(dsn=pg_dsn, long_running_minutes=1 / 60, interval=0.5)
    pane = DatabasePane(DatabaseMonitor(settings), DatabaseClients(settings, Guard(read_only=True)))
    app = PaneApp(pane)
    async with app.run_test(size=(160, 40)) as pilot:
        table = pane.query_one("#db-long", CellTable)
        await until(lambda: str(pid) in table.rows, what="the pg_sleep backend in the pane", pilot=pilot)
        table.focus()
        table.move_cursor(row=table.get_row_index(str(pid)))
        for key in ("k", "K", "c", "P"):
            await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmRemediation) and not app.finished
    assert await backend_state(pg_dsn, pid) == "active"


async def test_pane_survives_the_server_going_away_and_recovers(pg_dsn, pg_proxy):
    # A password in the DSN (the server trusts local connections and ignores it): it must
    # never reach the screen, whatever state the pane is in.
    dsn = pg_proxy.dsn(pg_dsn).replace("postgres@", "postgres:hunter2@")
    settings = DatabaseSettings(dsn=dsn, interval=0.3, connect_timeout=2, backoff_base=0.2, backoff_cap=1.0)
    monitor = DatabaseMonitor(settings)
    pane = DatabasePane(monitor)
    async with PaneApp(pane).run_test(size=(160, 40)) as pilot:
        await until(lambda: pane.last_good is not None, what="the first good poll", pilot=pilot)
        first_good = pane.last_good
        await pilot.pause()
        assert "postgres:[REDACTED]@127.0.0.1" in status_text(pane)
        assert "hunter2" not in pilot.app.export_screenshot()

        await pg_proxy.cut()
        await until(lambda: pane.latest is not None and not pane.latest.reachable,
                    what="the pane to notice", pilot=pilot)
        down_since = pane.latest.unreachable_since
        # It keeps retrying, with backoff, and keeps saying since when.
        await until(lambda: pane.latest.attempt >= 3, what="several retries", pilot=pilot)
        assert pane.latest.unreachable_since == down_since
        assert 0 < pane.latest.retry_in <= 1.0  # capped at backoff_cap
        await pilot.pause()
        text = status_text(pane)
        assert "UNREACHABLE since" in text and "retry #" in text
        assert "showing data from" in text and pane.last_good is first_good
        assert "hunter2" not in pilot.app.export_screenshot()

        await pg_proxy.restore()
        await until(lambda: pane.latest.reachable and pane.last_good is not first_good, what="recovery", pilot=pilot)
        await pilot.pause()
        assert "● up" in status_text(pane)
        assert monitor.unreachable_since is None and monitor.attempt == 0


async def test_blocked_pair_is_shown_and_the_blocker_can_be_handed_to_a_runner(pg_dsn, sessions):
    import uuid

    table_name = f"irtui_test_lock_{uuid.uuid4().hex[:8]}"
    holder = await sessions.open("-holder")
    waiter = await sessions.open("-waiter")
    await holder.execute(f"CREATE TABLE {table_name} (id int PRIMARY KEY, v int)")
    try:
        await holder.execute(f"INSERT INTO {table_name} VALUES (1, 0)")
        await holder.execute("BEGIN")
        await holder.execute(f"UPDATE {table_name} SET v = 1 WHERE id = 1")
        sessions.run(waiter, f"UPDATE {table_name} SET v = 2 WHERE id = 1")
        handed: list = []

        async def runner(remediation):
            # What an app with the action framework does: take the remediation object
            # (describe -> confirm -> execute -> record happen there). Here: describe only.
            handed.append((remediation, await remediation.describe()))

        settings = DatabaseSettings(dsn=pg_dsn, interval=0.5)
        pane = DatabasePane(DatabaseMonitor(settings), DatabaseClients(settings, Guard()), runner=runner)
        async with PaneApp(pane).run_test(size=(200, 40)) as pilot:
            blocked = pane.query_one("#db-blocked", CellTable)
            key = f"{waiter.get_server_pid()}<{holder.get_server_pid()}"
            await until(lambda: key in blocked.rows, what="the blocked pair in the pane", pilot=pilot)
            assert str(blocked.get_cell(key, "blocking_state")) == "idle in transaction"
            assert str(blocked.get_cell(key, "blocked_query")).startswith(f"UPDATE {table_name}")
            blocked.focus()
            blocked.move_cursor(row=blocked.get_row_index(key))
            await pilot.press("k")  # on the blocked table, the key aims at the blocker
            await until(lambda: handed, what="the remediation to reach the runner", pilot=pilot)
            remediation, description = handed[0]
            assert isinstance(remediation, TerminateBackend) and remediation.pid == holder.get_server_pid()
            assert description.targets[0].state == "idle in transaction"
            await until(lambda: not pane.frozen, what="the pane to thaw", pilot=pilot)
        # Nothing was sent: the holder still holds its lock.
        assert await backend_state(pg_dsn, holder.get_server_pid()) == "idle in transaction"
        await holder.execute("ROLLBACK")
    finally:
        await holder.execute(f"DROP TABLE IF EXISTS {table_name}")


async def test_pane_from_config_takes_the_dsn_flag_over_the_file(pg_dsn, tmp_path):
    from irtui.config import Config

    path = tmp_path / "config.toml"
    path.write_text('[database]\ndsn = "postgresql://postgres@127.0.0.1:9/nowhere"\ninterval = 0.5\n')
    pane = DatabasePane.from_config(Config.load(path), Guard(read_only=True), flag_dsn=pg_dsn)
    async with PaneApp(pane).run_test(size=(160, 40)) as pilot:
        await until(lambda: pane.last_good is not None, what="a good poll of the flagged server", pilot=pilot)
        await pilot.pause()
        assert "● up" in status_text(pane) and pane.clients.guard.read_only
