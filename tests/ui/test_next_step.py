"""At 80x24 with an incident open, the screen still says what to press next: the next-step
bar under the clock bar names the phase, its next unticked item with the key of that
item's action, the checklist key and the close key; the footer leads with the incident's
keys, and close works from any pane. Key presses only, from the app's start."""

from __future__ import annotations

import re

from irtui.config import Config
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import declared_elsewhere, isolated, store_rows, war_args  # noqa: F401 (isolated: a fixture)


def _line(app, pattern: str) -> str | None:
    return next((line for line in screen_text(app).splitlines() if re.search(pattern, line)), None)


async def test_at_80x24_the_next_step_and_close_keys_stay_on_screen(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    # Another responder's incident, in the store before this war room starts (it joins it).
    incident_id = await declared_elsewhere(args.store, "task-service crash loop", "P1")
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await until(lambda: "task-ser" in screen_text(app), "the pods pane", pilot=pilot)
            bar = await until(lambda: _line(app, r"^\s*1/7 .*next: Acknowledge"), "the next-step bar", pilot=pilot)
            assert re.search(r" o +checklist +V +close\s*$", bar), bar
            assert _line(app, rf"^\s*{incident_id} P\d\s*\|\s*T\+\d"), screen_text(app)  # the clock bar above it
            footer = await until(lambda: screen_text(app).splitlines()[-1].strip(), "the footer", pilot=pilot)
            assert footer.startswith("V Close incident  o Checklist"), footer
            assert not app.query_one("#sidebar").display  # all this with the sidebar hidden

            # Phase 1's items tick; phase 2 ("]" in the checklist) names an item irtui runs, with its key
            await pilot.press("o", "space", "escape")
            await until(lambda: _line(app, r"next: Join incident"), "the next item after a tick", pilot=pilot)
            await pilot.press("o", "right_square_bracket", "escape")
            bar = await until(lambda: _line(app, r"^\s*2/7 .*next: Confirm"), "phase 2 on the bar", pilot=pilot)
            await pilot.press("o", "space", "escape", "o", "space", "escape")
            bar = await until(lambda: _line(app, r"next: Identify"), "the item with an action", pilot=pilot)
            assert re.search(r"next: Identif.* H .*│ +o +checklist +V +close", bar), bar

            # The sidebar the checklist key opened on a narrow screen is the width's again on a wide one
            await pilot.resize_terminal(160, 45)
            await until(lambda: app.query_one("#sidebar").display, "the sidebar at 160x45", pilot=pilot)
            await pilot.resize_terminal(80, 24)

            # Close from the pods pane, not only from the timeline
            await pilot.press("1", "V")
            await until(lambda: "checklist items are not ticked:" in screen_text(app),
                        "the close question", pilot=pilot)
            await pilot.press(*"drill", "enter")
            await until(lambda: "Close the incident: the review's answers" in screen_text(app),
                        "the close form", pilot=pilot)
            await pilot.press("ctrl+s")  # the form's prefilled summary
            await until(lambda: "no incident open" in screen_text(app), "no incident", pilot=pilot)
            assert _line(app, r"next: ") is None  # no incident: no next step
            await pilot.press("V")  # nothing to close: it says so
            await until(lambda: "no incident open to close" in screen_text(app), "the refusal", pilot=pilot)

    rows = store_rows(isolated / "incidents.sqlite", incident_id)
    assert [r["details"].get("reason") for r in rows if r["kind"] == "closed"] == ["drill"]
