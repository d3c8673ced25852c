"""A responder's update from the assembled war room: an incident declared at P1, `t` then
`u` in the app (the composer: the internal update and the status page's message), ctrl+s to
send, and the Slack and Statuspage receivers have it while the timeline shows each delivery."""

from __future__ import annotations

from irtui.incident.model import Actor
from irtui.incident.session import IncidentSession
from irtui.incident.stores import open_store
from irtui.ui.incident import TimelinePane
from irtui.ui.incident.compose import READ_ONLY_SEND, UpdateComposer
from irtui.ui.incident.timeline import READ_ONLY_UPDATES
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from notify_helpers import notify_config
from polling import screen_text, until
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)

SLACK = "/services/T0SECRET/B0SECRET/xoxSlackSecretToken42"


async def declare_p1(path) -> str:
    store = open_store(path)
    await store.open()
    try:
        session = IncidentSession(store, Actor("alice", "bastion-1"))
        await session.start()
        return await session.declare("EMR sync failing", "P1", ["emr-service"])
    finally:
        await store.close()


async def test_u_sends_the_update_to_slack_and_statuspage_and_the_timeline_shows_it(sim, isolated, receiver,
                                                                                    secrets):
    args = war_args(sim, isolated)
    incident = await declare_p1(args.store)
    config = notify_config(isolated, receiver)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.session.incident_id == incident, "the app to attach to the incident", pilot=pilot)
            await pilot.press("t")
            await until(lambda: app.active_pane == "timeline", "the timeline pane", pilot=pilot)
            await pilot.press("u")
            screen = await until(lambda: isinstance(app.screen, UpdateComposer) and app.screen,
                                 "the update", pilot=pilot)
            prompt = str(screen.query_one("Label").render())
            assert "sends to Slack #incidents, Statuspage" in prompt
            await until(lambda: "Status page (customers see this):" in screen_text(app),
                        "both boxes drawn", pilot=pilot)
            await pilot.press("ctrl+s")
            await until(lambda: receiver.to(SLACK) and receiver.to("/v1/pages/pg1/incidents"),
                        "Slack and Statuspage to receive the update", pilot=pilot)
            timeline = app.query_one(TimelinePane)
            shown = lambda: "\n".join(str(o.prompt) for o in timeline.list.options)  # noqa: E731
            await until(lambda: "→ #incidents (delivered)" in shown() and "→ status_page (delivered)" in shown(),
                        "the deliveries on the timeline", pilot=pilot)
    [slack] = receiver.to(SLACK)
    assert "Severity: P1" in slack.json["text"]
    [create] = [r for r in receiver.to("/v1/pages/pg1/incidents") if r.method == "POST"]
    # Customers get the runbook's external message at the P1 interval, not the internal update.
    body = create.json["incident"]["body"]
    assert create.json["incident"]["status"] == "investigating" and "We are currently experiencing issues" in body
    assert "Updates will be provided every 30 minutes." in body and "Severity: P1" not in body


async def test_channels_not_configured_are_named_on_screen_and_the_update_is_recorded(sim, isolated, receiver):
    from irtui.config import Config

    args = war_args(sim, isolated)
    await declare_p1(args.store)
    config = Config.empty()
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await until(lambda: app.session.is_open, "the app to attach to the incident", pilot=pilot)
            await pilot.press("t", "u")
            await until(lambda: isinstance(app.screen, UpdateComposer), "the update", pilot=pilot)
            await pilot.press("ctrl+s")
            await until(lambda: "Slack #incidents: not configured" in screen_text(app)
                        and "Statuspage: not configured" in screen_text(app),
                        "the not-configured lines on screen", pilot=pilot)
            await until(lambda: app.session.state.last_update_at is not None, "the update recorded", pilot=pilot)
            [posted] = [e for e in app.session.timeline if e.kind == "update_posted"]
            assert posted.details["status"] == "recorded" and posted.details["channels"] == ["#incidents",
                                                                                           "status_page"]
    assert receiver.requests == []


async def test_a_read_only_terminal_composes_and_copies_but_sends_nothing_and_says_why(sim, isolated, receiver,
                                                                                       secrets):
    args = war_args(sim, isolated, read_only=True)
    await declare_p1(args.store)
    config = notify_config(isolated, receiver)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await until(lambda: app.session.is_open, "the app to attach to the incident", pilot=pilot)
            await until(lambda: READ_ONLY_UPDATES in screen_text(app),
                        "the read-only explanation on screen", pilot=pilot)
            await pilot.press("t", "u")
            await until(lambda: isinstance(app.screen, UpdateComposer), "the composer", pilot=pilot)
            await until(lambda: READ_ONLY_SEND in screen_text(app), "the composer's read-only line", pilot=pilot)
            await pilot.press("ctrl+y")
            await until(lambda: "Severity: P1" in (app.clipboard or ""), "the update copied", pilot=pilot)
            await pilot.press("ctrl+s")
            await until(lambda: screen_text(app).count("read-only terminal: nothing is sent") >= 2,
                        "the refusal said as a notification too", pilot=pilot)
            await pilot.press("escape", "e")
            await until(lambda: "the escalation is not recorded or paged from here" in screen_text(app),
                        "the escalation prompt's read-only line", pilot=pilot)
            await pilot.press("enter", "k", "w")
            await pilot.pause(0.2)
            assert [e.kind for e in app.session.timeline] == ["declared"]
    assert receiver.requests == []


async def test_a_bad_notify_section_stops_the_war_room_in_one_line(sim, isolated, capsys):
    from irtui.config import Config
    from irtui.ui.wiring import run_war_room

    path = isolated / "config.toml"
    path.write_text('[notify.slack]\nwebhook_url_env = "https://hooks.slack.com/services/T/B/x"\n')
    config = Config.load(path)
    args = war_args(sim, isolated, read_only=True)  # which sends nothing, but still reads its config
    assert await run_war_room(args, open_connection(args, config), config) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "config.toml:2: notify.slack.webhook_url_env: must name an environment" in err
    assert "Traceback" not in err
