"""The incident's current state, derived by folding its timeline.

Nothing here is stored: severity, status, phase, ticks, roles, impact, pins, action items,
active observations and who has been working the incident are all a function of the
entries, so two processes that have seen the same entries agree, and a restart reopens the
incident exactly where it was.

A checklist entry states what its author saw the item become (`ticked` or `unticked`), never
"toggle": a tick of an item already ticked changes nothing but adds its author beside the
first, so two responders pressing the same key can never undo each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from irtui.incident.model import Actor, Entry, parse_ts


def responder_name(actor: Actor) -> str:
    """How a responder is named on screen: the name they gave, and the Kubernetes user the
    API server authenticated when it is known (`alice (system:admin)`)."""
    return f"{actor.user} ({actor.kube_user})" if actor.kube_user else actor.user


@dataclass(frozen=True)
class Tick:
    item: str
    actor: str
    ts: datetime
    seq: int | None
    who: str = ""
    also: tuple[str, ...] = ()  # others who ticked it after `who`: recorded, not a second state


@dataclass(frozen=True)
class Untick:
    item: str
    who: str
    ts: datetime
    reason: str


@dataclass(frozen=True)
class Responder:
    key: str       # user@host: two people may give the same name on different machines
    name: str
    last_seen: datetime


def checklist_state(details: dict[str, Any]) -> str:
    """`ticked` or `unticked`. Entries written before `state` existed carry `done`."""
    state = details.get("state")
    if state in ("ticked", "unticked"):
        return state
    return "ticked" if details.get("done", True) else "unticked"


@dataclass
class IncidentState:
    incident_id: str
    title: str = ""
    severity: str = ""
    status: str = "Investigating"
    phase: str = ""
    kind: str | None = None  # e.g. "outage", "database", "security", "emr": picks a playbook
    services: list[str] = field(default_factory=list)
    detected_at: datetime | None = None
    declared_at: datetime | None = None
    declared_by: str = ""
    closed_at: datetime | None = None
    resolved_at: datetime | None = None
    ticks: dict[str, Tick] = field(default_factory=dict)
    unticks: dict[str, Untick] = field(default_factory=dict)  # the last untick of an item, with its reason
    responders: dict[str, Responder] = field(default_factory=dict)  # user@host -> latest entry
    roles: dict[str, str] = field(default_factory=dict)
    impact: dict[str, Any] = field(default_factory=dict)
    pinned: set[int] = field(default_factory=set)
    action_items: list[Entry] = field(default_factory=list)
    active_observations: dict[str, int] = field(default_factory=dict)  # key -> generation
    observation_generations: dict[str, int] = field(default_factory=dict)
    last_update_at: datetime | None = None
    snoozed_until: datetime | None = None
    status_page_posted_at: datetime | None = None  # the first update that reached the status page
    escalations: list[Entry] = field(default_factory=list)
    escalation_snoozed: dict[str, datetime] = field(default_factory=dict)  # role -> prompt again at
    first_response_at: datetime | None = None
    severity_changed_at: datetime | None = None
    entries: int = 0
    last_seq: int = 0
    head: str = ""  # hash of the entry at last_seq: what a responder quotes to anchor the record

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def present(self, now: datetime, window: timedelta) -> list[Responder]:
        """Who is here: responders with an entry (a `joined` one included) within `window`
        of `now`, most recent first."""
        recent = [r for r in self.responders.values() if now - r.last_seen <= window]
        return sorted(recent, key=lambda r: r.last_seen, reverse=True)


# Kinds that show a human is working the incident: they stop the response-time clock.
RESPONSE_KINDS = frozenset({"status", "checklist", "action_started", "update_posted", "role", "phase", "note"})


def fold(incident_id: str, entries: list[Entry], state: IncidentState | None = None) -> IncidentState:
    """Apply `entries` (in order) to `state` (or a fresh one) and return it."""
    state = state or IncidentState(incident_id)
    for entry in entries:
        apply(state, entry)
    return state


def apply(state: IncidentState, entry: Entry) -> None:
    d = entry.details
    kind = entry.kind
    state.entries += 1
    if entry.seq and entry.seq >= state.last_seq:
        state.last_seq, state.head = entry.seq, entry.hash or ""
    _seen(state, entry)
    if kind == "declared":
        state.title = d.get("title", entry.text)
        state.severity = d.get("severity", state.severity)
        state.services = list(d.get("services", []))
        state.kind = d.get("incident_kind")
        state.phase = d.get("phase", state.phase)
        state.status = d.get("status", state.status)
        state.declared_at = entry.ts
        state.declared_by = str(entry.actor)
        state.detected_at = parse_ts(d["detected_at"]) if d.get("detected_at") else entry.ts
        state.severity_changed_at = entry.ts
        if d.get("impact"):
            state.impact.update(d["impact"])
        return
    if state.first_response_at is None and kind in RESPONSE_KINDS:
        state.first_response_at = entry.ts
    if kind == "severity":
        state.severity = d.get("severity", state.severity)
        state.severity_changed_at = entry.ts
    elif kind == "status":
        state.status = d.get("status", state.status)
        if state.status == "Resolved":
            state.resolved_at = state.resolved_at or entry.ts
        else:
            state.resolved_at = None
    elif kind == "phase":
        state.phase = d.get("phase", state.phase)
    elif kind == "role":
        role, person = d.get("role"), d.get("person")
        if role:
            if person:
                state.roles[role] = person
            else:
                state.roles.pop(role, None)
    elif kind == "impact":
        state.impact.update({k: v for k, v in d.items() if k != "note"})
        if "services" in d:
            state.services = list(d["services"])
    elif kind == "checklist":
        _checklist(state, entry)
    elif kind == "note":
        if entry.text.lstrip().upper().startswith("TODO:"):
            state.action_items.append(entry)
    elif kind == "pin":
        target = d.get("seq")
        if isinstance(target, int):
            if d.get("pinned", True):
                state.pinned.add(target)
            else:
                state.pinned.discard(target)
    elif kind == "observation":
        key = d.get("key")
        if key:
            state.active_observations[key] = d.get("generation", 0)
            state.observation_generations[key] = d.get("generation", 0)
    elif kind == "observation_cleared":
        key = d.get("key")
        if key:
            state.active_observations.pop(key, None)
            state.observation_generations[key] = d.get("generation", state.observation_generations.get(key, 0)) + 1
    elif kind == "update_posted":
        state.last_update_at = entry.ts
        state.snoozed_until = None
        # Delivered to Statuspage, or posted there by hand (recorded with its channels).
        if state.status_page_posted_at is None and (d.get("channel") == "status_page" or (
                d.get("status") == "recorded" and "status_page" in (d.get("channels") or ()))):
            state.status_page_posted_at = entry.ts
    elif kind == "update_snoozed":
        # `until` (the due time pushed back from where it was); older entries carry only minutes.
        until = _when(d.get("until"))
        minutes = d.get("minutes")
        if until is not None:
            state.snoozed_until = until
        elif isinstance(minutes, (int, float)):
            state.snoozed_until = entry.ts + timedelta(minutes=minutes)
    elif kind == "escalation":
        state.escalations.append(entry)
        state.escalation_snoozed.pop(str(d.get("role")), None)
    elif kind == "escalation_snoozed":
        until = _when(d.get("until"))
        if until is not None and d.get("role"):
            state.escalation_snoozed[str(d["role"])] = until
    elif kind == "closed":
        state.closed_at = entry.ts
    elif kind == "reopened":
        state.closed_at = None


def _seen(state: IncidentState, entry: Entry) -> None:
    key = f"{entry.actor.user}@{entry.actor.host}"
    known = state.responders.get(key)
    if known is None or entry.ts >= known.last_seen:
        state.responders[key] = Responder(key, responder_name(entry.actor), entry.ts)


def _checklist(state: IncidentState, entry: Entry) -> None:
    d = entry.details
    item = d.get("item")
    if not item:
        return
    who = responder_name(entry.actor)
    if checklist_state(d) == "unticked":
        if state.ticks.pop(item, None) is not None:
            state.unticks[item] = Untick(item, who, entry.ts, str(d.get("reason", "")))
        return
    tick = state.ticks.get(item)
    if tick is None:
        state.ticks[item] = Tick(item, str(entry.actor), entry.ts, entry.seq, who)
    elif who != tick.who and who not in tick.also:
        state.ticks[item] = Tick(tick.item, tick.actor, tick.ts, tick.seq, tick.who, (*tick.also, who))


def _when(value: Any) -> datetime | None:
    """An ISO timestamp from an entry's details, or None when absent or not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
