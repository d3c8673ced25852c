"""The incident clocks: plain Python over the folded state and an injectable `now`.

- time since detection;
- the response-time target for the severity (runbook: 15 min / 1 h / 4 h / 24 h), counting
  down from detection until a responder first acts, breached when it runs out;
- the next status update due (runbook interval per severity), reset by `update_posted`,
  pushed back by `update_snoozed` (to the `until` it records);
- the status page, due within the runbook's time of a P0/P1 detection (15 min), stopped by
  the first update that reaches it;
- the next escalation step (on-call -> tech lead after 30 min -> CTO after 1 h -> vendors):
  steps are taken in order, a recorded `escalation` moves the clock to the step after it
  (even when recorded early), an `escalation_snoozed` puts the step off to its `until`;
  its contact from the runbook's contacts table or the user's `[contacts]`, never code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from irtui.incident.state import IncidentState


@dataclass(frozen=True)
class EscalationStep:
    role: str
    title: str
    after: timedelta


@dataclass(frozen=True)
class ClockPolicy:
    response: dict[str, timedelta]
    update_interval: dict[str, timedelta]
    escalation: tuple[EscalationStep, ...]
    status_page_within: timedelta | None = None
    status_page_severities: frozenset[str] = frozenset()

    @classmethod
    def from_runbook(cls, runbook: Any) -> ClockPolicy:
        page = getattr(runbook.communication, "status_page", None) or {}
        within = page.get("update_within")
        if isinstance(within, str):
            from irtui.runbook.schema import parse_duration

            within = parse_duration(within)
        return cls(
            response={s.id: s.response_time for s in runbook.severities},
            update_interval={u.severity: u.interval for u in runbook.communication.update_frequency},
            escalation=tuple(EscalationStep(s.role, s.title, s.after) for s in runbook.escalation.steps),
            status_page_within=within if isinstance(within, timedelta) else None,
            status_page_severities=frozenset(page.get("severities") or ()),
        )


@dataclass(frozen=True)
class ClockReadout:
    since_detection: timedelta
    severity: str
    response_target: timedelta | None
    response_remaining: timedelta | None  # None once responded
    responded_in: timedelta | None
    response_breached: bool
    update_due_at: datetime | None
    update_remaining: timedelta | None  # negative when overdue
    update_overdue: bool
    escalation_current: EscalationStep | None  # the step the elapsed time has reached
    escalation_next: EscalationStep | None
    escalation_next_in: timedelta | None
    escalation_contact: str
    escalation_due: bool  # reached a step beyond on-call that no `escalation` entry records
    resolved: bool
    status_page_due_at: datetime | None = None  # None: not owed (severity, resolved, or posted)
    status_page_remaining: timedelta | None = None  # negative when overdue
    status_page_posted: bool = False

    @property
    def status_page_overdue(self) -> bool:
        return self.status_page_remaining is not None and self.status_page_remaining < timedelta(0)

    @property
    def breached(self) -> bool:
        return self.response_breached or self.update_overdue or self.escalation_due or self.status_page_overdue

    def due_within(self, window: timedelta) -> bool:
        """A clock not yet breached (response, next update, next escalation) runs out within `window`."""
        left = [t for t in (self.response_remaining, self.update_remaining, self.escalation_next_in) if t is not None]
        return not self.breached and any(t <= window for t in left)


def contact_for(contacts: dict[str, Any], role: str) -> str:
    """`[contacts]` may map a role to a string or to {primary, backup, phone}."""
    value = contacts.get(role)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        parts = [str(value[k]) for k in ("primary", "backup", "phone") if value.get(k)]
        if parts:
            return " / ".join(parts)
    return ""


def compute(state: IncidentState, policy: ClockPolicy, now: datetime, contacts: dict[str, Any] | None = None) -> ClockReadout:
    contacts = contacts or {}
    detected = state.detected_at or state.declared_at or now
    end = state.resolved_at or state.closed_at
    elapsed = (end or now) - detected
    resolved = end is not None

    target = policy.response.get(state.severity)
    responded_in = remaining = None
    breached = False
    if state.first_response_at is not None:
        responded_in = state.first_response_at - detected
        breached = target is not None and responded_in > target
    elif target is not None:
        remaining = target - ((end or now) - detected)
        breached = remaining < timedelta(0)

    due_at = update_remaining = None
    overdue = False
    interval = policy.update_interval.get(state.severity)
    if interval is not None and not resolved:
        base = state.last_update_at or detected
        due_at = base + interval
        if state.snoozed_until and state.snoozed_until > due_at:
            due_at = state.snoozed_until
        update_remaining = due_at - now
        overdue = update_remaining < timedelta(0)

    # Steps are taken in order: the first step after on-call that no `escalation` entry
    # records is the one the clock is on; it is due once its time (or its snooze) has come.
    recorded = {e.details.get("role") for e in state.escalations}
    current = nxt = due_step = None
    next_in = None
    for step in policy.escalation:
        if step.after <= elapsed:
            current = step  # the step the elapsed time has reached, for the readout
    for index, step in enumerate(policy.escalation):
        if index == 0 or step.role in recorded:
            continue
        at = detected + step.after
        snoozed = state.escalation_snoozed.get(step.role)
        if snoozed is not None and snoozed > at:
            at = snoozed
        if at <= (end or now):
            due_step = step
        else:
            nxt, next_in = step, at - (end or now)
        break
    due = not resolved and due_step is not None
    if due:
        current = due_step
    contact_step = current if due else nxt

    page_due = page_remaining = None
    within = policy.status_page_within
    owed = state.severity in policy.status_page_severities and not resolved
    if within is not None and owed and state.status_page_posted_at is None:
        page_due = detected + within
        page_remaining = page_due - now
    return ClockReadout(
        since_detection=elapsed, severity=state.severity, response_target=target, response_remaining=remaining,
        responded_in=responded_in, response_breached=breached, update_due_at=due_at, update_remaining=update_remaining,
        update_overdue=overdue, escalation_current=current, escalation_next=None if resolved else nxt,
        escalation_next_in=None if (resolved or nxt is None) else next_in,
        escalation_contact=contact_for(contacts, contact_step.role) if contact_step else "",
        escalation_due=due, resolved=resolved, status_page_due_at=page_due, status_page_remaining=page_remaining,
        status_page_posted=state.status_page_posted_at is not None)


def fmt_duration(delta: timedelta | None, seconds_shown: bool = True) -> str:
    """Compact: 12:34 (mm:ss) or, without seconds, 12m; then 1h05, 3d02h; negative gets a
    minus sign. Without seconds the text changes once a minute, which keeps an idle SSH
    session's output to a few bytes a minute."""
    if delta is None:
        return "--"
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 3600:
        if not seconds_shown:
            return f"{sign}{seconds // 60}m"
        return f"{sign}{seconds // 60:02d}:{seconds % 60:02d}"
    if seconds < 86400:
        return f"{sign}{seconds // 3600}h{(seconds % 3600) // 60:02d}"
    return f"{sign}{seconds // 86400}d{(seconds % 86400) // 3600:02d}h"


def clock_segments(readout: ClockReadout, seconds: bool = True, compact: bool = False) -> list[tuple[str, bool]]:
    """The clock bar's text as (segment, alarming) pairs, short enough for 80 columns;
    `compact` shortens the update, status page and escalation words for a narrow bar."""

    def dur(delta: timedelta | None) -> str:
        return fmt_duration(delta, seconds)

    segs: list[tuple[str, bool]] = [(f"T+{dur(readout.since_detection)}", False)]
    if readout.responded_in is not None:
        segs.append((f"resp {dur(readout.responded_in)}" + (" LATE" if readout.response_breached else " ok"),
                     readout.response_breached))
    elif readout.response_remaining is not None:
        if readout.response_breached:
            segs.append((f"resp BREACHED {dur(-readout.response_remaining)}", True))
        else:
            segs.append((f"resp {dur(readout.response_remaining)}" + ("" if compact else " left"), False))
    if readout.resolved:
        segs.append(("resolved", False))
    elif readout.update_remaining is not None:
        if readout.update_overdue:
            segs.append((f"{'UPD' if compact else 'update'} OVERDUE {dur(-readout.update_remaining)}", True))
        else:
            segs.append((f"{'upd' if compact else 'update in'} {dur(readout.update_remaining)}", False))
    if readout.status_page_remaining is not None:
        if readout.status_page_overdue:
            segs.append((f"{'STATUSPAGE' if compact else 'STATUS PAGE'} OVERDUE {dur(-readout.status_page_remaining)}",
                         True))
        else:
            segs.append((f"{'statuspage' if compact else 'status page in'} {dur(readout.status_page_remaining)}",
                         False))
    if readout.escalation_due and readout.escalation_current:
        segs.append((f"ESCALATE {readout.escalation_current.title}" + ("" if compact else " now"), True))
    elif readout.escalation_next is not None:
        segs.append((f"esc {readout.escalation_next.title}{'' if compact else ' in'} {dur(readout.escalation_next_in)}",
                     False))
    if readout.escalation_contact:
        segs.append((readout.escalation_contact, readout.escalation_due))
    return segs


def clock_line(readout: ClockReadout, width: int = 80, seconds: bool = True) -> str:
    """One line, at most `width` characters."""
    line = " | ".join(s for s, _ in clock_segments(readout, seconds))
    return line if len(line) <= width else line[: width - 1] + "…"
