"""A first incident report: the runbook's report template filled from the timeline.

Only what the timeline knows is filled (title, id, severity, status, dates, services,
impact, the timeline itself, action items from `TODO:` notes); narrative sections
(root cause, resolution, prevention, lessons) are left for the team to write.

Everything filled in is someone's text (titles, notes, event reasons, user names), so it is
escaped for the format: in Markdown, control characters are made visible and the characters
that would start markup (emphasis, links, HTML, code, table cells) are backslash-escaped,
with line breaks inside a table cell written as `<br>`; JSON is written by `json`, which
escapes every control character.
"""

from __future__ import annotations

import json
import re

from irtui.incident.clocks import fmt_duration
from irtui.incident.model import Entry
from irtui.incident.state import fold
from irtui.text import visible

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that start
# something inline (code, emphasis, links, images, HTML, autolinks, strikethrough, cells).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~!])")


def md(text: object) -> str:
    """Someone's text as literal Markdown inline text: one line, nothing interpreted."""
    return _MD_SPECIAL.sub(r"\\\1", visible(str(text)))


def md_cell(text: object) -> str:
    """Someone's text as the content of a Markdown table cell, line breaks kept as `<br>`."""
    lines = str(text).replace("\r\n", "\n").split("\n")
    return "<br>".join(md(line) for line in lines)


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
    timeline = "\n".join(f"| {e.ts.strftime('%Y-%m-%d %H:%M')} | {md_cell(e.text)} ({md(e.actor.user)}) |" for e in rows)
    items = "\n".join(f"- [ ] {md(_TODO.sub('', e.text))} (@{md(e.actor.user)})"
                      for e in state.action_items) or "- [ ] <Action 1> (@owner, due date)"
    text = runbook.report_template
    data_loss = state.impact.get("data_loss")
    replacements = [
        ("<Title>", md(state.title)),
        ("INC-<YYYYMMDD>-<number>", md(state.incident_id)),
        ("**Severity:** P0/P1/P2/P3", f"**Severity:** {md(state.severity)}"),
        ("**Status:** Resolved", f"**Status:** {md(state.status)}"),
        ("YYYY-MM-DD", (state.detected_at or entries[0].ts).strftime("%Y-%m-%d")),
        ("<list>", ", ".join(md(s) for s in state.services) or "<list>"),
        ("<number/percentage>", md(state.impact.get("users", "<number/percentage>"))),
        ("<time>", duration),
        ("Data loss: Yes/No", f"Data loss: {'Yes' if data_loss else 'No' if data_loss is not None else 'Yes/No'}"),
    ]
    for old, new in replacements:
        text = text.replace(old, new, 1)
    text = re.sub(r"\| 14:23 \| Incident detected \|.*?\| 15:00 \| Incident resolved \|", lambda _: timeline, text,
                  flags=re.S)
    text = re.sub(r"- \[ \] <Action 1>.*?\n- \[ \] <Action 2>[^\n]*", lambda _: items, text, flags=re.S)
    return text.lstrip("\n")
