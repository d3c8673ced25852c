"""A first incident report: the runbook's report template filled from the timeline.

Only what the timeline knows is filled (title, id, severity, status, dates, services,
impact, the timeline itself, action items from `TODO:` notes); narrative sections
(root cause, resolution, prevention, lessons) are left for the team to write.
"""

from __future__ import annotations

import json
import re

from irtui.incident.clocks import fmt_duration
from irtui.incident.model import Entry
from irtui.incident.state import fold

# Kinds worth a line in the report's timeline table (observations and ticks are noise there).
_TODO = re.compile(r"^\s*TODO:\s*", re.I)
_REPORT_KINDS = {"declared", "severity", "status", "phase", "role", "impact", "action_started", "action_finished",
                 "update_posted", "escalation", "closed", "reopened", "note"}


def render_report(runbook, entries: list[Entry], fmt: str = "md") -> str:
    state = fold(entries[0].incident_id, entries)
    end = state.closed_at or state.resolved_at or entries[-1].ts
    duration = fmt_duration(end - (state.detected_at or entries[0].ts))
    rows = [e for e in entries if e.kind in _REPORT_KINDS or e.seq in state.pinned]
    if fmt == "json":
        return json.dumps({
            "incident_id": state.incident_id, "title": state.title, "severity": state.severity, "status": state.status,
            "services": state.services, "impact": state.impact, "duration": duration,
            "timeline": [e.to_dict() for e in entries],
            "action_items": [e.text for e in state.action_items],
        }, indent=2) + "\n"
    timeline = "\n".join(f"| {e.ts.strftime('%Y-%m-%d %H:%M')} | {e.text.replace('|', '/')} ({e.actor.user}) |" for e in rows)
    items = "\n".join(f"- [ ] {_TODO.sub('', e.text)} (@{e.actor.user})"
                      for e in state.action_items) or "- [ ] <Action 1> (@owner, due date)"
    text = runbook.report_template
    data_loss = state.impact.get("data_loss")
    replacements = [
        ("<Title>", state.title),
        ("INC-<YYYYMMDD>-<number>", state.incident_id),
        ("**Severity:** P0/P1/P2/P3", f"**Severity:** {state.severity}"),
        ("**Status:** Resolved", f"**Status:** {state.status}"),
        ("YYYY-MM-DD", (state.detected_at or entries[0].ts).strftime("%Y-%m-%d")),
        ("<list>", ", ".join(state.services) or "<list>"),
        ("<number/percentage>", str(state.impact.get("users", "<number/percentage>"))),
        ("<time>", duration),
        ("Data loss: Yes/No", f"Data loss: {'Yes' if data_loss else 'No' if data_loss is not None else 'Yes/No'}"),
    ]
    for old, new in replacements:
        text = text.replace(old, new, 1)
    text = re.sub(r"\| 14:23 \| Incident detected \|.*?\| 15:00 \| Incident resolved \|", lambda _: timeline, text,
                  flags=re.S)
    text = re.sub(r"- \[ \] <Action 1>.*?\n- \[ \] <Action 2>[^\n]*", lambda _: items, text, flags=re.S)
    return text.lstrip("\n")
