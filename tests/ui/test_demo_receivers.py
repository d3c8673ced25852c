"""A drill exercises the whole update and escalation flow against its own stand-in Slack,
Statuspage, PagerDuty, webhook and SMTP endpoints (`irtui.demo.receivers`, wired by the
demo launcher into `[notify]`), and ctrl+l shows what they received."""

from __future__ import annotations

from datetime import timedelta

from irtui.config import Config
from irtui.demo.receivers import DEMO_ENV
from irtui.incident.model import Actor, utcnow
from irtui.incident.session import IncidentSession
from irtui.incident.stores import open_store
from irtui.ui.demo import DemoApp, start_receivers
from irtui.ui.incident.compose import UpdateComposer
from irtui.ui.incident.escalation import EscalationPrompt
from irtui.ui.main import open_connection
from irtui.ui.screens.deliveries import DeliveriesScreen
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)


async def _declare_p0(path, minutes_ago: int) -> str:
    store = open_store(path)
    await store.open()
    try:
        session = IncidentSession(store, Actor("alice", "bastion-1"))
        await session.start()
        return await session.declare("API Gateway Down", "P0", ["api-gateway"],
                                     detected_at=utcnow() - timedelta(minutes=minutes_ago))
    finally:
        await store.close()


async def test_a_drill_delivers_to_its_own_services_and_ctrl_l_lists_them(sim, isolated, monkeypatch):
    for name in DEMO_ENV:  # the launcher sets them in its process; restored after the test
        monkeypatch.setenv(name, "")
    config = Config.empty()
    receivers = await start_receivers(config)
    try:
        args = war_args(sim, isolated)
        await _declare_p0(args.store, 31)
        workdir = isolated / "demo-work"
        workdir.mkdir()
        connection = open_connection(args, config)
        async with war_room(args, connection, config, app_class=DemoApp, workdir=workdir, sim_url=sim.url,
                            receivers=receivers) as app:
            async with app.run_test(size=(120, 36)) as pilot:
                await until(lambda: isinstance(app.screen, EscalationPrompt), "the escalation prompt", pilot=pilot)
                await pilot.press("p")
                await until(lambda: any(e.kind == "escalation" for e in app.session.timeline),
                            "the escalation recorded", pilot=pilot)
                await pilot.press("t", "u")
                await until(lambda: isinstance(app.screen, UpdateComposer), "the composer", pilot=pilot)
                await pilot.press("ctrl+s")
                services = lambda: {d.service for d in receivers.deliveries}  # noqa: E731
                wanted = {"Slack #incidents", "Slack #oncall", "Slack #war-room", "Statuspage", "PagerDuty Events",
                          "Email", "Webhook"}
                await until(lambda: wanted <= services(), "every stand-in service to receive the update", pilot=pilot)
                await pilot.press("ctrl+l")
                await until(lambda: isinstance(app.screen, DeliveriesScreen), "the deliveries view", pilot=pilot)
                text = await until(lambda: "PagerDuty Events" in screen_text(app) and screen_text(app),
                                   "the deliveries drawn", pilot=pilot)
                assert "Statuspage" in text and "incident created: investigating, impact critical" in text
                assert "We are currently experiencing issues" in text
                assert "to admins@demo.invalid" in text and "PagerDuty Events" in text
        # The escalation's page went first: in the list (scrolled above the newest).
        assert any("Escalation to Tech Lead" in d.what for d in receivers.deliveries)
    finally:
        await receivers.stop()
