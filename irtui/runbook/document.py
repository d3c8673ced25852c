"""The runbook as a responder reads it in the app: its sections, written as Markdown.

`sections(runbook, keys)` turns the runbook in use (the loaded TOML, so a team's own
runbook reads as theirs) into the document's sections: the overview and its objectives,
the severity levels with their examples and the impact-assessment questions, each response
phase with its lists, flow, checklist and commands, the critical-incident playbooks, the
communication protocols, the escalation path with who fills each role, the post-incident
review, the change log and the related documents. Every step that irtui can run is shown
with the key that runs it, so what is read is what can be done.

Runbook text is foreign text (a team writes it; `irtui runbook check` does not vet prose):
every string goes through `irtui.text.visible` and the Markdown that frames it is escaped
where a character would change the structure (a table cell's pipe, a line's leading `#`).
Pure: no Textual here; the reader screen renders what this returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from irtui.runbook.model import Phase, Playbook, Runbook
from irtui.text import visible

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


@dataclass(frozen=True)
class Section:
    """One heading of the document: `id` is stable (`overview`, `phase:resolve`,
    `playbook:p0_database`...), `phase` names the response phase it belongs to, if any."""

    id: str
    title: str
    markdown: str
    phase: str | None = None


def text(value: Any) -> str:
    """Runbook prose as literal Markdown text: visible, and no character read as syntax."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", visible(str(value)))


def code(value: Any) -> str:
    """An inline code span that holds any text, backticks included."""
    shown = visible(str(value))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", shown)), default=0) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def _key_hint(action_ids: Iterable[str], keys: Mapping[str, str], runbook: Runbook) -> str:
    parts = []
    for action_id in action_ids:
        defined = runbook.actions.get(action_id)
        title = defined.title if defined is not None else action_id
        key = keys.get(action_id)
        parts.append(f"{code(key)} {text(title)}" if key else f"{text(title)} (palette: ctrl+p)")
    return " · ".join(parts)


def _bullets(items: Iterable[str]) -> list[str]:
    return [f"- {text(item)}" for item in items]


def overview(runbook: Runbook) -> Section:
    data = runbook.data
    meta, over = data.get("runbook", {}), data.get("overview", {})
    lines = [f"# {text(runbook.title)}", ""]
    facts = [("Version", meta.get("version")), ("Last updated", meta.get("last_updated")),
             ("Maintained by", meta.get("maintained_by")), ("Review frequency", meta.get("review_frequency"))]
    lines += [f"**{label}:** {text(value)}  " for label, value in facts if value]
    lines += ["", f"Namespace {code(runbook.namespace)}; services: {', '.join(code(s) for s in runbook.services)}.", ""]
    if over.get("summary"):
        lines += [text(over["summary"]), ""]
    if over.get("definition"):
        lines += [f"## {text(over.get('definition_title', 'Incident Definition'))}", "", text(over["definition"]), ""]
        lines += _bullets(over.get("causes", [])) + [""]
    if over.get("objectives"):
        lines += [f"## {text(over.get('objectives_title', 'Response Objectives'))}", ""]
        lines += [f"{n}. **{text(o.get('title', ''))}** {text(o.get('text', ''))}"
                  for n, o in enumerate(over["objectives"], 1)]
    return Section("overview", "Overview", "\n".join(lines))


def classification(runbook: Runbook) -> Section:
    lines = ["# Incident Classification", "", "## Severity Levels", "",
             "| Severity | Impact | Response time | Examples |", "|---|---|---|---|"]
    for sev in runbook.severities:
        examples = "; ".join(text(e) for e in sev.examples)
        lines.append(f"| **{text(sev.id)} - {text(sev.name)}** | {text(sev.impact)} | "
                     f"{text(sev.response_time_text)} | {examples} |")
    impact = runbook.impact
    lines += ["", "## Impact Assessment", "", "The declare form (`I`) asks these and suggests the severity.", ""]
    for question in impact.questions.values():
        outcomes = []
        for answer in question.answers:
            then = answer.severity or (impact.questions[answer.next].text if answer.next in impact.questions
                                       else answer.next or "")
            outcomes.append(f"{text(answer.answer)} → {text(then)}")
        lines.append(f"- **{text(question.text)}** " + " · ".join(outcomes))
    lines += ["", f"*{text(impact.advice)}*"]
    return Section("classification", "Classification", "\n".join(lines))


def phase_section(runbook: Runbook, phase: Phase, keys: Mapping[str, str]) -> Section:
    lines = [f"# {phase.number}. {text(phase.title)}", ""]
    for title, items in phase.lists:
        lines += [f"**{text(title)}**", ""] + _bullets(items) + [""]
    if phase.flow:
        lines += [f"**{text(phase.flow_title or 'Flow')}**", ""]
        lines += [f"{n}. {text(step)}" for n, step in enumerate(phase.flow, 1)] + [""]
    if phase.checklist:
        lines += [f"**{text(phase.checklist_title or 'Checklist')}** (`o` the checklist, `space` ticks)", ""]
        for item in phase.checklist:
            hint = f" — {_key_hint(item.actions, keys, runbook)}" if item.actions else ""
            lines.append(f"- [ ] {text(item.text)}{hint}")
        lines.append("")
    group = None
    for step in phase.steps:
        if step.group and step.group != group:
            group = step.group
            lines += [f"## {text(group)}", ""]
        lines.append(f"- **{text(step.text)}**" + (f" — {_key_hint(step.actions, keys, runbook)}" if step.actions else ""))
        lines += [f"  - {code(command)}" for command in step.commands]
        if step.note:
            lines.append(f"  - *{text(step.note)}*")
    return Section(f"phase:{phase.id}", f"{phase.number}. {phase.title}", "\n".join(lines).rstrip(), phase=phase.id)


def playbook_section(runbook: Runbook, book: Playbook, keys: Mapping[str, str]) -> Section:
    lines = [f"# {text(book.title)}", "", "**Symptoms**", ""] + _bullets(book.symptoms) + [""]
    for step in book.steps:
        within = f" (< {int(step.within.total_seconds() // 60)} minutes)" if step.within else ""
        lines += [f"## {step.number}. {text(step.title)}{within}", ""]
        for command in step.commands:
            label = f"{text(command.title)}: " if command.title else ""
            hint = f" — {_key_hint([command.action], keys, runbook)}" if command.action else ""
            target = f" on {code(command.target)}" if command.target else ""
            lines.append(f"- {label}{code(command.command)}{hint}{target}")
        lines += [f"- *{text(note)}*" for note in step.notes]
        lines += [f"- Contact: {text(contact)}" for contact in step.contacts]
        lines.append("")
    return Section(f"playbook:{book.id}", book.title, "\n".join(lines).rstrip(), phase=book.phase)


def communication(runbook: Runbook) -> Section:
    comm = runbook.communication
    lines = ["# Communication Protocols", "", "`u` on the timeline composes and sends an update.", "",
             "## Slack channels", "", "| Channel | Purpose |", "|---|---|"]
    lines += [f"| {code(name)} | {text(purpose)} |" for name, purpose in comm.slack_channels]
    lines += ["", "## Update frequency", "", "| Severity | Frequency | Channels |", "|---|---|---|"]
    lines += [f"| {text(rule.severity)} | {text(rule.interval_text)} | {text(rule.channels_text)} |"
              for rule in comm.update_frequency]
    page = comm.status_page
    if page:
        lines += ["", f"## {text(page.get('title', 'Status Page Updates'))}", ""]
        for key in ("url", "rule", "include_text"):
            if page.get(key):
                lines.append(f"- {text(page[key])}")
    notices = comm.customer_notifications
    if notices:
        lines += ["", f"## {text(notices.get('title', 'Customer Notifications'))}", ""] + _bullets(notices.get("methods", []))
    for template in runbook.templates.values():
        if template.name == "report":
            continue  # the report is written by `irtui report`, not read here
        lines += ["", f"## {text(template.title)}", ""]
        if template.channel:
            lines += [f"To {text(template.channel)}", ""]
        lines += ["```", visible(template.text.strip()).replace("```", "'''"), "```"]
    return Section("communication", "Communication", "\n".join(lines))


def escalation(runbook: Runbook, contacts: Mapping[str, Any]) -> Section:
    lines = ["# Escalation Path", "", "| After | Who | When |", "|---|---|---|"]
    for step in runbook.escalation.steps:
        minutes = int(step.after.total_seconds() // 60)
        after = "at detection" if not minutes else (f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min")
        lines.append(f"| {after} | {text(step.title)} | {text(step.condition)} |")
    lines += ["", "## Escalation Contacts", "", "| Role | Primary | Backup | Phone |", "|---|---|---|---|"]
    for role in runbook.escalation.roles:
        own = contacts.get(role.get("role", ""))
        if isinstance(own, Mapping):
            row = {**role, **{k: v for k, v in own.items() if v}}
        elif own:
            row = {**role, "primary": own}
        else:
            row = role
        lines.append(f"| {text(row.get('title', row.get('role', '')))} | {text(row.get('primary', ''))} | "
                     f"{text(row.get('backup', ''))} | {text(row.get('phone', ''))} |")
    lines += ["", "Contacts come from the runbook's roles, overridden by the config's `[contacts]`."]
    return Section("escalation", "Escalation", "\n".join(lines))


def post_incident(runbook: Runbook) -> Section:
    review = runbook.data.get("post_incident", {})
    lines = [f"# {text(review.get('title', 'Post-Incident Review'))}", ""]
    timeline = review.get("timeline", {})
    if timeline:
        lines += [f"## {text(timeline.get('title', 'Timeline Documentation'))}", "",
                  "Taken from the incident's timeline by `irtui report`; a missing one is flagged.", ""]
        lines += _bullets(row.get("text", "") for row in timeline.get("required", [])) + [""]
    whys = review.get("five_whys", {})
    if whys:
        lines += [f"## {text(whys.get('title', '5 Whys'))}", "", f"**Problem:** {text(whys.get('problem', ''))}", ""]
        lines += [f"{n}. {text(row.get('question', ''))} → {text(row.get('answer', ''))}"
                  for n, row in enumerate(whys.get("example", []), 1)]
        lines += ["", f"**Root cause:** {text(whys.get('root_cause', ''))}  ", f"**Fix:** {text(whys.get('fix', ''))}", ""]
    meeting = review.get("meeting", {})
    if meeting:
        lines += [f"## {text(meeting.get('title', 'Post-Incident Review Meeting'))} ({text(meeting.get('duration', ''))})",
                  ""]
        lines += [f"{n}. {text(row.get('item', ''))} ({row.get('minutes', '?')} min)"
                  for n, row in enumerate(meeting.get("agenda", []), 1)] + [""]
    items = review.get("action_items", {})
    if items:
        columns = items.get("columns", ["Action", "Owner", "Due Date", "Priority"])
        lines += [f"## {text(items.get('title', 'Action Items'))}", "",
                  "| " + " | ".join(text(c) for c in columns) + " |", "|" + "---|" * len(columns)]
        lines += [f"| {text(row.get('action', ''))} | {text(row.get('owner', ''))} | {text(row.get('due', ''))} | "
                  f"{text(row.get('priority', ''))} |" for row in items.get("examples", [])]
    return Section("post_incident", "Post-incident review", "\n".join(lines).rstrip())


def history(runbook: Runbook) -> Section:
    meta = runbook.data.get("runbook", {})
    lines = ["# Change Log", "", "| Version | Date | Changes | Author |", "|---|---|---|---|"]
    lines += [f"| {text(c.get('version', ''))} | {text(c.get('date', ''))} | {text(c.get('changes', ''))} | "
              f"{text(c.get('author', ''))} |" for c in meta.get("changelog", [])]
    lines += ["", "# Related Documentation", ""]
    lines += [f"- {text(doc.get('title', ''))}: {code(doc.get('path', ''))}" for doc in meta.get("related", [])]
    lines += ["", f"Runbook file: {code(runbook.file)}"]
    return Section("history", "Change log & docs", "\n".join(lines))


def sections(runbook: Runbook, keys: Mapping[str, str], contacts: Mapping[str, Any] | None = None) -> list[Section]:
    """The document in reading order; `keys` maps an action id to the key bound to it."""
    return [
        overview(runbook),
        classification(runbook),
        *(phase_section(runbook, phase, keys) for phase in runbook.phases),
        *(playbook_section(runbook, book, keys) for book in runbook.playbooks),
        communication(runbook),
        escalation(runbook, contacts or {}),
        post_incident(runbook),
        history(runbook),
    ]
