"""PagerDuty acknowledge/resolve of the incident recorded at declaration, an escalation's
page, and the Slack war-room channel, against the receiver: each request's documented
shape, a 429's Retry-After honoured, refusals said and recorded, no secret on the record."""

from __future__ import annotations

from irtui.config import Config
from irtui.notify.delivery import Notifier
from irtui.notify.queue import DeliveryQueue
from irtui.notify.settings import NotifySettings
from irtui.safety import Guard

from notify_helpers import SECRETS, notify_config
from receiver import Answer


def make_notifier(session, config, tmp_path) -> Notifier:
    guard = Guard()
    return Notifier(session, NotifySettings.load(config, guard), DeliveryQueue(tmp_path / "queue.sqlite"), guard)


def record(session) -> str:
    return "\n".join(f"{e.kind} {e.text} {e.details}" for e in session.timeline)


async def test_acknowledge_and_resolve_put_the_incident_status_with_the_from_header(session, receiver, secrets,
                                                                                   tmp_path):
    await session.declare("EMR failing", "P1", ["emr-service"], details={"pagerduty_incident_id": "PXYZ123"})
    receiver.script("/incidents/PXYZ123", Answer(429, "", {"Retry-After": "0.2"}))
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    ack = await notifier.pagerduty_status("acknowledged")
    resolve = await notifier.pagerduty_status("resolved", "pool size raised to 50")
    assert ack.status == resolve.status == "delivered"
    first, second, third = receiver.to("/incidents/PXYZ123")
    assert second.at - first.at >= 0.2  # the 429's Retry-After, then the same request again
    assert second.json == {"incident": {"type": "incident_reference", "status": "acknowledged"}}
    assert third.json == {"incident": {"type": "incident_reference", "status": "resolved",
                                       "resolution": "pool size raised to 50"}}
    assert third.headers["From"] == "oncall@example.com"
    assert third.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    entries = [e for e in session.timeline if e.kind.startswith("pagerduty_")]
    assert [(e.kind, e.details["delivered"]) for e in entries] == [("pagerduty_acknowledged", True),
                                                                  ("pagerduty_resolved", True)]
    assert all(value.strip("/") not in record(session) for value in SECRETS.values())
    await notifier.aclose()


async def test_without_an_incident_id_or_config_pagerduty_says_why_and_sends_nothing(session, receiver, secrets,
                                                                                    tmp_path):
    await session.declare("EMR failing", "P1", ["emr-service"])
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    outcome = await notifier.pagerduty_status("acknowledged")
    assert outcome.status == "failed" and "no PagerDuty incident id was recorded at declaration" in outcome.line()
    bare = Notifier(session, NotifySettings.load(Config.empty()), DeliveryQueue(tmp_path / "q2.sqlite"), Guard())
    assert "set [notify.pagerduty] api_key_env" in (await bare.pagerduty_status("resolved", "x")).line()
    assert "routing_key_env" in (await bare.page("tech_lead", "Tech Lead", ""))
    assert "bot_token_env" in (await bare.create_war_room()).line()
    assert receiver.requests == []
    await notifier.aclose()
    await bare.aclose()


async def test_the_war_room_channel_is_created_once_and_a_refusal_is_recorded(session, receiver, secrets, tmp_path):
    await session.declare("EMR failing", "P0", ["emr-service"])
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    created = await notifier.create_war_room()
    assert created.status == "delivered"
    [request] = receiver.to("/api/conversations.create")
    detected = session.state.detected_at or session.state.declared_at
    assert request.json == {"name": f"incident-{detected:%Y%m%d-%H%M}", "is_private": False}
    assert request.headers["Authorization"] == f"Bearer {SECRETS['SLACK_BOT_TOKEN']}"
    assert notifier.war_room() == request.json["name"]
    refused = await notifier.create_war_room()  # the receiver now answers ok:false, name_taken
    assert refused.status == "failed" and "name_taken" in refused.reason
    [_, failed] = [e for e in session.timeline if e.kind == "war_room_channel"]
    assert failed.details["status"] == "failed" and "name_taken" in failed.details["reason"]
    assert SECRETS["SLACK_BOT_TOKEN"] not in record(session)
    await notifier.aclose()
