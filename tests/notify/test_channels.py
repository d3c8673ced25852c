"""Each channel's bytes as they arrive at a real receiver on 127.0.0.1, checked against the
shape its service documents; and the channels the runbook's table picks per severity."""

from __future__ import annotations

import pytest

from irtui.config import Config, ConfigError
from irtui.notify.delivery import Notifier
from irtui.notify.queue import DeliveryQueue
from irtui.notify.settings import NotifySettings
from irtui.runbook import load_runbook
from irtui.safety import Guard, ReadOnlyError

from notify_helpers import notify_config
from receiver import Answer


@pytest.fixture(scope="module")
def runbook():
    return load_runbook()


def make_notifier(session, config, tmp_path, guard: Guard | None = None) -> Notifier:
    guard = guard or Guard()
    return Notifier(session, NotifySettings.load(config, guard), DeliveryQueue(tmp_path / "queue.sqlite"), guard)


async def test_slack_gets_a_json_text_body_at_the_webhook_url(session, receiver, secrets, tmp_path):
    await session.declare("EMR failing", "P2", ["emr-service"])
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    outcomes = await notifier.send("Incident Update\nSeverity: P2 | Status: Investigating", ["#incidents"])
    assert [o.status for o in outcomes] == ["delivered"]
    [request] = receiver.to("/services/T0SECRET/B0SECRET/xoxSlackSecretToken42")
    assert request.method == "POST" and request.headers["Content-Type"] == "application/json"
    assert request.json == {"text": "Incident Update\nSeverity: P2 | Status: Investigating"}
    posted = [e for e in session.timeline if e.kind == "update_posted"]
    assert [(e.details["channel"], e.details["status"]) for e in posted] == [("#incidents", "delivered")]
    assert session.state.last_update_at == posted[0].ts
    await notifier.aclose()


async def test_statuspage_creates_once_then_updates_the_same_incident(session, receiver, secrets, tmp_path):
    await session.declare("EMR failing", "P1", ["emr-service", "task-service"])
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    await notifier.send("We are investigating failed EMR syncs.", ["status_page"])
    await session.set_status("Monitoring")
    await notifier.send("A fix is in place; we are monitoring.", ["status_page"])

    create, update = [r for r in receiver.requests if r.path.startswith("/v1/pages/pg1/incidents")
                      and r.method != "GET"]
    assert (create.method, create.path) == ("POST", "/v1/pages/pg1/incidents")
    assert create.headers["Authorization"] == f"OAuth {secrets['STATUSPAGE_API_KEY']}"
    assert create.json["incident"] == {
        "name": "EMR failing", "status": "investigating", "body": "We are investigating failed EMR syncs.",
        "impact_override": "major", "component_ids": ["cmpEMR", "cmpTASK"],
        "components": {"cmpEMR": "partial_outage", "cmpTASK": "partial_outage"},
        "metadata": {"irtui": {"incident_id": session.incident_id}}}
    assert (update.method, update.path) == ("PATCH", "/v1/pages/pg1/incidents/sp1")
    assert update.json["incident"]["status"] == "monitoring"
    assert update.json["incident"]["body"] == "A fix is in place; we are monitoring."
    # The Statuspage id is on the timeline, where a second responder or a restart finds it.
    posted = [e for e in session.timeline if e.kind == "update_posted"]
    assert [e.details["remote"] for e in posted] == [{"statuspage_incident_id": "sp1"}] * 2
    await notifier.aclose()


async def test_a_second_responder_updates_the_statuspage_incident_the_first_created(session, store, receiver,
                                                                                   secrets, tmp_path):
    from irtui.incident.model import Actor
    from irtui.incident.session import IncidentSession

    await session.declare("EMR failing", "P1", ["emr-service"])
    first = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    await first.send("Investigating.", ["status_page"])
    await first.aclose()
    bob = IncidentSession(store, Actor("bob", "laptop-2"))
    await bob.start()
    # Bob's Statuspage finds nothing to adopt: only the timeline can tell him the id.
    receiver.statuspage.clear()
    receiver.statuspage["sp1"] = {"id": "sp1", "status": "investigating"}
    second = make_notifier(bob, notify_config(tmp_path, receiver), tmp_path / "bob")
    await second.send("Identified the cause.", ["status_page"])
    assert [(r.method, r.path) for r in receiver.requests if r.method != "GET"] == [
        ("POST", "/v1/pages/pg1/incidents"), ("PATCH", "/v1/pages/pg1/incidents/sp1")]
    await second.aclose()
    await bob.stop()


async def test_statuspage_create_answered_500_after_it_happened_is_not_created_twice(session, receiver, secrets,
                                                                                    tmp_path):
    await session.declare("Outage", "P0", ["api-gateway"])
    receiver.script("/v1/pages/pg1/incidents", Answer(500, "internal error", apply=True))
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    [outcome] = await notifier.send("All API requests failing.", ["status_page"])
    assert outcome.status == "delivered", outcome
    assert len(receiver.statuspage) == 1  # found by its metadata, updated, not created again
    assert [r.method for r in receiver.requests if r.path.startswith("/v1/pages/pg1/incidents")] == [
        "GET", "POST", "GET", "PATCH"]
    await notifier.aclose()


async def test_pagerduty_events_trigger_acknowledge_resolve_with_one_dedup_key(session, receiver, secrets, tmp_path):
    await session.declare("Database down", "P0", ["postgres"])
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    await notifier.send("Primary unreachable.", ["pagerduty"])
    await session.set_status("Identified")
    await notifier.send("Failover started.", ["pagerduty"])
    await session.set_status("Resolved")
    await notifier.send("Replica promoted, service restored.", ["pagerduty"])
    events = [r.json for r in receiver.to("/v2/enqueue")]
    assert [e["event_action"] for e in events] == ["trigger", "acknowledge", "resolve"]
    assert {e["dedup_key"] for e in events} == {f"irtui-{session.incident_id}"}
    assert all(e["routing_key"] == secrets["PAGERDUTY_ROUTING_KEY"] for e in events)
    payload = events[0]["payload"]
    assert (payload["summary"], payload["source"], payload["severity"]) == ("[P0] Database down", "irtui", "critical")
    await notifier.aclose()


async def test_pagerduty_rest_acknowledges_the_incident_captured_at_declaration(store, actor, receiver, secrets,
                                                                              tmp_path):
    from irtui.incident.session import IncidentSession

    session = IncidentSession(store, actor)
    await session.start()
    await session.declare("Paged: EMR down", "P1", ["emr-service"], details={"pagerduty_incident_id": "PXYZ123"})
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    await notifier.send("Looking into it.", ["pagerduty_incident"])
    await session.set_status("Resolved")
    await notifier.send("Fixed by restarting emr-service.", ["pagerduty_incident"])
    ack, resolve = receiver.to("/incidents/PXYZ123")
    assert ack.method == "PUT" and ack.headers["From"] == "oncall@example.com"
    assert ack.headers["Authorization"] == f"Token token={secrets['PAGERDUTY_API_KEY']}"
    assert ack.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    assert ack.json == {"incident": {"type": "incident_reference", "status": "acknowledged"}}
    assert resolve.json == {"incident": {"type": "incident_reference", "status": "resolved",
                                         "resolution": "Fixed by restarting emr-service."}}
    await notifier.aclose()


async def test_email_reaches_the_smtp_server_with_recipients_and_subject(session, receiver, secrets, smtp_server,
                                                                        tmp_path):
    await session.declare("Security breach", "P0", ["api-gateway"])
    extra = f"""
[notify.email]
host = "127.0.0.1"
port = {smtp_server.port}
sender = "irtui@example.com"
recipients = ["security@example.com", "admins@example.com"]
"""
    notifier = make_notifier(session, notify_config(tmp_path, receiver, extra), tmp_path)
    [outcome] = await notifier.send("Unauthorized access detected; credentials rotated.", ["email"])
    assert outcome.status == "delivered", outcome
    [mail] = smtp_server.messages
    assert mail["From"] == "irtui@example.com"
    assert mail["To"] == "security@example.com, admins@example.com"
    assert mail["Subject"] == f"[P0] Security breach ({session.incident_id}): Investigating"
    assert mail.get_payload().strip() == "Unauthorized access detected; credentials rotated."
    await notifier.aclose()


@pytest.mark.parametrize(("reply", "status", "attempts", "delivered"), [
    ("451 4.3.0 try again later", "delivered", 2, 1),
    ("550 5.7.1 relaying denied", "failed", 1, 0),
])
async def test_email_retries_a_4xx_and_not_a_5xx(session, receiver, secrets, smtp_server, tmp_path, reply, status,
                                                 attempts, delivered):
    await session.declare("Security breach", "P0", ["api-gateway"])
    extra = f"""
[notify.email]
host = "127.0.0.1"
port = {smtp_server.port}
sender = "irtui@example.com"
recipients = ["security@example.com"]
"""
    smtp_server.replies.append(reply)
    notifier = make_notifier(session, notify_config(tmp_path, receiver, extra), tmp_path)
    [outcome] = await notifier.send("Containment in progress.", ["email"])
    assert outcome.status == status, outcome
    assert (smtp_server.attempts, len(smtp_server.messages)) == (attempts, delivered)
    if status == "failed":
        assert outcome.reason == "SMTP 550: 5.7.1 relaying denied"
    await notifier.aclose()


async def test_webhook_posts_json_with_an_idempotency_key(session, receiver, secrets, tmp_path):
    await session.declare("Outage", "P0", ["api-gateway"])
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    await notifier.send("We are experiencing issues.", ["webhook"])
    [request] = receiver.to("/hooks/banner-secret-path-5555")
    body = request.json
    assert request.headers["Idempotency-Key"] == body["update_id"]
    assert (body["incident_id"], body["severity"], body["text"]) == (session.incident_id, "P0",
                                                                     "We are experiencing issues.")
    await notifier.aclose()


def test_channels_follow_the_runbook_table(runbook, tmp_path):
    settings = NotifySettings.load(Config.empty())
    assert settings.targets(runbook, "P0") == ["#incidents", "#incident-<timestamp>", "#oncall", "status_page",
                                               "email", "webhook"]
    assert settings.targets(runbook, "P1") == ["#incidents", "status_page"]
    assert settings.targets(runbook, "P2") == ["#incidents"]
    assert settings.targets(runbook, "P3") == ["#incidents"]
    assert settings.not_configured("#incidents") == (
        "Slack #incidents: not configured — set [notify.slack] webhook_url_env in config.toml")


def test_a_secret_written_into_the_config_is_refused(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[notify.slack]\nwebhook_url_env = "https://hooks.slack.com/services/T/B/x"\n')
    with pytest.raises(ConfigError) as caught:
        NotifySettings.load(Config.load(path))
    assert "config.toml:2: notify.slack.webhook_url_env: must name an environment variable" in str(caught.value)
    path.write_text('[notify.slack]\nwebhook_url = "x"\n')
    with pytest.raises(ConfigError, match="unknown key"):
        NotifySettings.load(Config.load(path))


async def test_read_only_sends_nothing(session, receiver, secrets, tmp_path):
    await session.declare("Outage", "P1", ["api-gateway"])
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path, Guard(read_only=True))
    with pytest.raises(ReadOnlyError):
        await notifier.send("text", ["#incidents", "status_page"])
    assert receiver.requests == []
    await notifier.aclose()
