"""A small App that mounts the incident widgets the way the real shell is meant to."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal

from irtui.incident.clocks import ClockPolicy
from irtui.incident.model import utcnow
from irtui.incident.session import IncidentSession
from irtui.runbook.model import Runbook
from irtui.ui.incident import ChecklistSidebar, ClockBar, DeclareIncidentScreen, IncidentCommands, TimelinePane

ACTION_KEYS = {"kube.rollout_restart": "r", "kube.logs": "l", "kube.get_pods": "g", "helm.rollback": "R"}


class IncidentApp(App):
    BINDINGS = [Binding("D", "declare", "Declare", id="incident.declare")]
    COMMANDS = App.COMMANDS | {IncidentCommands}

    def __init__(self, session: IncidentSession, runbook: Runbook, contacts: dict | None = None,
                 now: Callable[[], datetime] = utcnow) -> None:
        super().__init__()
        self.session = session
        self.runbook = runbook
        self.contacts = contacts or {}
        self.now = now

    def compose(self) -> ComposeResult:
        yield ClockBar(self.session, ClockPolicy.from_runbook(self.runbook), self.contacts, now=self.now, id="clocks")
        with Horizontal():
            yield ChecklistSidebar(self.session, self.runbook, ACTION_KEYS, id="checklist")
            yield TimelinePane(self.session, self.runbook, self.contacts, id="timeline")

    def action_declare(self) -> None:
        self.push_screen(DeclareIncidentScreen(self.session, self.runbook))
