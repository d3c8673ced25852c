"""The post-incident review as the timeline knows it: root cause, resolution, prevention and
lessons; the 5 Whys; action items with their owner, due date and priority; and the review's
required timestamps (the runbook's `[post_incident.timeline] required`).

Nothing here is stored apart from the timeline. The close form and the 5 Whys form write
`review` and `why` entries; before they exist, notes tagged `Root cause:`, `Fix:`,
`Prevent:`, `Lesson:` propose the text. The report (irtui.incident.report) and the forms
(irtui.ui.incident.review) both read through this module, so they agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from irtui.incident.model import Entry, parse_ts
from irtui.incident.state import RESPONSE_KINDS

# The sections the review records, their title, and the note tags that propose them.
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "summary": ("Summary", ("summary",)),
    "root_cause": ("Root cause", ("root cause", "rootcause", "rca")),
    "resolution": ("Resolution", ("fix", "fixed", "resolution")),
    "prevention": ("Prevention", ("prevent", "prevention")),
    "lessons": ("Lessons learned", ("lesson", "lessons", "learned", "lessons learned")),
    "problem": ("Problem", ("problem",)),
    # For the review meeting's agenda.
    "went_well": ("What went well", ("went well", "well")),
    "improve": ("What could be improved", ("improve", "could improve", "to improve")),
    "docs": ("Documentation updates", ("docs", "doc", "documentation")),
}

_TAG = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,20}?)\s*:\s*(.*)$", re.S)


def note_tag(text: str) -> tuple[str | None, str]:
    """The section a note is tagged for (`Root cause: ...` -> ("root_cause", "...")), else (None, text)."""
    match = _TAG.match(text)
    if match:
        word = " ".join(match.group(1).lower().split())
        for section, (_, tags) in SECTIONS.items():
            if word in tags:
                return section, match.group(2).strip()
    return None, text


def tagged_notes(entries: list[Entry], section: str) -> list[Entry]:
    return [e for e in entries if e.kind == "note" and note_tag(e.text)[0] == section]


def recorded(entries: list[Entry], section: str) -> Entry | None:
    """The last `review` entry of `section` (what the close or 5 Whys form recorded)."""
    return next((e for e in reversed(entries) if e.kind == "review" and e.details.get("section") == section), None)


@dataclass(frozen=True)
class SectionText:
    section: str
    text: str
    source: str            # "recorded", "notes" or "" (nothing in the timeline)
    entries: tuple[Entry, ...] = ()

    @property
    def title(self) -> str:
        return SECTIONS[self.section][0]


def section_text(entries: list[Entry], section: str) -> SectionText:
    """What the review says for `section`: the form's entry, else the tagged notes joined."""
    entry = recorded(entries, section)
    if entry is not None:
        return SectionText(section, str(entry.details.get("text", "")), "recorded", (entry,))
    notes = tagged_notes(entries, section)
    if notes:
        return SectionText(section, "\n".join(note_tag(e.text)[1] for e in notes), "notes", tuple(notes))
    return SectionText(section, "", "")


# -- 5 Whys ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Why:
    n: int
    question: str
    answer: str
    entry: Entry


def whys(entries: list[Entry]) -> list[Why]:
    """The latest answer to each why, in order of their number."""
    latest: dict[int, Why] = {}
    for e in entries:
        if e.kind != "why":
            continue
        n = e.details.get("n")
        if isinstance(n, int) and n > 0:
            latest[n] = Why(n, str(e.details.get("question", "")), str(e.details.get("answer", "")), e)
    return [latest[n] for n in sorted(latest) if latest[n].question or latest[n].answer]


# -- action items ------------------------------------------------------------------------

_OWNER = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w.-]*)")
_DUE = re.compile(r"\b(?:by|due|before)\s*:?\s*(\d{4}-\d{2}-\d{2})\b", re.I)
# P0-P3 anywhere; the words only where they cannot be part of the sentence ("high CPU"):
# after "priority", or in brackets.
_PRIORITY = re.compile(r"\bpriority\s*[:=]?\s*(P[0-3]|high|medium|low|critical)\b"
                       r"|[(\[](P[0-3]|high|medium|low|critical)[)\]]|(?<![\w-])(P[0-3])\b", re.I)
_PRIORITY_WORDS = {"critical": "P0", "high": "P1", "medium": "P2", "low": "P3"}
_TODO = re.compile(r"^\s*TODO:\s*", re.I)


@dataclass(frozen=True)
class ActionItem:
    action: str
    owner: str            # as written (`@bob`), else the note's author
    owner_written: bool
    due: str              # YYYY-MM-DD, or "" when not given
    priority: str         # as written (P1, high...), or "" when not given
    entry: Entry

    @property
    def rank(self) -> str:
        """The runbook's P0-P3 for sorting; high/medium/low map to P1/P2/P3."""
        return _PRIORITY_WORDS.get(self.priority.lower(), self.priority.upper()) if self.priority else "P9"


def action_item(entry: Entry) -> ActionItem:
    """`TODO: @bob add pool alert by 2026-12-01 P1` -> owner @bob, due 2026-12-01, priority P1.

    The owner is the first @name written; the note's author only when none is. A due date
    must be a real calendar date, or it stays part of the text."""
    body = _TODO.sub("", entry.text).strip()
    owner_match = _OWNER.search(body)
    due = ""
    due_match = _DUE.search(body)
    if due_match:
        try:
            date.fromisoformat(due_match.group(1))
            due = due_match.group(1)
        except ValueError:
            due_match = None
    priority_match = _PRIORITY.search(body)
    priority = next((g for g in priority_match.groups() if g), "") if priority_match else ""
    if priority and priority[0] in "pP" and priority[1:].isdigit():
        priority = priority.upper()
    action = body
    for match in sorted((m for m in (due_match, priority_match) if m), key=lambda m: m.start(), reverse=True):
        action = action[:match.start()] + action[match.end():]
    if owner_match:
        action = action.replace(owner_match.group(0), owner_match.group(1) if _owner_inside(body, owner_match) else "", 1)
    action = " ".join(action.split()).strip(" ,;-") or body
    owner = f"@{owner_match.group(1)}" if owner_match else f"@{entry.actor.user}"
    return ActionItem(action, owner, bool(owner_match), due, priority, entry)


def _owner_inside(body: str, match: re.Match[str]) -> bool:
    """`ask @bob about it` keeps the name in the sentence; a leading `@bob fix x` does not."""
    return bool(body[:match.start()].strip())


def action_items(entries: list[Entry]) -> list[ActionItem]:
    items = [action_item(e) for e in entries if e.kind == "note" and _TODO.match(e.text)]
    return sorted(items, key=lambda i: (i.rank, i.due or "9999", i.entry.seq or 0))


# -- required timestamps -----------------------------------------------------------------

@dataclass
class Milestone:
    """One of the review's required timestamps and the entries that show it."""

    id: str
    text: str
    source: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return not self.entries

    @property
    def at(self) -> datetime | None:
        return self.entries[0].ts if self.entries else None


DEFAULT_REQUIRED = (
    ("detection", "Detection time", "detected"),
    ("classification", "Classification time", "severity"),
    ("first_response", "First responder actions", "first_response"),
    ("investigation", "Key investigation steps", "phase:investigate"),
    ("resolution", "Resolution actions", "phase:resolve"),
    ("verification", "Verification time", "phase:verify"),
    ("close", "Incident close time", "closed"),
)

_WHY_MISSING = {
    "detected": "no declaration in the timeline",
    "severity": "no severity was given",
    "first_response": "no responder entry after the declaration",
    "closed": "the incident is not closed",
}


def missing_reason(milestone: Milestone) -> str:
    if milestone.source.startswith("phase:"):
        phase = milestone.source[len("phase:"):]
        return f"no checklist tick or action of the {phase} phase in the timeline"
    return _WHY_MISSING.get(milestone.source, "not in the timeline")


def required_list(runbook: Any) -> list[tuple[str, str, str]]:
    data = getattr(runbook, "data", None) or {}
    rows = ((data.get("post_incident") or {}).get("timeline") or {}).get("required") or []
    out = [(str(r.get("id", "")), str(r.get("text", "")), str(r.get("source", ""))) for r in rows if isinstance(r, dict)]
    return out or list(DEFAULT_REQUIRED)


def _phase_of_actions(runbook: Any) -> dict[str, list[str]]:
    """action id -> the phases whose items name it, in runbook order."""
    out: dict[str, list[str]] = {}
    for phase in getattr(runbook, "phases", ()) or ():
        for item in phase.items:
            for action in item.actions:
                out.setdefault(action, [])
                if phase.id not in out[action]:
                    out[action].append(phase.id)
    return out


def _phase_of_items(runbook: Any) -> dict[str, str]:
    return {item.id: phase.id for phase in getattr(runbook, "phases", ()) or () for item in phase.items}


def entry_phases(runbook: Any, entries: list[Entry]) -> dict[str, str]:
    """entry_id -> the runbook phase a checklist tick or an action belongs to.

    A tick belongs to its item's phase. An action belongs to the phase whose items name it
    (the one the incident was in, when several do); one no item names, to the phase the
    incident was in when it ran."""
    by_action, by_item = _phase_of_actions(runbook), _phase_of_items(runbook)
    current = ""
    out: dict[str, str] = {}
    for e in entries:
        d = e.details
        if e.kind in ("declared", "phase") and d.get("phase"):
            current = str(d["phase"])
        elif e.kind == "checklist" and d.get("item") and d.get("state", "ticked") == "ticked" and d.get("done", True):
            phase = by_item.get(str(d["item"])) or str(d.get("phase") or "")
            if phase:
                out[e.entry_id] = phase
        elif e.kind == "action_started" and d.get("action"):
            named = by_action.get(str(d["action"]), [])
            phase = current if current in named else (named[0] if named else current)
            if phase:
                out[e.entry_id] = phase
    return out


def required_timestamps(runbook: Any, entries: list[Entry]) -> list[Milestone]:
    phases = entry_phases(runbook, entries)
    declared = next((e for e in entries if e.kind == "declared"), None)
    out = []
    for ident, text, source in required_list(runbook):
        milestone = Milestone(ident, text, source)
        if source == "detected":
            milestone.entries = [declared] if declared is not None else []
        elif source == "severity":
            milestone.entries = [e for e in entries if (e.kind == "declared" and e.details.get("severity"))
                                 or e.kind == "severity"][:1]
        elif source == "first_response":
            after = entries[entries.index(declared) + 1:] if declared is not None else []
            milestone.entries = [e for e in after if e.kind in RESPONSE_KINDS or e.kind == "action_started"][:1]
        elif source.startswith("phase:"):
            wanted = source[len("phase:"):]
            milestone.entries = [e for e in entries if phases.get(e.entry_id) == wanted]
        elif source == "closed":
            milestone.entries = [e for e in entries if e.kind == "closed"][-1:]
        out.append(milestone)
    return out


def detection_time(entries: list[Entry]) -> datetime | None:
    declared = next((e for e in entries if e.kind == "declared"), None)
    if declared is None:
        return None
    raw = declared.details.get("detected_at")
    return parse_ts(raw) if raw else declared.ts


def prose(value: Any) -> str:
    """A recorded value as words, never a Python repr: yes/no, lists joined with commas."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(prose(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {prose(v)}" for k, v in value.items()) or "none"
    if value is None or value == "":
        return "not recorded"
    return str(value)


# -- durations ---------------------------------------------------------------------------

def long_duration(delta: timedelta | None) -> str:
    """A duration a reader cannot take for a time of day: `2 h 05 min`, `45 min`, `1 d 03 h 10 min`."""
    if delta is None:
        return "unknown"
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours:02d} h {minutes:02d} min"
    if hours:
        return f"{sign}{hours} h {minutes:02d} min"
    if minutes:
        return f"{sign}{minutes} min"
    return f"{sign}{secs} s"
