"""The declare-incident screen: a title, the severity reached through the runbook's impact
questions (the runbook's advice to pick the higher one when unsure is shown), the affected
services, and the playbook kind. Declaring writes the `declared` entry through the session
and dismisses with the new incident id.

Opened with a `Suggestion` (what the detection rules found), the form starts filled in:
the flowchart's answers, the severity, the services and the playbook, each with its reason
beside it. The responder confirms (enter in any field) or changes them; the declared entry
records both what was suggested and what was chosen.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from irtui.detect import Suggestion
from irtui.incident.session import IncidentSession
from irtui.incident.store import StoreError
from irtui.runbook.model import Runbook
from irtui.text import visible, visible_lines
from irtui.ui.stylesheets import widget_css


class DeclareIncidentScreen(ModalScreen[str | None]):
    DEFAULT_CSS = widget_css(__file__, "declare.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="incident.declare.cancel")]
    # The title is what the responder types first (the scroll container would take focus
    # otherwise), and keys typed ahead are given to whatever holds focus once mounted.
    AUTO_FOCUS = "#declare-title"

    def __init__(self, session: IncidentSession, runbook: Runbook, suggestion: Suggestion | None = None) -> None:
        super().__init__()
        self.session = session
        self.runbook = runbook
        self.suggestion = suggestion if suggestion is not None and suggestion.answers else None
        self.answers: dict[str, str] = dict(self.suggestion.answers) if self.suggestion else {}

    def _reason(self, why: str, id: str | None = None) -> Static:
        # Reasons quote pod and service names from the cluster: text, never markup.
        return Static(Content(visible_lines(f"suggested: {why}")), id=id, classes="declare-reason")

    def compose(self) -> ComposeResult:
        impact = self.runbook.impact
        hint = self.suggestion
        kinds = {p.kind for p in self.runbook.playbooks}
        severities = {s.id for s in self.runbook.severities}
        with VerticalScroll():
            yield Label("[b]Declare an incident[/b]")
            if hint is not None:
                yield Static("Filled in from what irtui detected; confirm with enter, or change anything.",
                             id="declare-evidence")
            yield Input(value=self._title(), placeholder="Title, e.g. API Gateway Down", id="declare-title")
            # The runbook is a file someone wrote: its words are text, never markup.
            for question in impact.questions.values():
                yield Label(Content(visible_lines(question.text)))
                chosen = self.answers.get(question.id)
                with RadioSet(id=f"q-{question.id}"):
                    for answer in question.answers:
                        yield RadioButton(Content(visible(answer.answer)), value=answer.answer == chosen)
                if hint is not None and question.id in hint.answer_reasons:
                    yield self._reason(hint.answer_reasons[question.id])
            yield Static(Content(visible_lines(impact.advice)), id="declare-advice")
            severity = hint.severity if hint is not None and hint.severity in severities else Select.NULL
            yield Select([(Text(visible(f"{s.label} ({s.impact})")), s.id) for s in self.runbook.severities],
                         prompt="Severity", id="declare-severity", value=severity)
            if severity is not Select.NULL:
                yield self._reason(f"{severity}, from the answers above", id="declare-severity-reason")
            services = ", ".join(hint.services) if hint is not None else ""
            yield Input(value=services, placeholder=visible("Affected services, comma separated: "
                                                            + ", ".join(self.runbook.services)),
                        id="declare-services")
            if hint is not None and hint.services:
                yield self._reason("; ".join(f"{name}: {why}" for name, why in hint.services.items()),
                                   id="declare-services-reason")
            kind = hint.playbook if hint is not None and hint.playbook in kinds else Select.NULL
            yield Select([(Text(visible(p.title)), p.kind) for p in self.runbook.playbooks],
                         prompt="Playbook (optional)", id="declare-kind", value=kind)
            if hint is not None:
                title = next((p.title for p in self.runbook.playbooks if p.kind == kind), "no playbook")
                yield self._reason(f"{title}: {hint.playbook_reason}", id="declare-kind-reason")
            yield Input(placeholder="Detected how many minutes ago? (blank: now; the clocks count from detection)",
                        id="declare-detected", type="integer")
            # The PagerDuty incident that paged us, so acknowledge/resolve act on it (k / K).
            yield Input(placeholder="PagerDuty incident id, if PagerDuty paged you (optional; e.g. PT4KHLK)",
                        id="declare-pagerduty")
            yield Static("", id="declare-error")
            with Horizontal():
                yield Button("Declare", variant="error", id="declare-ok")
                yield Button("Cancel", id="declare-cancel")

    @on(RadioSet.Changed)
    def _answered(self, event: RadioSet.Changed) -> None:
        question_id = (event.radio_set.id or "")[2:]
        question = self.runbook.impact.questions.get(question_id)
        if question is None or not 0 <= event.index < len(question.answers):
            return
        # The runbook's own words, not the label (which shows them made visible).
        self.answers[question_id] = question.answers[event.index].answer
        severity, _ = self.runbook.impact.suggest(self.answers)
        if severity:
            self.query_one("#declare-severity", Select).value = severity

    def _title(self) -> str:
        """A starting title from the evidence: the suggested playbook's, else the first reason."""
        hint = self.suggestion
        if hint is None:
            return ""
        playbook = next((p for p in self.runbook.playbooks if p.kind == hint.playbook), None)
        if playbook is not None:
            return visible(playbook.title.split(":", 1)[-1].strip(), 120)
        return visible(next(iter(hint.services.values()), hint.severity_reason), 120)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#declare-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#declare-ok")
    async def _declare(self) -> None:
        title = self.query_one("#declare-title", Input).value.strip()
        severity = self.query_one("#declare-severity", Select).value
        error = self.query_one("#declare-error", Static)
        if not title:
            error.update("A title is required.")
            return
        if severity is Select.NULL:
            error.update("Choose a severity (answer the questions, or pick one; when unsure, the higher).")
            return
        services = [s.strip() for s in self.query_one("#declare-services", Input).value.split(",") if s.strip()]
        kind = self.query_one("#declare-kind", Select).value
        ago = self.query_one("#declare-detected", Input).value.strip()
        detected_at = self.session.now() - timedelta(minutes=int(ago)) if ago.isdigit() else None
        incident_kind = None if kind is Select.NULL else str(kind)
        details: dict[str, Any] | None = None
        if self.suggestion is not None:
            chosen = {"answers": dict(self.answers), "severity": str(severity), "services": services,
                      "playbook": incident_kind}
            details = {"suggested": self.suggestion.as_details(), "chosen": chosen}
        pagerduty = self.query_one("#declare-pagerduty", Input).value.strip()
        if pagerduty:
            if not pagerduty.isalnum() or len(pagerduty) > 40:
                error.update("A PagerDuty incident id is letters and digits (e.g. PT4KHLK).")
                return
            details = {**(details or {}), "pagerduty_incident_id": pagerduty}
        try:
            incident_id = await self.session.declare(
                title, str(severity), services, incident_kind=incident_kind,
                answers=dict(self.answers), phase=self.runbook.phases[0].id, detected_at=detected_at,
                details=details)
        except (StoreError, PermissionError) as exc:  # unreachable shared store, read-only terminal
            error.update(Content(f"Not declared: {visible(str(exc))}"))
            return
        self.dismiss(incident_id)
