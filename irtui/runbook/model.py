"""The runbook as typed, read-only data: what the UI, clocks, actions and report read.

Built only from a file that passed `schema` checks (see `loader`), so attribute access
never fails. `Runbook.data` keeps the whole validated document for parts shown verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from irtui.platform import NAMESPACE
from irtui.runbook.schema import parse_duration


@dataclass(frozen=True)
class Severity:
    id: str
    name: str
    impact: str
    response_time: timedelta
    response_time_text: str
    examples: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.id} - {self.name}"


@dataclass(frozen=True)
class Answer:
    answer: str
    severity: str | None = None
    next: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class ImpactAssessment:
    start: str
    when_unsure: str
    advice: str
    questions: dict[str, Question]

    def suggest(self, answers: dict[str, str]) -> tuple[str | None, str | None]:
        """Walk the questions with `answers` (question id -> answer). Returns (severity, None)
        when the walk reaches a severity, or (None, next question id) when it needs one more."""
        current = self.start
        for _ in range(len(self.questions) + 1):
            question = self.questions[current]
            given = answers.get(current)
            if given is None:
                return None, current
            match = next((a for a in question.answers if a.answer.lower() == given.lower()), None)
            if match is None:
                return None, current
            if match.severity:
                return match.severity, None
            if match.next is None:  # the schema requires a severity or a next question
                return None, None
            current = match.next
        return None, None


@dataclass(frozen=True)
class Item:
    """A tickable line of a phase: a checklist item or a command step."""

    id: str
    text: str
    actions: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    group: str = ""
    note: str = ""
    template: str = ""
    severities: tuple[str, ...] = ()
    is_step: bool = False


@dataclass(frozen=True)
class Phase:
    id: str
    number: int
    title: str
    checklist_title: str
    checklist: tuple[Item, ...]
    steps: tuple[Item, ...]
    lists: tuple[tuple[str, tuple[str, ...]], ...]
    flow_title: str
    flow: tuple[str, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return self.checklist + self.steps

    @property
    def action_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for item in self.items:
            for action in item.actions:
                seen.setdefault(action)
        return tuple(seen)


@dataclass(frozen=True)
class PlaybookCommand:
    title: str
    command: str
    action: str | None
    # What the step acts on: "deployment" (the responder picks which) or "deployment/task-service".
    target: str | None = None


@dataclass(frozen=True)
class PlaybookStep:
    number: int
    title: str
    within: timedelta | None
    options: bool
    commands: tuple[PlaybookCommand, ...]
    notes: tuple[str, ...]
    contacts: tuple[str, ...]


@dataclass(frozen=True)
class Playbook:
    id: str
    kind: str
    severity: str
    title: str
    symptoms: tuple[str, ...]
    steps: tuple[PlaybookStep, ...]
    phase: str | None = None


@dataclass(frozen=True)
class UpdateRule:
    severity: str
    interval: timedelta
    interval_text: str
    channels: tuple[str, ...]
    channels_text: str


@dataclass(frozen=True)
class Communication:
    update_frequency: tuple[UpdateRule, ...]
    slack_channels: tuple[tuple[str, str], ...]
    status_page: dict[str, Any]
    customer_notifications: dict[str, Any]

    def rule(self, severity: str) -> UpdateRule | None:
        return next((r for r in self.update_frequency if r.severity == severity), None)


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    text: str
    channel: str = ""
    subject: str = ""


@dataclass(frozen=True)
class EscalationStepDef:
    role: str
    title: str
    after: timedelta
    condition: str


@dataclass(frozen=True)
class Escalation:
    steps: tuple[EscalationStepDef, ...]
    roles: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class ActionDef:
    """How the checklist shows an action the runbook names. Read from irtui's registry (or
    the runbook's own [[actions.custom]]): a runbook never declares these facts itself."""

    id: str
    title: str
    # diagnostic | remediation | communication
    kind: str
    command: str
    target: str = ""
    danger: str = "none"

    @classmethod
    def of(cls, item: Any) -> ActionDef:
        """From a registry entry (ActionSpec, View, Shown)."""
        danger = getattr(item, "danger", None)
        return cls(item.id, item.title, item.kind, item.command, " or ".join(item.target_kinds),
                   danger.label if danger is not None else "none")


@dataclass(frozen=True)
class Runbook:
    file: str
    title: str
    version: str
    namespace: str
    services: tuple[str, ...]
    severities: tuple[Severity, ...]
    impact: ImpactAssessment
    phases: tuple[Phase, ...]
    playbooks: tuple[Playbook, ...]
    communication: Communication
    templates: dict[str, Template]
    escalation: Escalation
    statuses: tuple[str, ...]
    roles: tuple[tuple[str, str], ...]
    actions: dict[str, ActionDef]
    # The runbook's own steps ([[actions.custom]]), in file order.
    custom: tuple[Any, ...]
    report_fields: tuple[str, ...]
    report_template: str
    data: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def severity(self, sid: str) -> Severity | None:
        return next((s for s in self.severities if s.id == sid), None)

    def phase(self, pid: str) -> Phase | None:
        return next((p for p in self.phases if p.id == pid), None)

    def item(self, item_id: str) -> tuple[Phase, Item] | None:
        for phase in self.phases:
            for item in phase.items:
                if item.id == item_id:
                    return phase, item
        return None

    def playbook_for(self, kind: str | None) -> Playbook | None:
        return next((p for p in self.playbooks if kind and p.kind == kind), None)

    @classmethod
    def from_data(cls, data: dict[str, Any], file: str) -> Runbook:
        def strs(value: Any) -> tuple[str, ...]:
            return tuple(value or ())

        def item(row: dict[str, Any], is_step: bool) -> Item:
            return Item(id=row["id"], text=row.get("title", row.get("text", "")), actions=strs(row.get("actions")),
                        commands=strs(row.get("commands")), group=row.get("group", ""), note=row.get("note", ""),
                        template=row.get("template", ""), severities=strs(row.get("severities")), is_step=is_step)

        from irtui.actions.custom import from_table

        custom = tuple(from_table(t) for t in data.get("actions", {}).get("custom", []))
        meta = data["runbook"]
        impact = data["impact_assessment"]
        comm = data["communication"]
        return cls(
            file=file,
            title=meta["title"],
            version=meta["version"],
            namespace=meta.get("namespace", NAMESPACE),
            services=strs(meta.get("services")),
            severities=tuple(Severity(s["id"], s["name"], s["impact"], parse_duration(s["response_time"]),
                                      s.get("response_time_text", ""), strs(s.get("examples"))) for s in data["severities"]),
            impact=ImpactAssessment(
                start=impact["start"], when_unsure=impact.get("when_unsure", "higher"), advice=impact["advice"],
                questions={q["id"]: Question(q["id"], q["text"], tuple(Answer(a["answer"], a.get("severity"), a.get("next"))
                                                                       for a in q["answers"]))
                           for q in impact["questions"]}),
            phases=tuple(sorted((Phase(
                id=p["id"], number=p["number"], title=p["title"], checklist_title=p.get("checklist_title", ""),
                checklist=tuple(item(r, False) for r in p.get("checklist", [])),
                steps=tuple(item(r, True) for r in p.get("steps", [])),
                lists=tuple((x["title"], strs(x["items"])) for x in p.get("lists", [])),
                flow_title=p.get("flow_title", ""), flow=strs(p.get("flow")),
            ) for p in data["phases"]), key=lambda ph: ph.number)),
            playbooks=tuple(Playbook(
                id=b["id"], kind=b["kind"], severity=b["severity"], title=b["title"], symptoms=strs(b["symptoms"]),
                phase=b.get("phase"),
                steps=tuple(PlaybookStep(
                    number=n, title=s["title"], within=parse_duration(s["within"]) if s.get("within") else None,
                    options=bool(s.get("options")),
                    commands=tuple(PlaybookCommand(c.get("title", ""), c["command"], c.get("action"), c.get("target"))
                                   for c in s.get("commands", [])),
                    notes=strs(s.get("notes")),
                    contacts=strs(s.get("contacts")) + ((s["contact"],) if s.get("contact") else ()),
                ) for n, s in enumerate(b["steps"], 1)),
            ) for b in data.get("playbooks", [])),
            communication=Communication(
                update_frequency=tuple(UpdateRule(r["severity"], parse_duration(r["interval"]), r.get("interval_text", ""),
                                                  strs(r["channels"]), r.get("channels_text", ""))
                                       for r in comm["update_frequency"]),
                slack_channels=tuple((c["name"], c["purpose"]) for c in comm.get("slack_channels", [])),
                status_page=dict(comm.get("status_page", {})),
                customer_notifications=dict(comm.get("customer_notifications", {})),
            ),
            templates={name: Template(name, t.get("title", name), t["text"], t.get("channel", ""), t.get("subject", ""))
                       for name, t in data.get("templates", {}).items()},
            escalation=Escalation(
                steps=tuple(EscalationStepDef(s["role"], s["title"], parse_duration(s["after"]), s.get("condition", ""))
                            for s in data["escalation"]["steps"]),
                roles=tuple(dict(r) for r in data["escalation"].get("roles", [])),
            ),
            statuses=strs(data["incident"]["statuses"]),
            roles=tuple((r["id"], r["title"]) for r in data["incident"].get("roles", [])),
            actions=_named_actions(data, custom),
            custom=custom,
            report_fields=strs(data.get("report", {}).get("fields")),
            report_template=data.get("templates", {}).get(data.get("report", {}).get("template", "report"), {}).get("text", ""),
            data=data,
        )


def _named_actions(data: dict[str, Any], custom: tuple[Any, ...]) -> dict[str, ActionDef]:
    """Every action id the runbook names, as the registry (or its own custom steps) declares it."""
    from irtui.actions import registry

    named: list[str] = []
    for phase in data["phases"]:
        for row in (*phase.get("checklist", []), *phase.get("steps", [])):
            named.extend(row.get("actions", []))
    for book in data.get("playbooks", []):
        for step in book["steps"]:
            named.extend(c["action"] for c in step.get("commands", []) if c.get("action"))
    own = {c.id: ActionDef(c.id, c.title, "remediation" if not c.read_only else "diagnostic", c.command, c.target,
                           c.danger.label) for c in custom}
    out: dict[str, ActionDef] = dict(own)
    for action_id in named:
        if action_id not in out:
            out[action_id] = ActionDef.of(registry.declared(action_id))
    return out
