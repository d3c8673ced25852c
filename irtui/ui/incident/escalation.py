"""The escalation prompt: the step the escalation clock reached (tech lead at 30 min, CTO
at 1 h, then vendors), who to call (the runbook's contacts table, or the config's), and
what the responder did about it: `enter` called them (recorded; the clock moves to the next
step), `p` called them and paged through PagerDuty, `z` snooze 10 min (recorded; the clock
moves), `ctrl+y` copies who to call, `escape` later (the clock bar stays red).

A read-only terminal shows the prompt and copies it, and says that it records nothing.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from irtui.text import visible, visible_lines
from irtui.ui.incident.compose import copy_text
from irtui.ui.stylesheets import widget_css

READ_ONLY_ESCALATION = "read-only terminal: the escalation is not recorded or paged from here (ctrl+y copies)"
SNOOZE_MINUTES = 10


def contact_lines(contacts: dict[str, Any], role: str) -> list[str]:
    """Who fills `role`, one line per way to reach them; a role nobody fills says so."""
    value = contacts.get(role)
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, dict):
        lines = [f"{label}: {value[key]}" for key, label in (("primary", "Primary"), ("backup", "Backup"),
                                                               ("phone", "Phone"), ("email", "Email"),
                                                               ("slack", "Slack")) if value.get(key)]
        if lines:
            return lines
    return [f"nobody is listed for {role}: add [contacts] {role} = \"name, phone\" to config.toml"]


class EscalationPrompt(ModalScreen[str | None]):
    """Dismissed with "ack", "page", "snooze" or None (later)."""

    DEFAULT_CSS = widget_css(__file__, "escalation.tcss")
    BINDINGS = [
        Binding("enter", "answer('ack')", "Called: record", id="incident.escalation.ack"),
        Binding("p", "answer('page')", "Record + page", id="incident.escalation.page"),
        Binding("z", "answer('snooze')", "Snooze 10 min", id="incident.escalation.snooze"),
        Binding("ctrl+y", "copy", "Copy", id="incident.escalation.copy"),
        Binding("escape", "later", "Later", id="incident.escalation.later"),
    ]

    def __init__(self, title: str, role: str, when: str, contacts: dict[str, Any], incident: str, *,
                 read_only: bool = False, can_page: bool = False, due: bool = True) -> None:
        super().__init__()
        self.step_title = title
        self.role = role
        self.when = when
        self.lines = contact_lines(contacts, role)
        self.incident = incident
        self.read_only = read_only
        self.can_page = can_page
        self.due = due

    def text(self) -> str:
        """What to call with, as copied."""
        return "\n".join([f"Escalate to {self.step_title} — {self.incident}", *self.lines])

    def compose(self) -> ComposeResult:
        with Vertical():
            now = " now" if self.due else " (early)"
            yield Label(Content(visible(f"Escalate to {self.step_title}{now}")), id="escalation-title")
            yield Static(Content(visible_lines(f"{self.when}\n{self.incident}")))
            yield Label("Call:")
            yield Static(Content(visible_lines("\n".join(f"  {line}" for line in self.lines))), id="escalation-who")
            if self.read_only:
                yield Static(READ_ONLY_ESCALATION, classes="escalation-read-only")
                keys = "ctrl+y copy · escape close"
            else:
                page = "p called + page via PagerDuty" if self.can_page else "p page (PagerDuty not configured)"
                keys = f"enter called them (record) · {page} · z snooze {SNOOZE_MINUTES} min · ctrl+y copy · escape later"
            yield Static(keys, classes="escalation-keys")

    def action_answer(self, answer: str) -> None:
        if self.read_only:
            self.app.notify(READ_ONLY_ESCALATION, title="Escalation", severity="warning", timeout=6)
            return
        if answer == "page" and not self.can_page:
            self.app.notify("PagerDuty not configured: set [notify.pagerduty] routing_key_env in config.toml",
                            title="Escalation", severity="warning", timeout=6)
            return
        self.dismiss(answer)

    def action_copy(self) -> None:
        copy_text(self, self.text(), "Escalation contacts")

    def action_later(self) -> None:
        self.dismiss(None)
