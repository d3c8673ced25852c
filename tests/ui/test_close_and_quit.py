"""Closing with unticked checklist items asks why and records it; the screen then returns to
no incident, and the closed incident is reachable from the incidents list; `q` with an
incident open asks first. Key presses only, from the app's start, against the simulator and
the SQLite store on disk."""

from __future__ import annotations

from irtui.config import Config
from irtui.ui.main import open_connection
from irtui.ui.screens.incidents import IncidentsScreen, IncidentTimelineScreen
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import declare_by_keys, isolated, store_rows, war_args  # noqa: F401 (isolated: a fixture)


async def test_close_with_unticked_items_asks_why_then_shows_no_incident(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    store_file = isolated / "incidents.sqlite"
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            incident_id = await declare_by_keys(pilot, "Drill")

            await pilot.press("q")
            await until(lambda: f"{incident_id} is open: quit anyway? y/n" in screen_text(app),
                        "the question", pilot=pilot)
            await pilot.press("n")
            await until(lambda: len(app.screen_stack) == 1, "the question to go", pilot=pilot)
            assert app.is_running and app.session.is_open

            await pilot.press("t", "V")
            await until(lambda: "checklist items are not ticked:" in screen_text(app),
                        "the unticked items", pilot=pilot)
            assert "[ ] 7. Close Incident: Service fully restored" in screen_text(app)
            assert "[ ] 1. Detect & Alert: Acknowledge alert in PagerDuty" in screen_text(app)
            await pilot.press(*"drill ended early", "enter")
            await until(lambda: "Close the incident: the review's answers" in screen_text(app),
                        "the close form", pilot=pilot)
            await pilot.press("ctrl+s")  # the form's prefilled summary, nothing else written
            await until(lambda: app.session.incident_id is None, "the session to leave the incident", pilot=pilot)
            await until(lambda: "no incident open" in screen_text(app), "the no-incident clock bar", pilot=pilot)
            await until(lambda: incident_id not in screen_text(app),
                        "the closed incident to leave the screen", pilot=pilot)
            assert app.pane("timeline").list.option_count == 0

            await pilot.press("v")
            await until(lambda: isinstance(app.screen, IncidentsScreen) and "closed" in screen_text(app),
                        "the incidents list", pilot=pilot)
            assert incident_id in screen_text(app)
            await pilot.press("enter")
            await until(lambda: isinstance(app.screen, IncidentTimelineScreen), "the closed timeline", pilot=pilot)
            assert "(closed, read-only)" in screen_text(app) and "Service restored." in screen_text(app)
            await pilot.press("escape", "escape")
            await until(lambda: len(app.screen_stack) == 1, "back to the war room", pilot=pilot)

            await pilot.press("q")  # no incident open: no question
            await until(lambda: not app.is_running, "the app to quit", timeout=30, pilot=pilot)

    rows = store_rows(store_file, incident_id)
    closed = [r for r in rows if r["kind"] == "closed"]
    assert len(closed) == 1 and closed[0]["text"] == "Service restored.", rows
    assert closed[0]["details"]["reason"] == "drill ended early"
    assert "1. Detect & Alert: Acknowledge alert in PagerDuty" in closed[0]["details"]["unticked"]
