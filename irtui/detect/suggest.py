"""A declaration suggested by the evidence: the flowchart's answers, the severity they lead
to, the affected services and a playbook, each with the reason it was suggested.

`suggest(findings, runbook)` is pure. The runbook's impact flowchart is walked from its
first question (are the services available?) to its second (are the core features
working?) with answers "No", "Partial" or "Yes" chosen from the findings; the severity is
the one the runbook's own walk reaches. The responder sees every reason and may change
anything; `Suggestion.as_details()` is what the declared entry records as "suggested".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from irtui.detect.rules import CRASHLOOP, DATABASE, ERRORS, HEALTH, SECURITY, Finding
from irtui.runbook.model import Runbook


@dataclass(frozen=True)
class Suggestion:
    answers: dict[str, str] = field(default_factory=dict)  # question id -> the runbook's answer
    answer_reasons: dict[str, str] = field(default_factory=dict)  # question id -> why
    severity: str | None = None
    severity_reason: str = ""
    services: dict[str, str] = field(default_factory=dict)  # service -> why, in the runbook's order
    playbook: str | None = None  # a playbook kind of the runbook
    playbook_reason: str = ""

    def as_details(self) -> dict:
        return {"answers": dict(self.answers), "answer_reasons": dict(self.answer_reasons),
                "severity": self.severity, "severity_reason": self.severity_reason,
                "services": list(self.services), "service_reasons": dict(self.services),
                "playbook": self.playbook, "playbook_reason": self.playbook_reason}


def _by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.rule, []).append(f)
    return out


def _availability(rules: dict[str, list[Finding]], findings: list[Finding]) -> tuple[str, str] | None:
    health = rules.get(HEALTH, [None])[0]
    if DATABASE in rules:
        return "No", f"{rules[DATABASE][0].reason} (the runbook's P0 example: database down)"
    if health is not None and health.facts["failing"] == health.facts["checked"]:
        return "No", health.reason
    errors = rules.get(ERRORS, [None])[0]
    if errors is not None and errors.facts["all"] and len(errors.services) == errors.facts["all"]:
        return "No", errors.reason
    if findings:
        return "Partial", findings[0].reason
    return None


def _core_features(rules: dict[str, list[Finding]], findings: list[Finding]) -> tuple[str, str]:
    if HEALTH in rules:
        return "No", rules[HEALTH][0].reason
    down = [f for f in rules.get(CRASHLOOP, []) if not f.facts["ready"]]
    if down:
        return "No", down[0].reason + ": no pod serves"
    return "Partial", findings[0].reason


def _answer(runbook: Runbook, question_id: str | None, word: str) -> str | None:
    """The runbook's own spelling of `word` among the question's answers."""
    question = runbook.impact.questions.get(question_id or "")
    if question is None:
        return None
    return next((a.answer for a in question.answers if a.answer.lower() == word.lower()), None)


def _playbook(rules: dict[str, list[Finding]], findings: list[Finding], runbook: Runbook) -> tuple[str | None, str]:
    kinds = {p.kind for p in runbook.playbooks}
    health = rules.get(HEALTH, [None])[0]
    if SECURITY in rules and "security" in kinds:
        return "security", rules[SECURITY][0].reason
    if DATABASE in rules and "database" in kinds:
        why = rules[DATABASE][0].reason
        if health is not None and health.facts["database"]:
            told, failing = len(health.facts["database"]), health.facts["failing"]
            why += f", and {told}/{failing} failing services report the database"
        return "database", why
    if health is not None and health.facts["failing"] == health.facts["checked"] and "outage" in kinds:
        return "outage", health.reason
    if "emr" in kinds and any("emr-service" in f.services for f in findings if f.rule in (HEALTH, ERRORS)):
        failing = health is not None and "emr-service" in health.services
        return "emr", "emr-service " + ("fails its health check" if failing else "errors over the threshold")
    return None, "no playbook's symptoms match; the general procedure applies"


def _at_least_the_playbooks(runbook: Runbook, kind: str | None, severity: str | None,
                            reason: str) -> tuple[str | None, str]:
    """A playbook declares its severity (a breach is P0 while every service answers): the
    suggestion is never lower than the playbook it points to."""
    playbook = runbook.playbook_for(kind) if kind else None
    order = [s.id for s in runbook.severities]
    if playbook is None or playbook.severity not in order:
        return severity, reason
    if severity in order and order.index(severity) <= order.index(playbook.severity):
        return severity, reason
    why = f"{playbook.title} (the playbook's severity)"
    return playbook.severity, f"{reason}; {why}" if reason else why


def suggest(findings: list[Finding], runbook: Runbook) -> Suggestion:
    """What the evidence says to declare; empty when nothing was found."""
    if not findings:
        return Suggestion()
    rules = _by_rule(findings)
    answers: dict[str, str] = {}
    reasons: dict[str, str] = {}
    impact = runbook.impact
    first = _availability(rules, findings)
    if first is not None:
        word, why = first
        answer = _answer(runbook, impact.start, word)
        if answer is not None:
            answers[impact.start], reasons[impact.start] = answer, why
            _, next_question = impact.suggest(answers)
            if next_question is not None:
                word, why = _core_features(rules, findings)
                answer = _answer(runbook, next_question, word)
                if answer is not None:
                    answers[next_question], reasons[next_question] = answer, why
    severity, _ = impact.suggest(answers)
    severity_reason = "; ".join(f"{impact.questions[q].text} {answers[q]}: {reasons[q]}" for q in answers)
    named: dict[str, str] = {}
    for f in findings:
        for service in f.services:
            named.setdefault(service, f.reason)
    order = {s: i for i, s in enumerate(runbook.services)}
    services = dict(sorted(named.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    playbook, playbook_reason = _playbook(rules, findings, runbook)
    severity, severity_reason = _at_least_the_playbooks(runbook, playbook, severity, severity_reason)
    return Suggestion(answers, reasons, severity, severity_reason, services, playbook, playbook_reason)
