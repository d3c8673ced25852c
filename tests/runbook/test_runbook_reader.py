"""The runbook reader (`0`, beside the panes' 1-9): the runbook in use, section by section,
with the keys that run its steps, opened where the responder is."""

from __future__ import annotations

from contextlib import asynccontextmanager

from irtui.config import Config
from irtui.runbook import document, load_runbook, runbook_path
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import declared_elsewhere, isolated, war_args  # noqa: F401 (a fixture)


@asynccontextmanager
async def war_room_at(sim, isolated, size: tuple[int, int]):
    """The war room against the simulator, started as `irtui` starts it, at `size`."""
    config = Config.empty()
    args = war_args(sim, isolated)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=size) as pilot:
            yield app, pilot


async def test_0_opens_the_runbook_where_the_responder_is_and_arrows_walk_it(sim, isolated):
    async with war_room_at(sim, isolated, (160, 45)) as (app, pilot):
        await until(lambda: app.cluster.rows["pods"], "pods listed", pilot=pilot)
        await pilot.press("0")
        await until(lambda: "Incident Definition" in screen_text(app), "the overview", pilot=pilot)
        shown = screen_text(app)
        assert "Version: 1.0" in shown and "Review frequency: Monthly" in shown
        assert "Restore service" in shown and "Compliance violation" in shown
        await pilot.press("down")  # Classification: the severities with their examples
        await until(lambda: "PHI exposure" in screen_text(app), "the severity examples", pilot=pilot)
        assert "Core Features Working?" in screen_text(app)
        for _ in range(4):  # to 4. Investigate: its flow and the keys of its commands
            await pilot.press("down")
        await until(lambda: "Investigation Framework" in screen_text(app), "phase 4", pilot=pilot)
        assert "Check Recent Changes" in screen_text(app)
        await pilot.press("escape")
        await until(lambda: len(app.screen_stack) == 1, "the reader closed", pilot=pilot)


async def test_with_an_incident_open_it_opens_at_the_incidents_phase(sim, isolated):
    await declared_elsewhere(isolated / "incidents.sqlite", "Task service restarting", phase="investigate")
    async with war_room_at(sim, isolated, (160, 45)) as (app, pilot):
        await until(lambda: app.session.is_open, "the open incident", pilot=pilot)
        await pilot.press("0")
        await until(lambda: "Investigation Framework" in screen_text(app), "phase 4, the incident's", pilot=pilot)
        await pilot.press("tab", "pagedown", "escape")
        await until(lambda: len(app.screen_stack) == 1, "the reader closed", pilot=pilot)


async def test_80x24_shows_the_contents_and_the_text(sim, isolated):
    async with war_room_at(sim, isolated, (80, 24)) as (app, pilot):
        await until(lambda: app.cluster.rows["pods"], "pods listed", pilot=pilot)
        await pilot.press("0")
        await until(lambda: "Maintained by: SRE Team" in screen_text(app), "the overview", pilot=pilot)
        assert "Classification" in screen_text(app) and "escape: close" in screen_text(app)


def test_runbook_text_is_shown_literally_and_keys_are_named():
    runbook = load_runbook(runbook_path(None))
    keys = {"kube.rollout_restart": "R"}
    sections = document.sections(runbook, keys, {"tech_lead": "Jane Roe, +1-555-0100"})
    assert [s.id for s in sections][:3] == ["overview", "classification", "phase:detect"]
    resolve = next(s for s in sections if s.id == "phase:resolve")
    assert "`R` Rollout restart" in resolve.markdown
    escalation = next(s for s in sections if s.id == "escalation").markdown
    assert "Jane Roe, +1-555-0100" in escalation
    hostile = document.text("BackOff[/x] \x1b]52;c;aGk=\x07 | # not a heading")
    assert "\x1b" not in hostile and "\\|" in hostile and "\\[" in hostile
    assert document.code("a `b` c") == "``a `b` c``" and document.code("`x") == "`` `x ``"
