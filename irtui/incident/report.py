"""The incident report: the runbook's Incident Report filled from the timeline, with the
5 Whys, the post-incident review's required timestamps and its meeting agenda.

`report_data` gathers everything once (the same data for both formats); `render_report`
writes it as Markdown (the runbook's report template, its placeholders filled, then the
review sections) or as JSON. What the timeline does not know is said, never invented:
an unrecorded root cause reads "Not recorded", a missing required timestamp is flagged.

Everything filled in is someone's text (titles, notes, event reasons, user names). It goes
through the redaction policy again (an entry written before a `[redaction]` pattern was
added is caught here) and is escaped for the format: in Markdown, control characters are
made visible and the characters that would start markup (emphasis, links, HTML, code,
table cells) are backslash-escaped, with line breaks inside a table cell written as
`<br>`; JSON is written by `json`, which escapes every control character.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from irtui.config import data_dir
from irtui.files import private_dir, write_private
from irtui.incident.model import Entry
from irtui.incident.review import (
    action_items,
    detection_time,
    long_duration,
    missing_reason,
    note_tag,
    prose,
    required_timestamps,
    section_text,
    tagged_notes,
    whys,
)
from irtui.incident.state import fold
from irtui.redact import redact, redact_text
from irtui.safety import Guard
from irtui.text import visible

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that start
# something inline (code, emphasis, links, images, HTML, autolinks, strikethrough, cells).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~!#])")


def md(text: object) -> str:
    """Someone's text as literal Markdown inline text: one line, nothing interpreted."""
    return _MD_SPECIAL.sub(r"\\\1", visible(str(text)))


def md_cell(text: object) -> str:
    """Someone's text as the content of a Markdown table cell, line breaks kept as `<br>`."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(md(line) for line in lines)


def md_block(text: object) -> str:
    """Someone's multi-line text as Markdown paragraphs' lines, each escaped."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "  \n".join(md(line) for line in lines)


def _clean(text: object) -> str:
    return redact_text(str(text))


def _time(ts: datetime | None) -> str | None:
    return ts.strftime("%Y-%m-%d %H:%M:%S") if ts else None


def _prose(value: Any) -> str:
    return _clean(prose(value))


NOT_RECORDED = "Not recorded"
_HINTS = {
    "summary": "the close form",
    "root_cause": "the close form, or a note starting `Root cause:`",
    "resolution": "the close form, or a note starting `Fix:`",
    "prevention": "the close form, or a note starting `Prevent:`",
    "lessons": "the close form, or a note starting `Lesson:`",
}


def report_data(runbook: Any, entries: list[Entry]) -> dict[str, Any]:
    """Everything the report says, as plain data (what `--format json` prints)."""
    state = fold(entries[0].incident_id, entries)
    detected = detection_time(entries) or entries[0].ts
    end = state.closed_at or state.resolved_at
    duration = (end - detected) if end else (entries[-1].ts - detected)
    closed = next((e for e in reversed(entries) if e.kind == "closed"), None)

    def section(name: str) -> dict[str, Any]:
        found = section_text(entries, name)
        return {"text": _clean(found.text), "source": found.source,
                "entries": [e.seq for e in found.entries], "hint": _HINTS.get(name, "")}

    summary = section("summary")
    if not summary["text"] and closed is not None and closed.text:
        summary = {"text": _clean(closed.text), "source": "close", "entries": [closed.seq], "hint": ""}
    impact = {k: v for k, v in state.impact.items() if k not in ("users", "data_loss", "services", "note")}
    milestones = required_timestamps(runbook, entries)
    problem = section_text(entries, "problem")
    data: dict[str, Any] = {
        "incident_id": state.incident_id,
        "title": _clean(state.title),
        "severity": state.severity,
        "status": "Closed" if state.closed_at else state.status,
        "date": detected.strftime("%Y-%m-%d"),
        "summary": summary,
        "impact": {
            "services": [_clean(s) for s in state.services],
            "users": _clean(state.impact["users"]) if state.impact.get("users") not in (None, "") else None,
            "duration": long_duration(duration),
            "duration_seconds": int(duration.total_seconds()),
            "duration_until": "close" if state.closed_at else "resolution" if state.resolved_at else "last entry (still open)",
            "detected_at": _time(detected),
            "ended_at": _time(end),
            "data_loss": state.impact.get("data_loss") if isinstance(state.impact.get("data_loss"), bool) else None,
            "other": {_clean(k): _prose(v) for k, v in impact.items()},
        },
        "timeline": [_row(e) for e in entries],
        "root_cause": section("root_cause"),
        "resolution": section("resolution"),
        "prevention": section("prevention"),
        "action_items": [
            {"action": _clean(i.action), "owner": _clean(i.owner), "owner_written": i.owner_written,
             "due": i.due or None, "priority": i.priority or None, "written_by": _clean(i.entry.actor.user),
             "seq": i.entry.seq, "time": _time(i.entry.ts)}
            for i in action_items(entries)],
        "lessons_learned": section("lessons"),
        "five_whys": {
            "problem": _clean(problem.text or state.title),
            "whys": [{"n": w.n, "question": _clean(w.question), "answer": _clean(w.answer), "seq": w.entry.seq,
                      "time": _time(w.entry.ts)} for w in whys(entries)],
            "root_cause": section("root_cause")["text"],
            "fix": section("resolution")["text"],
        },
        "required_timestamps": [
            {"id": m.id, "text": m.text, "time": _time(m.at), "missing": m.missing,
             "entries": [e.seq for e in m.entries],
             "events": [f"{_time(e.ts)} {e.kind}: {_clean(e.text)}" for e in m.entries],
             "why_missing": missing_reason(m) if m.missing else None}
            for m in milestones],
        "missing_timestamps": [m.text for m in milestones if m.missing],
        "closed_with_unticked": ({"items": [_clean(i) for i in closed.details.get("unticked", [])],
                                  "reason": _clean(closed.details.get("reason") or "")}
                                 if closed is not None and closed.details.get("unticked") else None),
    }
    data["review_meeting"] = _meeting(runbook, entries, state, data)
    return data


def _row(e: Entry) -> dict[str, Any]:
    return {"seq": e.seq, "time": _time(e.ts), "kind": e.kind, "text": _clean(e.text), "by": _clean(e.actor.user),
            "details": redact(e.details)}


def _notes(entries: list[Entry], section: str) -> list[str]:
    return [_clean(note_tag(e.text)[1]) for e in tagged_notes(entries, section)]


def _meeting(runbook: Any, entries: list[Entry], state: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The runbook's review meeting agenda, each item with what the incident brings to it."""
    rb = getattr(runbook, "data", None) or {}
    meeting = (rb.get("post_incident") or {}).get("meeting") or {}
    agenda = meeting.get("agenda") or [{"item": "Incident timeline review", "minutes": 10},
                                       {"item": "What went well", "minutes": 15},
                                       {"item": "What could be improved", "minutes": 20},
                                       {"item": "Action items", "minutes": 10},
                                       {"item": "Documentation updates", "minutes": 5}]
    finished = [e for e in entries if e.kind == "action_finished"]
    failed = [e for e in finished if e.details.get("result") not in ("done", "noop") and e.details.get("ok") is not True]
    ok = len(finished) - len(failed)
    timestamps = data["required_timestamps"]
    present = [t for t in timestamps if not t["missing"]]
    items = []
    for row in agenda:
        title = str(row.get("item", ""))
        key = title.lower()
        points: list[str] = []
        if "timeline" in key:
            points.append(f"{len(entries)} entries from {data['impact']['detected_at']} to "
                          f"{_time(entries[-1].ts)} UTC; {len(present)} of {len(timestamps)} required timestamps "
                          "in the timeline" + (f" (missing: {', '.join(data['missing_timestamps'])})"
                                              if data["missing_timestamps"] else ""))
            points.append(f"Duration {data['impact']['duration']} (detection to {data['impact']['duration_until']})")
        elif "well" in key:
            if state.first_response_at and state.declared_at:
                points.append(f"First responder action {long_duration(state.first_response_at - state.declared_at)} "
                              "after the declaration")
            if finished:
                points.append(f"{ok} of {len(finished)} remediations and checks succeeded")
            points += _notes(entries, "went_well")
        elif "improve" in key:
            points += [f"Missing from the timeline: {t['text']} ({t['why_missing']})" for t in timestamps if t["missing"]]
            points += [f"Failed: {_clean(e.text)}" for e in failed]
            unticked = data["closed_with_unticked"]
            if unticked:
                points.append(f"Closed with {len(unticked['items'])} checklist items unticked: {unticked['reason']}")
            points += _notes(entries, "improve")
        elif "action" in key:
            points += [f"{i['action']} ({i['owner']}, due {i['due'] or 'not set'}, priority {i['priority'] or 'not set'})"
                       for i in data["action_items"]] or ["No action items recorded (a note starting `TODO:` makes one)"]
        elif "documentation" in key or "docs" in key:
            points.append(f"Runbook: {_clean(getattr(runbook, 'title', '') or 'none loaded')}"
                          + (f" v{getattr(runbook, 'version', '')}" if getattr(runbook, "version", "") else ""))
            unticked = data["closed_with_unticked"]
            if unticked:
                points += [f"Not ticked at close: {item}" for item in unticked["items"]]
            points += _notes(entries, "docs")
        items.append({"item": _clean(title), "minutes": row.get("minutes"), "points": points})
    return {"title": _clean(meeting.get("title", "Post-Incident Review Meeting")),
            "duration": _clean(meeting.get("duration", "1h")), "agenda": items}


# -- Markdown ------------------------------------------------------------------------------

def _section_md(value: dict[str, Any]) -> str:
    if value["text"]:
        return md_block(value["text"])
    return f"{NOT_RECORDED} (written by {md(value['hint'])})" if value.get("hint") else NOT_RECORDED


def _timeline_md(rows: list[dict[str, Any]]) -> str:
    lines = ["| # | Time (UTC) | Kind | Event | By |", "|---|------------|------|-------|----|"]
    lines += [f"| {r['seq']} | {r['time']} | {md_cell(r['kind'])} | {md_cell(r['text'])} | {md_cell(r['by'])} |"
              for r in rows]
    return "\n".join(lines)


def _items_md(items: list[dict[str, Any]]) -> str:
    if not items:
        return "No action items recorded (a note starting `TODO:` makes one)."
    return "\n".join(f"- [ ] {md(i['action'])} ({md(i['owner'])}, due {md(i['due'] or 'not set')}, "
                     f"priority {md(i['priority'] or 'not set')})" for i in items)


def _extra_md(data: dict[str, Any], runbook: Any) -> str:
    out: list[str] = []
    rb = getattr(runbook, "data", None) or {}
    post = rb.get("post_incident") or {}
    whys_title = (post.get("five_whys") or {}).get("title", "Root Cause Analysis (5 Whys)")
    five = data["five_whys"]
    out += [f"## {md(whys_title)}", "", f"**Problem:** {md(five['problem'])}", ""]
    if five["whys"]:
        for w in five["whys"]:
            out += [f"**Why #{w['n']}:** {md(w['question'] or 'not written')}  ",
                    f"**Answer:** {md(w['answer'] or 'not answered')}", ""]
    else:
        out += ["Not recorded (the 5 Whys form, `w` on the timeline).", ""]
    out += [f"**Root Cause:** {md_block(five['root_cause'] or NOT_RECORDED)}  ",
            f"**Fix:** {md_block(five['fix'] or NOT_RECORDED)}", ""]

    timeline_title = (post.get("timeline") or {}).get("title", "Timeline Documentation")
    out += [f"## Post-Incident Review: {md(timeline_title)}", "",
            "| Required | Time (UTC) | From the timeline |", "|----------|------------|-------------------|"]
    for t in data["required_timestamps"]:
        if t["missing"]:
            out.append(f"| {md_cell(t['text'])} | **MISSING** | {md_cell(t['why_missing'])} |")
        else:
            shown = t["events"][:5]
            more = len(t["events"]) - len(shown)
            cell = "\n".join([f"#{seq} {text}" for seq, text in zip(t["entries"], shown, strict=False)] + ([f"... and {more} more"] if more else []))
            out.append(f"| {md_cell(t['text'])} | {t['time']} | {md_cell(cell)} |")
    out.append("")
    if data["missing_timestamps"]:
        out.append(f"**Missing required timestamps:** {md(', '.join(data['missing_timestamps']))}.")
    else:
        out.append("Every required timestamp is in the timeline.")
    out.append("")

    if data["closed_with_unticked"]:
        unticked = data["closed_with_unticked"]
        out += ["## Closed With Unticked Checklist Items", "", f"Reason given: {md(unticked['reason'])}", ""]
        out += [f"- [ ] {md(item)}" for item in unticked["items"]]
        out.append("")

    meeting = data["review_meeting"]
    out += [f"## {md(meeting['title'])} ({md(meeting['duration'])})", ""]
    for n, item in enumerate(meeting["agenda"], 1):
        minutes = f" ({item['minutes']} min)" if item["minutes"] else ""
        out += [f"### {n}. {md(item['item'])}{minutes}", ""]
        if "action" in item["item"].lower() and data["action_items"]:
            out += ["| Action | Owner | Due Date | Priority |", "|--------|-------|----------|----------|"]
            out += [f"| {md_cell(i['action'])} | {md_cell(i['owner'])} | {md_cell(i['due'] or 'not set')} | "
                    f"{md_cell(i['priority'] or 'not set')} |" for i in data["action_items"]]
        else:
            out += [f"- {md_block(p)}" for p in item["points"]] or ["- (to discuss)"]
        out.append("")
    return "\n".join(out)


def _impact_md(impact: dict[str, Any]) -> dict[str, str]:
    loss = impact["data_loss"]
    return {
        "services": ", ".join(md(s) for s in impact["services"]) or NOT_RECORDED.lower(),
        "users": md(impact["users"]) if impact["users"] else NOT_RECORDED.lower(),
        "duration": f"{impact['duration']} (from detection at {impact['detected_at']} UTC to "
                    f"{impact['duration_until']}" + (f" at {impact['ended_at']} UTC)" if impact["ended_at"] else ")"),
        "data_loss": "Yes" if loss else "No" if loss is not None else NOT_RECORDED.lower(),
    }


def render_markdown(runbook: Any, data: dict[str, Any]) -> str:
    text = getattr(runbook, "report_template", "") or _FALLBACK_TEMPLATE
    impact = _impact_md(data["impact"])
    replacements = [
        ("<Title>", md(data["title"])),
        ("INC-<YYYYMMDD>-<number>", md(data["incident_id"])),
        ("**Severity:** P0/P1/P2/P3", f"**Severity:** {md(data['severity'])}"),
        ("**Status:** Resolved", f"**Status:** {md(data['status'])}"),
        ("YYYY-MM-DD", data["date"]),
        ("<Brief description of the incident>", _section_md(data["summary"])),
        ("<list>", impact["services"]),
        ("<number/percentage>", impact["users"]),
        ("<time>", impact["duration"]),
        ("Data loss: Yes/No", f"Data loss: {impact['data_loss']}"),
        ("<Detailed explanation>", _section_md(data["root_cause"])),
        ("<What was done to resolve>", _section_md(data["resolution"])),
        ("<Actions to prevent recurrence>", _section_md(data["prevention"])),
        ("<Key takeaways>", _section_md(data["lessons_learned"])),
    ]
    for old, new in replacements:
        text = text.replace(old, new, 1)
    text = re.sub(r"\| Time \(UTC\) \| Event \|\n\|[-|]+\|\n(?:\|[^\n]*\|\n?)*",
                  lambda _: _timeline_md(data["timeline"]) + "\n", text, count=1)
    text = re.sub(r"- \[ \] <Action 1>[^\n]*(?:\n- \[ \] <Action \d+>[^\n]*)*", lambda _: _items_md(data["action_items"]),
                  text, count=1)
    if data["impact"]["other"]:
        other = "\n".join(f"- {md(k)}: {md(v)}" for k, v in data["impact"]["other"].items())
        text = re.sub(r"(- Data loss: [^\n]*)", lambda m: m.group(1) + "\n" + other, text, count=1)
    return text.strip("\n") + "\n\n" + _extra_md(data, runbook)


_FALLBACK_TEMPLATE = """# Incident Report: <Title>

**Incident ID:** INC-<YYYYMMDD>-<number>
**Severity:** P0/P1/P2/P3
**Status:** Resolved
**Date:** YYYY-MM-DD

## Summary
<Brief description of the incident>

## Impact
- Services affected: <list>
- Users affected: <number/percentage>
- Duration: <time>
- Data loss: Yes/No

## Timeline
| Time (UTC) | Event |
|------------|-------|

## Root Cause
<Detailed explanation>

## Resolution
<What was done to resolve>

## Prevention
<Actions to prevent recurrence>

## Action Items
- [ ] <Action 1> (@owner, due date)

## Lessons Learned
<Key takeaways>
"""


def render_report(runbook: Any, entries: list[Entry], fmt: str = "md") -> str:
    data = report_data(runbook, entries)
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    return render_markdown(runbook, data)


def report_path(incident_id: str, fmt: str = "md", directory: Path | None = None) -> Path:
    """Where the app writes a report: `$XDG_DATA_HOME/irtui/reports/<ID>.md`."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", incident_id) or "incident"
    return (directory or data_dir() / "reports") / f"{safe}.{fmt}"


def write_report(runbook: Any, entries: list[Entry], guard: Guard, fmt: str = "md",
                 directory: Path | None = None) -> tuple[str, Path]:
    """Render the report and write it (0600, in a 0700 directory); the text and the path.
    A read-only terminal writes no file: the guard refuses (ReadOnlyError)."""
    text = render_report(runbook, entries, fmt)
    path = report_path(entries[0].incident_id, fmt, directory)
    guard.check(f"write {path}")
    private_dir(path.parent)
    write_private(path, text.encode("utf-8"))
    return text, path
