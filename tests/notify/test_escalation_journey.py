"""Escalation, snoozes, a P0's update and the PagerDuty/Slack keys, from the assembled war
room by keys only: the escalation prompt opens by itself when the clock reaches a step,
enter/p record it (and page), z snoozes it, and the clock bar reads the next step; a P0's
update reaches Slack, Statuspage (the customers' message) and PagerDuty in each API's
documented shape; k / K / w act on the PagerDuty incident and create the war-room channel."""

from __future__ import annotations

from datetime import timedelta

from irtui.incident.model import Actor, utcnow
from irtui.incident.session import IncidentSession
from irtui.incident.stores import open_store
from irtui.ui.incident.clockbar import ClockBar
from irtui.ui.incident.compose import UpdateComposer
from irtui.ui.incident.escalation import EscalationPrompt
from irtui.ui.incident.note import NoteScreen
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from notify_helpers import SECRETS, notify_config
from polling import screen_text, until
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)

SLACK = "/services/T0SECRET/B0SECRET/xoxSlackSecretToken42"
PD_INCIDENT = "PT4KHLK"


async def declare(path, severity: str, minutes_ago: int, **details) -> str:
    """An incident another responder declared, detected `minutes_ago`."""
    store = open_store(path)
    await store.open()
    try:
        session = IncidentSession(store, Actor("alice", "bastion-1"))
        await session.start()
        return await session.declare("EMR sync failing", severity, ["emr-service"],
                                     detected_at=utcnow() - timedelta(minutes=minutes_ago), details=details or None)
    finally:
        await store.close()


def clock_bar(app) -> str:
    return str(app.query_one(ClockBar).render())


def kinds(app) -> list[str]:
    return [e.kind for e in app.session.timeline]


async def test_the_escalation_prompt_opens_at_30_minutes_and_p_records_pages_and_moves_the_clock(
        sim, isolated, receiver, secrets):
    args = war_args(sim, isolated)
    incident = await declare(args.store, "P1", 31)
    config = notify_config(isolated, receiver)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: isinstance(app.screen, EscalationPrompt),
                        "the escalation prompt by itself", pilot=pilot)
            text = await until(lambda: "Phone:" in screen_text(app) and screen_text(app),
                               "the prompt drawn", pilot=pilot)
            # Who to call comes from the runbook's contacts table, shipped in the default runbook.
            assert "Escalate to Tech Lead now" in text and "Primary: John Doe" in text
            assert "Backup: Jane Smith" in text and "Phone: +1-555-0100" in text
            assert "ESCALATE Tech Lead now" in clock_bar(app)
            await pilot.press("p")
            await until(lambda: "escalation" in kinds(app), "the escalation recorded", pilot=pilot)
            await until(lambda: "esc CTO in 2" in clock_bar(app), "the clock bar on the next step", pilot=pilot)
            assert "Tech Lead" not in clock_bar(app) and not isinstance(app.screen, EscalationPrompt)
            [entry] = [e for e in app.session.timeline if e.kind == "escalation"]
            assert entry.details["role"] == "tech_lead" and entry.details["paged"] == "PagerDuty"
            assert "John Doe" in entry.details["contact"]
    [page] = receiver.to("/v2/enqueue")
    assert page.json["event_action"] == "trigger" and page.json["routing_key"] == SECRETS["PAGERDUTY_ROUTING_KEY"]
    assert page.json["dedup_key"] == f"irtui-{incident}-escalation-tech_lead"
    assert page.json["payload"]["summary"].startswith("[P1] Escalation to Tech Lead: EMR sync failing")
    assert page.json["payload"]["severity"] == "error" and page.json["payload"]["source"] == "irtui"


async def test_snoozing_the_escalation_and_the_update_moves_each_clock_and_is_recorded(sim, isolated):
    from irtui.config import Config

    args = war_args(sim, isolated)
    await declare(args.store, "P1", 31)
    config = Config.empty()
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: isinstance(app.screen, EscalationPrompt), "the escalation prompt", pilot=pilot)
            assert "update OVERDUE" in clock_bar(app)
            await pilot.press("z")
            await until(lambda: "escalation_snoozed" in kinds(app), "the escalation snooze recorded", pilot=pilot)
            await until(lambda: "esc Tech Lead in 9m" in clock_bar(app) or "esc Tech Lead in 10m" in clock_bar(app),
                        "the escalation clock moved by the snooze", pilot=pilot)
            assert "ESCALATE" not in clock_bar(app)
            await pilot.press("t")
            await until(lambda: app.active_pane == "timeline", "the timeline pane", pilot=pilot)
            await pilot.press("z")
            await until(lambda: "update_snoozed" in kinds(app), "the update snooze recorded", pilot=pilot)
            await until(lambda: "update in 9m" in clock_bar(app) or "update in 10m" in clock_bar(app),
                        "the update clock moved by the snooze", pilot=pilot)
            [snoozed] = [e for e in app.session.timeline if e.kind == "update_snoozed"]
            assert snoozed.details["minutes"] == 10 and "until" in snoozed.details
            await until(lambda: "snoozed" in screen_text(app), "the snooze on the timeline", pilot=pilot)


async def test_a_p0_update_reaches_slack_statuspage_and_pagerduty_in_their_documented_shapes(
        sim, isolated, receiver, secrets):
    args = war_args(sim, isolated)
    incident = await declare(args.store, "P0", 2, pagerduty_incident_id=PD_INCIDENT)
    config = notify_config(isolated, receiver)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await until(lambda: app.session.incident_id == incident, "the app to attach to the incident", pilot=pilot)
            assert "status page in 1" in clock_bar(app)  # due 15 minutes after detection
            await pilot.press("t")
            await until(lambda: app.active_pane == "timeline", "the timeline pane", pilot=pilot)
            await pilot.press("u")
            await until(lambda: isinstance(app.screen, UpdateComposer), "the composer", pilot=pilot)
            await until(lambda: "Status page (customers see this):" in screen_text(app),
                        "both boxes drawn", pilot=pilot)
            await pilot.press("ctrl+s")
            await until(lambda: receiver.to(SLACK) and receiver.to("/v1/pages/pg1/incidents")
                        and receiver.to("/v2/enqueue") and receiver.to(f"/incidents/{PD_INCIDENT}"),
                        "Slack, Statuspage and PagerDuty to receive the update", pilot=pilot)
            await until(lambda: "status page" not in clock_bar(app), "the status page clock to stop", pilot=pilot)
            timeline = "\n".join(f"{e.text} {e.details}" for e in app.session.timeline)
    [slack] = receiver.to(SLACK)
    assert set(slack.json) == {"text"} and "Severity: P0" in slack.json["text"]
    [create] = [r for r in receiver.to("/v1/pages/pg1/incidents") if r.method == "POST"]
    sp = create.json["incident"]
    assert sp["status"] == "investigating" and sp["impact_override"] == "critical"
    assert sp["component_ids"] == ["cmpEMR"] and sp["components"] == {"cmpEMR": "major_outage"}
    assert "We are currently experiencing issues" in sp["body"] and "every 15 minutes" in sp["body"]
    assert create.headers["Authorization"] == f"OAuth {SECRETS['STATUSPAGE_API_KEY']}"
    [event] = receiver.to("/v2/enqueue")
    assert event.json["event_action"] == "trigger" and event.json["dedup_key"] == f"irtui-{incident}"
    assert event.json["payload"]["severity"] == "critical"
    assert event.json["routing_key"] == SECRETS["PAGERDUTY_ROUTING_KEY"]
    [put] = receiver.to(f"/incidents/{PD_INCIDENT}")
    assert put.method == "PUT" and put.json["incident"]["status"] == "acknowledged"
    assert put.headers["From"] == "oncall@example.com"
    assert put.headers["Authorization"] == f"Token token={SECRETS['PAGERDUTY_API_KEY']}"
    for secret in SECRETS.values():
        assert secret.strip("/") not in timeline


async def test_k_K_and_w_acknowledge_and_resolve_the_pagerduty_incident_and_create_the_war_room(
        sim, isolated, receiver, secrets):
    args = war_args(sim, isolated)
    await declare(args.store, "P1", 2, pagerduty_incident_id=PD_INCIDENT)
    config = notify_config(isolated, receiver)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await until(lambda: app.session.is_open, "the app to attach to the incident", pilot=pilot)
            await pilot.press("t")
            await until(lambda: app.active_pane == "timeline", "the timeline pane", pilot=pilot)
            await pilot.press("k")
            await until(lambda: "pagerduty_acknowledged" in kinds(app), "the acknowledge recorded", pilot=pilot)
            await pilot.press("K")
            await until(lambda: isinstance(app.screen, NoteScreen), "the resolution message", pilot=pilot)
            await pilot.press("end", "!", "enter")
            await until(lambda: "pagerduty_resolved" in kinds(app), "the resolve recorded", pilot=pilot)
            await pilot.press("c")
            await until(lambda: "war_room_channel" in kinds(app), "the war-room channel recorded", pilot=pilot)
            await until(lambda: "war-room channel #incident-" in screen_text(app), "the channel on screen", pilot=pilot)
            timeline = "\n".join(f"{e.text} {e.details}" for e in app.session.timeline)
    puts = receiver.to(f"/incidents/{PD_INCIDENT}")
    assert [p.json["incident"]["status"] for p in puts] == ["acknowledged", "resolved"]
    assert all(p.headers["From"] == "oncall@example.com" for p in puts)
    assert puts[1].json["incident"]["resolution"] == "Resolved: EMR sync failing!"
    [channel] = receiver.to("/api/conversations.create")
    assert channel.headers["Authorization"] == f"Bearer {SECRETS['SLACK_BOT_TOKEN']}"
    assert channel.json["name"].startswith("incident-") and channel.json["is_private"] is False
    for secret in SECRETS.values():
        assert secret.strip("/") not in timeline
