"""Delivery against a receiver that misbehaves on cue: a 429's Retry-After is honoured, a
500 is retried and the update arrives once, a 400 is not retried and its reason is kept,
an unanswered Slack post is not resent, a queued update survives a restart of the sender,
and no secret reaches the timeline store, the report or the log."""

from __future__ import annotations

import logging

import pytest

from irtui.incident.report import render_report
from irtui.notify.delivery import Notifier
from irtui.notify.queue import DeliveryQueue
from irtui.notify.settings import NotifySettings
from irtui.runbook import load_runbook
from irtui.safety import Guard

from notify_helpers import notify_config
from receiver import Answer

SLACK = "/services/T0SECRET/B0SECRET/xoxSlackSecretToken42"


def make_notifier(session, config, tmp_path, **kwargs) -> Notifier:
    guard = Guard()
    return Notifier(session, NotifySettings.load(config, guard), DeliveryQueue(tmp_path / "queue.sqlite"), guard,
                    **kwargs)


def kinds(session, kind: str) -> list:
    return [e for e in session.timeline if e.kind == kind]


async def test_429_waits_for_retry_after_then_delivers(session, receiver, secrets, tmp_path):
    await session.declare("EMR failing", "P2", ["emr-service"])
    receiver.script(SLACK, Answer(429, "rate_limited", {"Retry-After": "1"}))
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    [outcome] = await notifier.send("update", ["#incidents"])
    assert outcome.status == "delivered"
    first, second = receiver.to(SLACK)
    assert second.at - first.at >= 1.0  # not before the service said
    assert len(kinds(session, "update_posted")) == 1
    await notifier.aclose()


async def test_500_is_retried_and_the_update_arrives_once(session, receiver, secrets, tmp_path):
    await session.declare("EMR failing", "P2", ["emr-service"])
    receiver.script(SLACK, Answer(500, "internal"), Answer(503, "unavailable"))
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    [outcome] = await notifier.send("update", ["#incidents"])
    assert outcome.status == "delivered"
    assert len(receiver.to(SLACK)) == 3
    [posted] = kinds(session, "update_posted")
    assert posted.details["attempts"] == 3 and posted.details["status"] == "delivered"
    assert notifier.pending() == []
    await notifier.aclose()


async def test_400_is_not_retried_and_says_why(session, receiver, secrets, tmp_path):
    await session.declare("EMR failing", "P2", ["emr-service"])
    receiver.script(SLACK, Answer(400, "invalid_payload"))
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    [outcome] = await notifier.send("update", ["#incidents"])
    assert (outcome.status, outcome.reason) == ("failed", "HTTP 400: invalid_payload")
    assert len(receiver.to(SLACK)) == 1
    [failed] = kinds(session, "update_failed")
    assert failed.details["reason"] == "HTTP 400: invalid_payload" and "invalid_payload" in failed.text
    assert kinds(session, "update_posted") == [] and session.state.last_update_at is None
    assert notifier.pending() == []
    await notifier.aclose()


async def test_slack_post_without_an_answer_is_not_sent_twice(session, receiver, secrets, tmp_path):
    await session.declare("EMR failing", "P2", ["emr-service"])
    receiver.script(SLACK, Answer(200, "ok", delay=2.0))
    notifier = make_notifier(session, notify_config(tmp_path, receiver, timeout=0.3), tmp_path)
    [outcome] = await notifier.send("update", ["#incidents"])
    assert outcome.status == "unknown" and "may have been delivered" in outcome.reason
    assert len(receiver.to(SLACK)) == 1
    assert kinds(session, "update_failed")[0].details["status"] == "unknown"
    await notifier.aclose()


async def test_a_queued_update_survives_a_restart_and_is_delivered_later(session, receiver, secrets, tmp_path):
    await session.declare("EMR failing", "P1", ["emr-service"])
    receiver.script(SLACK, *[Answer(503, "unavailable")] * 2)
    first = make_notifier(session, notify_config(tmp_path, receiver, attempts=2), tmp_path)
    [outcome] = await first.send("still investigating", ["#incidents"])
    assert outcome.status == "queued"
    [queued] = kinds(session, "update_queued")
    assert queued.details["reason"] == "HTTP 503: unavailable" and "will retry" in queued.text
    await first.aclose()  # the terminal restarts

    later = [0.0]
    second = make_notifier(session, notify_config(tmp_path, receiver), tmp_path,
                           clock=lambda: 10_000_000_000.0 + later[0])
    assert [p.channel for p in second.pending()] == ["#incidents"]
    [outcome] = await second.retry_due()
    assert outcome.status == "delivered"
    assert [r.json["text"] for r in receiver.to(SLACK)] == ["still investigating"] * 3
    [posted] = kinds(session, "update_posted")
    assert posted.details["update_id"] == queued.details["update_id"]
    assert second.pending() == [] and await second.retry_due() == []
    await second.aclose()


async def test_the_retry_loop_delivers_what_is_due(session, receiver, secrets, tmp_path):
    import asyncio

    from polling import until

    await session.declare("EMR failing", "P2", ["emr-service"])
    receiver.script(SLACK, Answer(503, "unavailable"))
    notifier = make_notifier(session, notify_config(tmp_path, receiver, attempts=1), tmp_path)
    [outcome] = await notifier.send("update", ["#incidents"])
    assert outcome.status == "queued"
    assert notifier.needs_retries()
    loop = asyncio.ensure_future(notifier.run())
    try:
        await until(lambda: kinds(session, "update_posted"), what="the queued update delivered")
        await asyncio.wait_for(loop, 30)  # an empty queue ends the loop: nothing idles
    finally:
        loop.cancel()
    assert len(receiver.to(SLACK)) == 2
    assert not notifier.needs_retries()
    await notifier.aclose()


@pytest.mark.parametrize("scripted", ["ok", "echo"])
async def test_no_secret_reaches_the_timeline_report_queue_or_log(session, store, receiver, secrets, tmp_path,
                                                                 caplog, scripted):
    caplog.set_level(logging.DEBUG)
    await session.declare("Outage", "P0", ["api-gateway"])
    if scripted == "echo":
        # A service that quotes the request back in its error must not leak it either.
        for path in (SLACK, "/v1/pages/pg1/incidents/unresolved", "/v2/enqueue"):
            receiver.script(path, Answer(400, f"bad request to {secrets['SLACK_WEBHOOK_URL']} with "
                                              f"token={secrets['STATUSPAGE_API_KEY']} "
                                              f"routing_key {secrets['PAGERDUTY_ROUTING_KEY']}"))
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    await notifier.send(f"update; webhook was {secrets['SLACK_WEBHOOK_URL']}",
                        ["#incidents", "status_page", "pagerduty", "webhook", "#oncall"])
    await notifier.aclose()

    stored = b"".join(p.read_bytes() for p in tmp_path.glob("incidents.sqlite*"))
    queue = b"".join(p.read_bytes() for p in tmp_path.glob("queue.sqlite*"))
    report = render_report(load_runbook(), await store.entries(session.incident_id))
    report_json = render_report(load_runbook(), await store.entries(session.incident_id), "json")
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert b"update_posted" in stored or b"update_failed" in stored
    for name, value in secrets.items():
        token = value.rsplit("/", 1)[-1]
        for where, text in (("store", stored), ("queue", queue)):
            assert token.encode() not in text, (name, where)
        for where, text in (("report", report), ("report json", report_json), ("log", log)):
            assert token not in text, (name, where)


async def test_the_queue_file_is_private(session, receiver, secrets, tmp_path):
    await session.declare("EMR failing", "P2", ["emr-service"])
    notifier = make_notifier(session, notify_config(tmp_path, receiver), tmp_path)
    await notifier.send("update", ["#incidents"])
    await notifier.aclose()
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.glob("queue.sqlite*")}
    assert modes["queue.sqlite"] == 0o600 and set(modes.values()) == {0o600}, modes
