"""The runbook's communication templates filled from the incident state, and who to call:
the runbook's escalation contacts table, overridden role by role by the user's `[contacts]`
config section (people and numbers live in data, never in code).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from irtui.config import Config
from irtui.incident.anchor import short_hash
from irtui.incident.state import IncidentState


def contacts_from_config(config: Config) -> dict[str, Any]:
    """`[contacts]`: role = "Name, +1-555-0100" or role = {primary, backup, phone}.
    A wrong type is a ConfigError with file, line and key."""
    section = config.section("contacts")
    contacts: dict[str, Any] = {}
    for role in section.keys():
        value = section.data[role]
        if isinstance(value, dict):
            table = section.section(role)
            table.reject_unknown({"primary", "backup", "phone", "email", "slack"})
            contacts[role] = {k: table.get(k, str) for k in table.keys()}
        else:
            contacts[role] = section.get(role, str)
    return contacts


def contacts_from_runbook(runbook: Any) -> dict[str, Any]:
    """The runbook's Escalation Contacts table (`[[escalation.roles]]`) as role -> {primary,
    backup, phone}; roles that name nobody are left out."""
    out: dict[str, Any] = {}
    for role in getattr(getattr(runbook, "escalation", None), "roles", ()) or ():
        fields = {k: str(role[k]) for k in ("primary", "backup", "phone") if role.get(k)}
        if fields:
            out[str(role["role"])] = fields
    return out


def merged_contacts(runbook: Any, config: Config | None) -> dict[str, Any]:
    """The runbook's contacts with each role the config names replaced by the config's."""
    return {**contacts_from_runbook(runbook), **(contacts_from_config(config) if config is not None else {})}


def fill_status_page(runbook: Any, state: IncidentState, now: datetime) -> str:
    """The runbook's external (status page) message for customers: its template, with the
    update interval the severity promises; nothing internal (no hashes, no hostnames)."""
    template = runbook.templates.get("status_page")
    text = template.text.strip("\n") if template is not None else ""
    rule = runbook.communication.rule(state.severity)
    if rule is not None:
        interval = int(rule.interval.total_seconds() // 60)
        every = f"every {interval} minutes" if interval < 120 else f"every {interval // 60} hours"
        text = text.replace("every 15 minutes", every)
    return text


def fill_update(runbook: Any, state: IncidentState, now: datetime, *, current_actions: str = "") -> str:
    """The runbook's "Update Template" with time, severity, status, impact and next update,
    followed by the timeline's head hash."""
    rule = runbook.communication.rule(state.severity)
    next_update = (now + rule.interval).strftime("%H:%M UTC") if rule else "-"
    impact = ", ".join(f"{k}: {v}" for k, v in state.impact.items()) or ", ".join(state.services) or "<description>"
    values = {
        "<Time>": now.strftime("%Y-%m-%d %H:%M UTC"),
        "<P0/P1/P2/P3>": state.severity,
        "<Investigating/Identified/Fixing/Monitoring/Resolved>": state.status,
        "<description>": impact,
        "<what we're doing>": current_actions or "<what we're doing>",
        "<time>": next_update,
    }
    text = runbook.templates["update"].text
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    text = text.strip("\n")
    if state.head:
        # Quoted outside the store (Slack, Statuspage, email), the head anchors the record:
        # anyone can later check it is still there with the command it names.
        quoted = f"{state.last_seq}:{short_hash(state.head)}"
        text += f"\nTimeline head: #{state.last_seq} {short_hash(state.head)} (irtui verify {state.incident_id} --head {quoted})"
    return text


def update_channels(runbook: Any, state: IncidentState) -> list[str]:
    rule = runbook.communication.rule(state.severity)
    return list(rule.channels) if rule else []
