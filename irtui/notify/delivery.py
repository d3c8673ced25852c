"""Sending an update to its channels: queue first, then attempts with capped, jittered
backoff (a 429's `Retry-After` wins), and every outcome recorded on the timeline.

Timeline entries (details never hold a key):
- `update_posted` for each channel that has the update: channel, `status: delivered`,
  remote ids (a Statuspage incident id, a PagerDuty dedup_key). It resets the next-update
  clock. When no channel is configured at all, the update is recorded as posted by the
  responder by hand (`status: recorded`), which resets the clock too.
- `update_queued` when a channel keeps failing in a way worth retrying: the update stays in
  the delivery queue and is retried until delivered.
- `update_failed` when retrying cannot help (a 400 and its reason; a channel not
  configured) or could duplicate it (sent, no answer, no idempotency: `status: unknown`).

An outcome is recorded before the queue forgets the delivery, and a queued delivery whose
`update_posted` is already on the timeline is not sent again: a crash between the two
costs a duplicate entry at worst, never a duplicate message.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from irtui.backoff import backoff_delay
from irtui.config import Config, data_dir
from irtui.incident.model import Entry
from irtui.incident.session import IncidentSession
from irtui.incident.store import make_entry
from irtui.notify.channel import Channel, DeliveryError, Message, scrub
from irtui.notify.pagerduty import PagerDutyEvents, PagerDutyIncident
from irtui.notify.queue import DeliveryQueue, Pending
from irtui.notify.settings import NotifySettings
from irtui.safety import Guard, LazyHttpClient

log = logging.getLogger(__name__)

QUEUE_FILE = "notify-queue.sqlite"
IDLE_WAKE = 30.0  # seconds between looks at the queue when nothing is due sooner
LONGEST_WAIT_IN_SEND = 30.0  # a longer Retry-After is waited out in the queue, not in the send


@dataclass
class Outcome:
    """What became of an update on one channel, for the responder's screen."""

    channel: str
    label: str
    status: str  # delivered | queued | failed | unknown | not_configured | recorded
    reason: str = ""
    remote: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        verdict = {"delivered": "delivered", "queued": "queued, will retry", "failed": "not delivered",
                   "unknown": "unknown", "recorded": "recorded as posted", "not_configured": ""}[self.status]
        if self.status == "not_configured":
            return self.reason
        return f"{self.label}: {verdict}" + (f" — {self.reason}" if self.reason else "")


class Notifier:
    """Sends the open incident's updates through the configured channels; one per terminal."""

    def __init__(self, session: IncidentSession, settings: NotifySettings, queue: DeliveryQueue, guard: Guard, *,
                 clock: Callable[[], float] = time.time, rng: random.Random | None = None) -> None:
        self.session = session
        self.settings = settings
        self.queue = queue
        self.guard = guard
        self.clock = clock
        self.rng = rng or random.Random()
        self.client = LazyHttpClient(guard, timeout=settings.timeout)
        self._in_flight: set[str] = set()
        self._wake = asyncio.Event()
        _hide_urls_in_httpx_log()

    @classmethod
    def from_config(cls, config: Config, session: IncidentSession, guard: Guard, *,
                    workdir: Path | None = None) -> Notifier:
        """`workdir` (a drill's): the queue lives there, not in the user's data directory."""
        settings = NotifySettings.load(config, guard)
        return cls(session, settings, DeliveryQueue(Path(workdir or data_dir()) / QUEUE_FILE), guard)

    async def aclose(self) -> None:
        await self.client.aclose()
        self.queue.close()

    # -- sending ----------------------------------------------------------------------------
    def targets(self, runbook: Any) -> list[str]:
        """Where an update of the open incident goes now; the PagerDuty incident only when
        one was recorded at declaration."""
        names = self.settings.targets(runbook, self.session.current.severity)
        if not _previous(self.session.timeline, "pagerduty_incident").get("pagerduty_incident_id"):
            names = [n for n in names if n != "pagerduty_incident"]
        return names

    async def send(self, text: str, targets: Iterable[str], *, texts: dict[str, str] | None = None) -> list[Outcome]:
        """Send the update to `targets` (runbook channel names); durable before the first try.
        `texts` gives a channel its own text (the status page's message for customers)."""
        self.guard.check("status update")
        for channel in self.settings.channels.values():
            channel.remember_secrets()
        state = self.session.current
        message = Message(update_id=uuid.uuid4().hex, incident_id=self.session.attached_id, text=scrub(text),
                          title=state.title, severity=state.severity, status=state.status,
                          services=tuple(state.services))
        targets = list(dict.fromkeys(targets))
        missing = [Outcome(t, self.settings.label(t), "not_configured", self.settings.not_configured(t))
                   for t in targets if t not in self.settings.channels]
        ready = [t for t in targets if t in self.settings.channels]
        own = {t: scrub(v) for t, v in (texts or {}).items() if v and v.strip()}
        if not ready:
            # Nothing to send through: the responder posts it by hand, as before.
            extra = {"texts": own} if own else {}
            await self.session.post_update(message.text, targets, update_id=message.update_id, status="recorded",
                                           **extra)
            return [*missing, Outcome("", "Update", "recorded")]
        items = [self.queue.put(t, replace(message, text=own[t]) if t in own else message, due=self.clock())
                 for t in ready]
        self._in_flight.update(item.id for item in items)  # before any await: the retry loop keeps off
        for outcome in missing:
            await self._record(message, "update_failed", f"{outcome.label}: not sent (not configured)",
                               outcome.channel, "not_configured", reason=outcome.reason)
        delivered = await asyncio.gather(*(self._deliver(item, self.settings.attempts) for item in items))
        return [*missing, *delivered]

    # -- PagerDuty: the incident that paged us, and escalation pages ----------------------
    def pagerduty_incident_id(self) -> str:
        """The PagerDuty incident recorded at declaration, or ""."""
        return str(_previous(self.session.timeline, "pagerduty_incident").get("pagerduty_incident_id") or "")

    def can_page(self) -> bool:
        return isinstance(self.settings.channels.get("pagerduty"), PagerDutyEvents)

    async def pagerduty_status(self, status: str, note: str = "") -> Outcome:
        """Acknowledge or resolve (with `note`) the PagerDuty incident recorded at
        declaration, through REST v2; recorded on the timeline either way."""
        self.guard.check(f"PagerDuty {status}")
        channel = self.settings.channels.get("pagerduty_incident")
        label = "PagerDuty incident"
        incident = self.pagerduty_incident_id()
        if not isinstance(channel, PagerDutyIncident):
            return Outcome("pagerduty_incident", label, "not_configured",
                           f"{label}: not configured — set [notify.pagerduty] api_key_env and from_email in config.toml")
        if not incident:
            return Outcome("pagerduty_incident", label, "failed",
                           "no PagerDuty incident id was recorded at declaration (the declare form asks for it)")
        channel.remember_secrets()
        note = scrub(note)
        error = await self._with_retries(lambda: channel.set_status(self.client.client, incident, status, note))
        verb = {"acknowledged": "acknowledged", "resolved": "resolved"}.get(status, status)
        details = {"pagerduty_incident_id": incident, "status": status, "delivered": error is None,
                   **({"resolution": note} if note else {}), **({"reason": error} if error else {})}
        text = (f"PagerDuty incident {incident} {verb}" if error is None
                else f"PagerDuty incident {incident}: not {verb}: {error}")
        await self.session.append(f"pagerduty_{status}", text, details)
        return Outcome("pagerduty_incident", label, "delivered" if error is None else "failed", error or "")

    async def page(self, role: str, title: str, contact: str) -> str | None:
        """Page the escalation's role through PagerDuty Events v2; None when delivered, else
        why not (the caller records it with the escalation)."""
        self.guard.check(f"page {role}")
        channel = self.settings.channels.get("pagerduty")
        if not isinstance(channel, PagerDutyEvents):
            return "PagerDuty not configured: set [notify.pagerduty] routing_key_env in config.toml"
        channel.remember_secrets()
        state = self.session.current
        summary = f"[{state.severity}] Escalation to {title}: {state.title} ({self.session.incident_id})"
        details = {"incident_id": self.session.incident_id, "role": role, "contact": scrub(contact)}
        dedup = f"irtui-{self.session.incident_id}-escalation-{role}"
        return await self._with_retries(lambda: channel.page(self.client.client, dedup, summary, state.severity, details))

    async def _with_retries(self, call: Callable[[], Any]) -> str | None:
        """Up to `attempts` tries of one idempotent request; None, or the last reason."""
        reason = ""
        for attempt in range(self.settings.attempts):
            try:
                await call()
                return None
            except DeliveryError as exc:
                reason = exc.reason
                if not exc.retry or attempt + 1 >= self.settings.attempts:
                    break
                delay = exc.after if exc.after is not None else backoff_delay(
                    attempt + 1, self.settings.retry_base, self.settings.retry_cap, self.rng)
                if delay > LONGEST_WAIT_IN_SEND:
                    break
                await asyncio.sleep(delay)
        return reason

    # -- Slack: the incident's war-room channel -------------------------------------------
    def war_room(self) -> str:
        """The war-room channel already created for the open incident, or ""."""
        entry = next((e for e in self.session.timeline if e.kind == "war_room_channel"
                      and e.details.get("status") == "created"), None)
        return str(entry.details.get("name", "")) if entry else ""

    async def create_war_room(self) -> Outcome:
        """`#incident-<timestamp>` (the detection time, UTC) through `conversations.create`."""
        self.guard.check("Slack war-room channel")
        api = self.settings.slack_api
        label = "Slack war room"
        if api is None:
            return Outcome("slack_api", label, "not_configured",
                           f"{label}: not configured — set [notify.slack] bot_token_env in config.toml")
        state = self.session.current
        detected = state.detected_at or state.declared_at
        name = f"incident-{detected:%Y%m%d-%H%M}" if detected else f"incident-{self.session.attached_id.lower()}"
        api.remember_secrets()
        created: dict[str, str] = {}

        async def create() -> None:
            created.update(await api.create_channel(self.client.client, name))

        error = await self._with_retries(create)
        if error is None:
            await self.session.append("war_room_channel", f"war-room channel #{created['name']} created",
                                      {"status": "created", "name": created["name"], "channel_id": created["id"]})
            return Outcome("slack_api", label, "delivered", f"#{created['name']}")
        await self.session.append("war_room_channel", f"war-room channel #{name}: not created: {error}",
                                  {"status": "failed", "name": name, "reason": error})
        return Outcome("slack_api", label, "failed", error)

    async def retry_due(self) -> list[Outcome]:
        """One attempt for every queued delivery whose time has come."""
        now = self.clock()
        due = [item for item in self.queue.all() if item.due <= now and item.id not in self._in_flight]
        self._in_flight.update(item.id for item in due)
        return list(await asyncio.gather(*(self._deliver(item, 1) for item in due)))

    async def run(self) -> None:
        """Retry the queue until it is empty (a worker's body, started by `needs_retries`).

        It ends rather than idling so that nothing runs, and nothing wakes the app, while
        every update has been delivered."""
        while True:
            floor = 0.05
            try:
                await self.retry_due()
            except Exception:  # one bad round must not end the retries, nor spin them
                log.exception("notify queue retry failed")
                floor = self.settings.retry_cap
            waiting = [p for p in self.queue.all() if p.id not in self._in_flight]
            if not waiting and not self._in_flight:
                return
            wait = min([max(floor, p.due - self.clock()) for p in waiting] + [IDLE_WAKE])
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except asyncio.TimeoutError:
                pass

    def pending(self) -> list[Pending]:
        return self.queue.all()

    def needs_retries(self) -> bool:
        """Whether anything waits in the queue for `run` to retry."""
        return bool(self.queue.all())

    # -- one delivery ---------------------------------------------------------------------
    async def _deliver(self, item: Pending, attempts: int) -> Outcome:
        """Up to `attempts` tries of one queued delivery; the caller marked it in flight."""
        label = self.settings.label(item.channel)
        channel = self.settings.channels.get(item.channel)
        try:
            if channel is None:  # config changed since it was queued: kept until it names it again
                item.due = self.clock() + IDLE_WAKE
                self.queue.reschedule(item)
                return Outcome(item.channel, label, "queued", "channel no longer configured; kept in the queue")
            history = await self._history(item.message.incident_id)
            if any(_is_delivery(e, item) for e in history):
                self.queue.delete(item)  # delivered and recorded before a crash: not sent twice
                return Outcome(item.channel, label, "delivered")
            for attempt in range(attempts):
                previous = _previous(history, item.channel)
                try:
                    remote = await _attempt(channel, item.message, self.client, previous)
                except DeliveryError as exc:
                    item.attempts += 1
                    item.last_error = exc.reason
                    if not exc.retry:
                        status = "unknown" if exc.unknown else "failed"
                        await self._record(item.message, "update_failed", f"{label}: not delivered: {exc.reason}",
                                           item.channel, status, reason=exc.reason, attempts=item.attempts)
                        self.queue.delete(item)
                        return Outcome(item.channel, label, status, exc.reason)
                    # Imported here: the monitor module brings asyncpg, which a war room with
                    # no [database] never needs, and irtui's first frame should not wait for.
                    delay = exc.after if exc.after is not None else backoff_delay(
                        item.attempts, self.settings.retry_base, self.settings.retry_cap, self.rng)
                    log.warning("%s: not delivered (%s); attempt %d, next in %.1f s", label, exc.reason,
                                item.attempts, delay)
                    item.due = self.clock() + delay
                    if attempt + 1 < attempts and delay <= LONGEST_WAIT_IN_SEND:
                        self.queue.reschedule(item)
                        await asyncio.sleep(delay)
                        continue
                    return await self._still_queued(item, label, exc.reason)
                await self.session.post_update(item.message.text, [item.channel], update_id=item.message.update_id,
                                               channel=item.channel, status="delivered", remote=remote,
                                               attempts=item.attempts + 1)
                self.queue.delete(item)
                return Outcome(item.channel, label, "delivered", remote=remote)
            raise ValueError("attempts must be at least 1")
        finally:
            self._in_flight.discard(item.id)
            self._wake.set()

    async def _still_queued(self, item: Pending, label: str, reason: str) -> Outcome:
        first = not item.queued
        item.queued = True
        self.queue.reschedule(item)
        if first:  # said once on the timeline; the queue keeps trying quietly
            await self._record(item.message, "update_queued", f"{label}: not yet delivered ({reason}); queued, "
                               "will retry", item.channel, "queued", reason=reason, attempts=item.attempts)
        return Outcome(item.channel, label, "queued", reason)

    async def _history(self, incident_id: str) -> list[Entry]:
        if incident_id == self.session.incident_id:
            return self.session.timeline
        return await self.session.store.entries(incident_id)

    async def _record(self, message: Message, kind: str, text: str, channel: str, status: str, **details: Any) -> None:
        body = {"update_id": message.update_id, "channel": channel, "status": status,
                **{k: scrub(v) if isinstance(v, str) else v for k, v in details.items()}}
        if message.incident_id == self.session.incident_id:
            await self.session.append(kind, text, body)
        else:  # the queue outlived its incident's turn on screen: record on that incident
            self.guard.check(f"timeline entry ({kind})")
            await self.session.store.append(make_entry(message.incident_id, kind, text, body, self.session.actor,
                                                       ts=self.session.now()))


async def _attempt(channel: Channel, message: Message, client: Any, previous: dict[str, Any]) -> dict[str, Any]:
    try:
        return await channel.deliver(message, client, previous)
    except DeliveryError:
        raise
    except Exception as exc:
        # A fault of ours, not the service's: whether anything left is unknown, so it is
        # neither resent nor hidden.
        log.exception("%s: delivery failed", channel.label)
        raise DeliveryError(f"internal error ({type(exc).__name__}), check {channel.label}", retry=False,
                            unknown=True) from None


def _is_delivery(entry: Entry, item: Pending) -> bool:
    return (entry.kind == "update_posted" and entry.details.get("update_id") == item.message.update_id
            and entry.details.get("channel") == item.channel)


def _previous(history: list[Entry], channel: str) -> dict[str, Any]:
    """Remote ids from earlier deliveries of this incident to `channel`, and the PagerDuty
    incident id captured at declaration."""
    previous: dict[str, Any] = {}
    for entry in history:
        if entry.kind == "declared" and entry.details.get("pagerduty_incident_id"):
            previous["pagerduty_incident_id"] = entry.details["pagerduty_incident_id"]
        elif entry.kind == "update_posted" and entry.details.get("channel") == channel:
            previous.update(entry.details.get("remote") or {})
    return previous


class _ScrubSecrets(logging.Filter):
    """httpx logs each request's full URL at INFO; a Slack webhook URL is itself a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _hide_urls_in_httpx_log() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _ScrubSecrets) for f in logger.filters):
        logger.addFilter(_ScrubSecrets())
