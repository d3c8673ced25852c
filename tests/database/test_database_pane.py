"""The database pane driven with Textual's pilot against the real server: a long-running
statement is listed and terminated with the pane's key (through the war room's one action
door), and losing the server (a TCP proxy cut, the shared server itself is never stopped)
is survived."""

import contextlib

from textual.app import App, ComposeResult

from irtui.config import Config
from irtui.database.monitor import DatabaseMonitor
from irtui.database.settings import DatabaseSettings
from irtui.safety import Guard
from irtui.ui.main import open_connection
from irtui.ui.panes.database import DatabasePane
from irtui.ui.screens.confirm import ConfirmActionScreen
from irtui.ui.widgets.virtual_table import CellTable
from irtui.ui.wiring import war_room

from db_helpers import SLEEP, backend_state
from polling import screen_text, until
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)


class PaneApp(App):
    def __init__(self, pane: DatabasePane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


def status_text(pane: DatabasePane) -> str:
    return str(pane.query_one("#db-status").render())


# The pg_sleep backend is long-running after a second.
SHORT_THRESHOLD = "[database]\nlong_running_minutes = 0.0167\ninterval = 0.5\n"


@contextlib.asynccontextmanager
async def _war_room(sim, isolated, pg_dsn: str, config: str, *, read_only: bool | None = None):
    """The war room on the simulator with the database pane on `pg_dsn`, `config` as config.toml."""
    path = isolated / "config.toml"
    path.write_text(config)
    loaded = Config.load(path)
    args = war_args(sim, isolated, read_only=read_only, db_dsn=pg_dsn)
    async with war_room(args, open_connection(args, loaded), loaded) as app:
        yield app


async def _sleeper(sessions, suffix: str) -> int:
    conn = await sessions.open(suffix)
    sessions.run(conn, SLEEP)
    return conn.get_server_pid()


async def _database_pane(pilot, app) -> DatabasePane:
    await pilot.press("7")
    await until(lambda: app.active_pane == "database", "7 to show the database pane", pilot=pilot)
    return app.pane("database")


async def _cursor_on(pilot, table: CellTable, key: str) -> None:
    table.focus()
    table.move_cursor(row=table.get_row_index(key))
    await until(lambda: table.cursor_key == key, f"the cursor on {key}", pilot=pilot)


async def test_long_running_statement_is_terminated_from_the_pane(sim, isolated, pg_dsn, sessions):
    pid = await _sleeper(sessions, "-pane")
    async with _war_room(sim, isolated, pg_dsn, SHORT_THRESHOLD) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            pane = await _database_pane(pilot, app)
            table = pane.query_one("#db-long", CellTable)
            await until(lambda: str(pid) in table.rows, "the pg_sleep backend in the pane", pilot=pilot)
            assert "● up" in status_text(pane)
            assert str(table.get_cell(str(pid), "query")) == SLEEP

            await _cursor_on(pilot, table, str(pid))
            await pilot.press("k")
            confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                                  "the confirmation", pilot=pilot)
            request = confirm.request
            assert request.spec.id == "db.terminate_backend" and request.target.name == str(pid)
            assert f"pg_terminate_backend({pid})" in request.command
            assert any(f"pid {pid}" in line for line in request.dry_run)
            assert pane.frozen  # the list under the cursor does not move while confirming
            await pilot.press(*str(pid), "enter")  # high danger: the pid typed to confirm

            await until(lambda: app.action_controller.outcomes, "the remediation to finish", pilot=pilot)
            outcome = app.action_controller.outcomes[-1]
            assert (outcome.action_id, outcome.status) == ("db.terminate_backend", "done"), outcome
            assert outcome.details["pids"] == [pid]
            await until(lambda: _gone(pg_dsn, pid), "the backend to be gone at the server")
            await until(lambda: str(pid) not in table.rows, "the row to leave the pane", pilot=pilot)


async def _gone(dsn, pid):
    return await backend_state(dsn, pid) is None


async def test_read_only_pane_keys_say_why_and_send_nothing(sim, isolated, pg_dsn, sessions):
    pid = await _sleeper(sessions, "-ro")
    async with _war_room(sim, isolated, pg_dsn, SHORT_THRESHOLD, read_only=True) as app:
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            pane = await _database_pane(pilot, app)
            table = pane.query_one("#db-long", CellTable)
            await until(lambda: str(pid) in table.rows, "the pg_sleep backend in the pane", pilot=pilot)
            await _cursor_on(pilot, table, str(pid))
            for key, title in (("k", "Terminate backend"), ("K", "Terminate long-running queries"),
                               ("c", "Cancel query"), ("ctrl+o", "Promote replica")):
                await pilot.press(key)
                await until(lambda: f"{title}: read-only terminal" in screen_text(app), f"{key} to say why",
                            pilot=pilot)
                assert not isinstance(app.screen, ConfirmActionScreen)
            assert not app.action_controller.outcomes
    assert await backend_state(pg_dsn, pid) == "active"


async def test_pane_survives_the_server_going_away_and_recovers(pg_dsn, pg_proxy):
    # A password in the DSN (the server trusts local connections and ignores it): it must
    # never reach the screen, whatever state the pane is in.
    dsn = pg_proxy.dsn(pg_dsn).replace("postgres@", "postgres:hunter2@")
    settings = DatabaseSettings(dsn=dsn, interval=0.3, connect_timeout=2, backoff_base=0.2, backoff_cap=1.0)
    monitor = DatabaseMonitor(settings)
    pane = DatabasePane(monitor)
    async with PaneApp(pane).run_test(size=(160, 40)) as pilot:
        await until(lambda: pane.last_good is not None, "the first good poll", pilot=pilot)
        first_good = pane.last_good
        await pilot.pause()
        assert "postgres:[REDACTED]@127.0.0.1" in status_text(pane)
        assert "hunter2" not in pilot.app.export_screenshot()

        await pg_proxy.cut()
        await until(lambda: pane.latest is not None and not pane.latest.reachable, "the pane to notice", pilot=pilot)
        down_since = pane.latest.unreachable_since
        # It keeps retrying, with backoff, and keeps saying since when.
        await until(lambda: pane.latest.attempt >= 3, "several retries", pilot=pilot)
        assert pane.latest.unreachable_since == down_since
        assert 0 < pane.latest.retry_in <= 1.0  # capped at backoff_cap
        await pilot.pause()
        text = status_text(pane)
        assert "UNREACHABLE since" in text and "retry #" in text
        assert "showing data from" in text and pane.last_good is first_good
        assert "hunter2" not in pilot.app.export_screenshot()

        await pg_proxy.restore()
        await until(lambda: pane.latest.reachable and pane.last_good is not first_good, "recovery", pilot=pilot)
        await pilot.pause()
        assert "● up" in status_text(pane)
        assert monitor.unreachable_since is None and monitor.attempt == 0


async def test_blocked_pair_is_shown_and_k_on_it_aims_at_the_blocker(sim, isolated, pg_dsn, sessions):
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

        # A threshold nothing on the shared server reaches, so K has nothing to do.
        async with _war_room(sim, isolated, pg_dsn, "[database]\nlong_running_minutes = 600\ninterval = 0.5\n") as app:
            async with app.run_test(size=(200, 45)) as pilot:
                pane = await _database_pane(pilot, app)
                blocked = pane.query_one("#db-blocked", CellTable)
                key = f"{waiter.get_server_pid()}<{holder.get_server_pid()}"
                await until(lambda: key in blocked.rows, "the blocked pair in the pane", pilot=pilot)
                assert str(blocked.get_cell(key, "blocking_state")) == "idle in transaction"
                assert str(blocked.get_cell(key, "blocked_query")).startswith(f"UPDATE {table_name}")
                await _cursor_on(pilot, blocked, key)
                # K at the pane's threshold (600 minutes), asked for no parameter: nothing runs that long.
                await pilot.press("K")
                await until(lambda: app.action_controller.outcomes, "K's outcome", pilot=pilot)
                outcome = app.action_controller.outcomes[-1]
                assert (outcome.action_id, outcome.status) == ("db.terminate_long_running", "noop"), outcome
                await pilot.press("k")  # on the blocked table, the key aims at the blocker
                confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                                      "the confirmation", pilot=pilot)
                assert confirm.request.target.name == str(holder.get_server_pid())
                assert any("idle in transaction" in line for line in confirm.request.dry_run)
                await pilot.press("escape")
                await until(lambda: len(app.action_controller.outcomes) == 2, "the cancelled outcome", pilot=pilot)
                assert app.action_controller.outcomes[-1].status == "cancelled"
                await until(lambda: not pane.frozen, "the pane to thaw", pilot=pilot)
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
        await until(lambda: pane.last_good is not None, "a good poll of the flagged server", pilot=pilot)
        await pilot.pause()
        assert "● up" in status_text(pane) and pane.clients.guard.read_only
