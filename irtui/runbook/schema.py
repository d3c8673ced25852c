"""The runbook file format: which keys exist, their types, and the checks across them.

A small declarative schema (`T` table, `A` array of tables, scalar kinds) walked once over
the parsed TOML, collecting every problem rather than stopping at the first, each with its
key path; `loader` turns paths into `file:line: key: message`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> timedelta:
    """`15m`, `1h`, `1h30m`, `1d`, `45s`; raises ValueError otherwise."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match or not text.strip() or not any(match.groups()):
        raise ValueError(f"bad duration {text!r} (use e.g. 15m, 1h, 1h30m, 1d)")
    d, h, m, s = (int(g or 0) for g in match.groups())
    try:
        return timedelta(days=d, hours=h, minutes=m, seconds=s)
    except OverflowError:
        raise ValueError(f"duration {text!r} is too long") from None


@dataclass(frozen=True)
class K:
    """A scalar or list field: kind is str | int | bool | duration | strs."""

    kind: str
    required: bool = True


@dataclass(frozen=True)
class T:
    """A table with known keys."""

    fields: dict[str, Any]
    required: bool = True


@dataclass(frozen=True)
class A:
    """An array of tables (`[[x]]` or a multi-line array of inline tables)."""

    item: T
    required: bool = True


S, S_ = K("str"), K("str", False)
STRS, STRS_ = K("strs"), K("strs", False)
DUR, DUR_ = K("duration"), K("duration", False)
INT, INT_ = K("int"), K("int", False)
BOOL_ = K("bool", False)

ITEM = T({"id": S, "text": S, "actions": STRS_})
STEP = T({"id": S, "group": S_, "title": S, "commands": STRS_, "actions": STRS_, "note": S_,
          "template": S_, "severities": STRS_})
# `target` is what the step acts on: a kind ("deployment") or a kind and a name
# ("deployment/task-service"); the kind must be one the action applies to.
PLAYBOOK_COMMAND = T({"title": S_, "command": S, "action": S_, "target": S_})
PLAYBOOK_STEP = T({"title": S, "within": DUR_, "options": BOOL_, "commands": A(PLAYBOOK_COMMAND, False),
                   "notes": STRS_, "contact": S_, "contacts": STRS_})

SCHEMA = T({
    "schema": INT,
    "runbook": T({
        "title": S, "platform": S_, "version": S, "last_updated": S_, "maintained_by": S_, "review_frequency": S_,
        "namespace": S_, "services": STRS_, "contents": STRS_, "contents_title": S_,
        "changelog": A(T({"version": S, "date": S, "changes": S, "author": S_}), False),
        "related": A(T({"title": S, "path": S}), False),
    }),
    "overview": T({"title": S, "summary": S_, "definition_title": S_, "definition": S_, "causes": STRS_,
                   "objectives_title": S_, "objectives": A(T({"title": S, "text": S}), False)}, False),
    "classification": T({"title": S, "severity_levels_title": S_}, False),
    "severities": A(T({"id": S, "name": S, "impact": S, "response_time": DUR, "response_time_text": S_,
                       "examples": STRS_})),
    "impact_assessment": T({
        "title": S_, "start": S, "when_unsure": S_, "advice": S,
        "questions": A(T({"id": S, "text": S, "answers": A(T({"answer": S, "severity": S_, "next": S_}))})),
    }),
    "procedures": T({"title": S}, False),
    "phases": A(T({
        "id": S, "number": INT, "title": S, "checklist_title": S_, "checklist": A(ITEM, False),
        "steps": A(STEP, False), "lists": A(T({"title": S, "items": STRS}), False),
        "flow_title": S_, "flow": STRS_, "strategies_title": S_,
    })),
    "critical": T({"title": S}, False),
    "playbooks": A(T({"id": S, "kind": S, "severity": S, "title": S, "symptoms": STRS, "phase": S_,
                      "steps": A(PLAYBOOK_STEP)}), False),
    "communication": T({
        "title": S_, "internal_title": S_, "external_title": S_,
        "slack_channels": A(T({"name": S, "purpose": S}), False),
        "update_frequency": A(T({"severity": S, "interval": DUR, "interval_text": S_, "channels": STRS,
                                 "channels_text": S_})),
        "status_page": T({"title": S_, "url": S, "severities": STRS, "update_within": DUR, "rule": S_,
                          "include": STRS_, "include_text": S_}, False),
        "customer_notifications": T({"title": S_, "severities": STRS, "methods": STRS}, False),
    }),
    "templates": "templates",  # a table of named templates, checked below
    "escalation": T({
        "title": S_, "contacts_title": S_,
        "steps": A(T({"role": S, "title": S, "after": DUR, "condition": S_})),
        "roles": A(T({"role": S, "title": S, "primary": S_, "backup": S_, "phone": S_}), False),
    }),
    "incident": T({
        "statuses": STRS,
        "roles": A(T({"id": S, "title": S}), False),
        "impact_fields": A(T({"id": S, "title": S}), False),
    }),
    "post_incident": T({
        "title": S_,
        "timeline": T({"title": S_, "required": A(T({"id": S, "text": S, "source": S_}))}, False),
        "five_whys": T({"title": S_, "whys": INT, "problem": S_, "root_cause": S_, "fix": S_,
                        "example": A(T({"question": S, "answer": S}), False)}, False),
        "meeting": T({"title": S_, "duration": DUR_, "agenda": A(T({"item": S, "minutes": INT}))}, False),
        "action_items": T({"title": S_, "columns": STRS, "examples": A(T({"action": S, "owner": S, "due": S,
                                                                          "priority": S}), False)}, False),
    }, False),
    "report": T({"title": S_, "template": S, "fields": STRS}, False),
    "actions": "actions",  # only [[actions.custom]]: checked below
})
TEMPLATE = T({"title": S_, "channel": S_, "subject": S_, "text": S})
SEVERITY_ID = re.compile(r"^P\d$")
ID = re.compile(r"^[a-z][a-z0-9_]*$")

Problem = tuple[tuple, str]  # (key path, message)


def _type_ok(kind: str, value: Any) -> str | None:
    if kind == "str":
        return None if isinstance(value, str) else "must be a string"
    if kind == "int":
        return None if isinstance(value, int) and not isinstance(value, bool) else "must be an integer"
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "strs":
        return None if isinstance(value, list) and all(isinstance(v, str) for v in value) else "must be a list of strings"
    if kind == "duration":
        if not isinstance(value, str):
            return "must be a duration string such as \"15m\""
        try:
            parse_duration(value)
        except ValueError as exc:
            return str(exc)
        return None
    raise AssertionError(kind)


def _check_actions(value: Any, path: tuple, problems: list[Problem]) -> None:
    # An action's danger, key, target kind and command are declared once, in irtui's
    # registry; a runbook only names them. A runbook may add its team's own steps.
    from irtui.actions import custom

    if isinstance(value, list):
        problems.append((path, "actions are declared in irtui's registry: steps name them by id "
                               "(a team's own steps go in [[actions.custom]])"))
        return
    if not isinstance(value, dict):
        problems.append((path, f"must be a table, not {type(value).__name__}"))
        return
    for key in value:
        if key != "custom":
            problems.append((path + (key,), "unknown key (expected: custom)"))
    tables = value.get("custom", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.append((path + ("custom",), "must be an array of tables"))
        return
    for i, table in enumerate(tables):
        for key, message in custom.problems(table):
            problems.append((path + ("custom", i, key), message))


def check_shape(value: Any, spec: Any, path: tuple, problems: list[Problem]) -> None:
    if spec == "actions":
        _check_actions(value, path, problems)
        return
    if spec == "templates":
        if not isinstance(value, dict):
            problems.append((path, "must be a table of templates"))
            return
        for name, template in value.items():
            check_shape(template, TEMPLATE, path + (name,), problems)
        return
    if isinstance(spec, K):
        message = _type_ok(spec.kind, value)
        if message:
            if spec.kind == "duration" and isinstance(value, str):
                problems.append((path, message))
            else:
                problems.append((path, f"{message}, not {type(value).__name__} ({_short(value)})"))
        return
    if isinstance(spec, A):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.append((path, "must be an array of tables"))
            return
        for i, item in enumerate(value):
            check_shape(item, spec.item, path + (i,), problems)
        return
    if not isinstance(value, dict):
        problems.append((path, f"must be a table, not {type(value).__name__}"))
        return
    for key in value:
        if key not in spec.fields:
            problems.append((path + (key,), f"unknown key (expected one of: {', '.join(sorted(spec.fields))})"))
    for key, sub in spec.fields.items():
        if key in value:
            check_shape(value[key], sub, path + (key,), problems)
        elif getattr(sub, "required", False):
            problems.append((path + (key,), "is required"))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_references(data: dict[str, Any], problems: list[Problem]) -> None:
    """Ids unique, references resolve: severities, phases, questions, actions, templates, roles."""

    def unique(items: list[dict], key: str, path: tuple, seen: dict | None = None, pattern: re.Pattern | None = None) -> dict:
        seen = {} if seen is None else seen
        for i, item in enumerate(items):
            value = item.get(key)
            if not isinstance(value, str):
                continue
            if pattern and not pattern.match(value):
                problems.append((path + (i, key), f"invalid id {value!r} (expected {pattern.pattern})"))
            if value in seen:
                problems.append((path + (i, key), f"duplicate id {value!r} (first at {_fmt(seen[value])})"))
            else:
                seen[value] = path + (i, key)
        return seen

    from irtui.actions import registry
    from irtui.actions.model import TARGET_KINDS

    severities = unique(data.get("severities", []), "id", ("severities",), pattern=SEVERITY_ID)
    own = data.get("actions", {}).get("custom", []) if isinstance(data.get("actions"), dict) else []
    own = own if isinstance(own, list) else []
    customs = {t["id"]: t for t in own if isinstance(t, dict) and isinstance(t.get("id"), str)}
    unique([t for t in own if isinstance(t, dict)], "id", ("actions", "custom"))
    phases = unique(data.get("phases", []), "id", ("phases",), pattern=ID)
    templates = data.get("templates", {}) if isinstance(data.get("templates"), dict) else {}

    def sev(value: Any, path: tuple) -> None:
        if isinstance(value, str) and value not in severities:
            problems.append((path, f"unknown severity {value!r} (defined: {', '.join(severities)})"))

    def act(value: Any, path: tuple) -> None:
        if isinstance(value, str) and registry.declared(value) is None and value not in customs:
            problems.append((path, f"unknown action {value!r} (neither irtui's nor in [[actions.custom]])"))

    def target(action: Any, value: Any, path: tuple) -> None:
        if not isinstance(value, str):
            return
        kind, _, name = value.partition("/")
        if kind not in TARGET_KINDS:
            problems.append((path, f"unknown target kind {kind!r} (one of: {', '.join(TARGET_KINDS)})"))
            return
        if "/" in value and (not name or "<" in name or "/" in name):
            problems.append((path, f"bad target {value!r} (a kind, or kind/name such as deployment/task-service)"))
            return
        if not isinstance(action, str):
            problems.append((path, "a target needs an action"))
            return
        declared = registry.declared(action)
        kinds = declared.target_kinds if declared is not None else (
            (customs[action].get("target", "namespace"),) if action in customs else None)
        if kinds is not None and kind not in kinds:
            applies = " or ".join(kinds) if kinds else "no target"
            problems.append((path, f"{action} applies to {applies}, not {kind}"))

    def phase_ref(value: Any, path: tuple) -> None:
        if isinstance(value, str) and value not in phases:
            problems.append((path, f"unknown phase {value!r} (defined: {', '.join(phases)})"))

    items_seen: dict = {}
    numbers: dict = {}
    for p, phase in enumerate(data.get("phases", [])):
        if isinstance(phase.get("number"), int):
            if phase["number"] in numbers:
                problems.append((("phases", p, "number"), f"duplicate phase number {phase['number']}"))
            numbers[phase["number"]] = p
        for part in ("checklist", "steps"):
            rows = phase.get(part, [])
            if not isinstance(rows, list):
                continue
            unique([r for r in rows if isinstance(r, dict)], "id", ("phases", p, part), items_seen, ID)
            for i, row in enumerate(rows):
                if not isinstance(row, dict):
                    continue
                for a, action in enumerate(row.get("actions", []) if isinstance(row.get("actions"), list) else []):
                    act(action, ("phases", p, part, i, "actions", a))
                for s, value in enumerate(row.get("severities", []) if isinstance(row.get("severities"), list) else []):
                    sev(value, ("phases", p, part, i, "severities", s))
                if isinstance(row.get("template"), str) and row["template"] not in templates:
                    problems.append((("phases", p, part, i, "template"), f"unknown template {row['template']!r}"))

    unique(data.get("playbooks", []), "id", ("playbooks",), pattern=ID)
    for b, book in enumerate(data.get("playbooks", [])):
        sev(book.get("severity"), ("playbooks", b, "severity"))
        phase_ref(book.get("phase"), ("playbooks", b, "phase"))
        for s, step in enumerate(book.get("steps", []) if isinstance(book.get("steps"), list) else []):
            for c, command in enumerate(step.get("commands", []) if isinstance(step, dict) and isinstance(step.get("commands"), list) else []):
                if isinstance(command, dict):
                    where = ("playbooks", b, "steps", s, "commands", c)
                    act(command.get("action"), where + ("action",))
                    target(command.get("action"), command.get("target"), where + ("target",))

    impact = data.get("impact_assessment", {})
    if isinstance(impact, dict):
        questions = unique(impact.get("questions", []) if isinstance(impact.get("questions"), list) else [],
                           "id", ("impact_assessment", "questions"), pattern=ID)
        if isinstance(impact.get("start"), str) and impact["start"] not in questions:
            problems.append((("impact_assessment", "start"), f"unknown question {impact['start']!r}"))
        if impact.get("when_unsure", "higher") not in ("higher", "lower"):
            problems.append((("impact_assessment", "when_unsure"), "must be \"higher\" or \"lower\""))
        for q, question in enumerate(impact.get("questions", []) if isinstance(impact.get("questions"), list) else []):
            for a, answer in enumerate(question.get("answers", []) if isinstance(question, dict) and isinstance(question.get("answers"), list) else []):
                if not isinstance(answer, dict):
                    continue
                path = ("impact_assessment", "questions", q, "answers", a)
                if ("severity" in answer) == ("next" in answer):
                    problems.append((path, "needs exactly one of severity or next"))
                sev(answer.get("severity"), path + ("severity",))
                if isinstance(answer.get("next"), str) and answer["next"] not in questions:
                    problems.append((path + ("next",), f"unknown question {answer['next']!r}"))

    comm = data.get("communication", {})
    if isinstance(comm, dict):
        rules = comm.get("update_frequency", []) if isinstance(comm.get("update_frequency"), list) else []
        seen_sev: dict = {}
        unique(rules, "severity", ("communication", "update_frequency"), seen_sev)
        for i, rule in enumerate(rules):
            sev(rule.get("severity"), ("communication", "update_frequency", i, "severity"))
        for sid in severities:
            if sid not in seen_sev:
                problems.append((("communication", "update_frequency"), f"no update interval for severity {sid}"))
        for part in ("status_page", "customer_notifications"):
            table = comm.get(part)
            if isinstance(table, dict) and isinstance(table.get("severities"), list):
                for s, value in enumerate(table["severities"]):
                    sev(value, ("communication", part, "severities", s))

    esc = data.get("escalation", {})
    if isinstance(esc, dict):
        steps = esc.get("steps", []) if isinstance(esc.get("steps"), list) else []
        unique(steps, "role", ("escalation", "steps"), pattern=ID)
        last = None
        for i, step in enumerate(steps):
            try:
                after = parse_duration(step.get("after", ""))
            except (ValueError, AttributeError):
                continue
            if last is not None and after < last:
                problems.append((("escalation", "steps", i, "after"), "escalation steps must not go back in time"))
            last = after
        roles = esc.get("roles", []) if isinstance(esc.get("roles"), list) else []
        unique(roles, "role", ("escalation", "roles"), pattern=ID)

    required = (data.get("post_incident", {}) or {}).get("timeline", {}) if isinstance(data.get("post_incident"), dict) else {}
    if isinstance(required, dict):
        for i, row in enumerate(required.get("required", []) if isinstance(required.get("required"), list) else []):
            source = row.get("source") if isinstance(row, dict) else None
            if isinstance(source, str) and source.startswith("phase:"):
                phase_ref(source[len("phase:"):], ("post_incident", "timeline", "required", i, "source"))

    report = data.get("report")
    if isinstance(report, dict) and isinstance(report.get("template"), str) and report["template"] not in templates:
        problems.append((("report", "template"), f"unknown template {report['template']!r}"))


def _fmt(path: tuple) -> str:
    from irtui.runbook.lines import display

    return display(path)
