"""The wall display (`irtui --read-only --wall`), driven with keys from the app's start
against the simulator: the board shows the incident big, the panes a room needs are on
screen at once, keys that would open a prompt say why not, nothing is written to the
cluster, and what the workloads print reaches the screen with secrets and patient
identifiers hidden (a line written into a pod's log through the simulator, an event)."""

from __future__ import annotations

from irtui.config import Config
from irtui.ui.main import open_connection
from irtui.ui.screens.logs import LogsScreen
from irtui.ui.wiring import war_room

from hostile import warning_events
from polling import screen_text, until
from ui_helpers import shown_rows
from war_room_help import NS, control, declared_elsewhere, isolated, mutations, war_args  # noqa: F401

SECRET = "Sup3r-s3cret-pw"
SITE_ID = "WARD-7731"  # matched only by the site's own configured pattern
LINES = [
    f"connecting to postgres with password={SECRET}",
    "loaded chart for patient Margaret Hale MRN 00482913 dob: 1948-02-17",
    f"bed assignment {SITE_ID} confirmed, paging jane.doe@example.org",
    "request completed in 12 ms",
]
LEAKS = (SECRET, "Margaret Hale", "00482913", "1948-02-17", SITE_ID, "jane.doe@example.org")


def _config(tmp_path) -> Config:
    path = tmp_path / "config.toml"
    path.write_text('[redaction]\npatterns = ["\\\\bWARD-\\\\d+"]\n')
    return Config.load(path)


def _wall_args(sim, tmp_path):
    args = war_args(sim, tmp_path, read_only=True)
    args.wall = True  # what `irtui --read-only --wall` parses to
    return args


async def test_wall_shows_the_incident_big_and_log_lines_redacted(sim, isolated):
    await declared_elsewhere(f"{isolated / 'incidents.sqlite'}", "Task service down, paging oncall@example.org", "P1")
    config = _config(isolated)
    args = _wall_args(sim, isolated)
    connection = open_connection(args, config)
    assert connection.guard.read_only
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            rows = await until(lambda: shown_rows(app.pods_pane), "the pods pane's rows", pilot=pilot)
            pod = rows[0][0]  # the row under the cursor at start
            await until(lambda: "Task service down" in screen_text(app), "the incident on the board", pilot=pilot)
            text = screen_text(app)
            # The board and the timeline are read by the room: the contact's address is hidden.
            assert "  Task service down, paging [REDACTED]" in text
            assert "[P1] Task service down, paging [REDACTED]" in text
            assert "oncall@example.org" not in text
            assert "T+ h:mm" in text and "update h:mm" in text  # the big clocks' labels
            for title in ("Pods", "Metrics", "Timeline", "Events"):
                assert f" {title}" in text
            assert "Nodes ·" not in text and "Health" not in text  # not on the wall

            await control(sim, "POST", f"/sim/logs/{NS}/{pod}", json={"lines": LINES})
            warning_events(sim, pod, "ChartSync", "sync failed for patient Margaret Hale MRN 00482913", count=1,
                           name="wall-event")
            await until(lambda: "sync failed for patient" in screen_text(app), "the event", pilot=pilot)
            # The message column is cut at this width: the row it draws from is read whole.
            messages = [row.message for row in app.cluster.rows["events"].values()]
            assert "sync failed for patient [REDACTED] MRN [REDACTED]" in messages

            await pilot.press("slash")
            await until(lambda: "wall display: no prompts here (filtering)" in screen_text(app),
                        "the filter key's refusal", pilot=pilot)
            await pilot.press("n")
            await until(lambda: "(choosing a namespace)" in screen_text(app),
                        "the namespace key's refusal", pilot=pilot)
            await pilot.press("ctrl+p")
            await until(lambda: "(the command palette)" in screen_text(app), "the palette key's refusal", pilot=pilot)
            assert len(app.screen_stack) == 1  # no dialog opened

            await pilot.press("l")
            await until(lambda: isinstance(app.screen, LogsScreen) and app.screen.state == "complete",
                        "the pod's log read", pilot=pilot)
            await pilot.press("G")
            await until(lambda: "request completed in 12 ms" in screen_text(app), "the written lines", pilot=pilot)
            text = screen_text(app)
            assert "password=[REDACTED]" in text
            assert "patient [REDACTED] MRN [REDACTED] dob: [REDACTED]" in text
            assert "bed assignment [REDACTED] confirmed, paging [REDACTED]" in text
            for leak in LEAKS:
                assert leak not in text
            assert app.is_running
    # A wall changes nothing: the one change is the event this test created.
    assert [m for m in mutations(sim.audit()) if m.get("resource") != "events"] == []
    assert len([m for m in mutations(sim.audit()) if m.get("resource") == "events"]) == 1


async def test_wall_fits_80x24_and_follows_a_resize_to_300x100(sim, isolated):
    await declared_elsewhere(f"{isolated / 'incidents.sqlite'}", "EMR sync backlog", "P2")
    config = Config.empty()
    args = _wall_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await until(lambda: shown_rows(app.pods_pane), "the pods pane's rows", pilot=pilot)
            await until(lambda: "INC-" in screen_text(app) and "P2" in screen_text(app), "the clock bar", pilot=pilot)
            text = screen_text(app)
            # Small: no big band (the clock bar says it in one line); the three panes at once.
            assert "T+ h:mm" not in text
            for title in ("1 Pods", "Timeline", "Metrics"):
                assert title in text, title
            assert "Events ·" not in text

            await pilot.resize_terminal(300, 100)
            await until(lambda: "T+ h:mm" in screen_text(app), "the big clocks at 300x100", pilot=pilot)
            await until(lambda: "Events ·" in screen_text(app), "the events pane at 300x100", pilot=pilot)
            assert "EMR sync backlog" in screen_text(app)
            await pilot.press("2")  # the nodes pane is not on a wall: said, not silently ignored
            await until(lambda: "the nodes pane is not on the wall" in screen_text(app), "the refusal", pilot=pilot)

            await pilot.resize_terminal(80, 24)
            await until(lambda: "T+ h:mm" not in screen_text(app), "the band folded at 80x24", pilot=pilot)
            await until(lambda: "Events ·" not in screen_text(app), "events off the small wall", pilot=pilot)
            assert app.is_running
