"""Command-palette entries for the incident: every incident key, findable by name.

Each command runs the same action as its key, on the mounted incident widget, and is
offered only when that widget's `check_action` allows it (no incident, or a read-only
terminal, hides the writing ones). Add `IncidentCommands` to the app's `COMMANDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from irtui.ui.incident.checklist import ChecklistSidebar
from irtui.ui.incident.declare import DeclareIncidentScreen
from irtui.ui.incident.timeline import TimelinePane
from irtui.ui.palette import ListedCommands

# (widget class, action, title, help)
COMMANDS = (
    (TimelinePane, "add_note", "Incident: add note", "A timeline note; TODO: makes it an action item"),
    (TimelinePane, "post_update", "Incident: status update", "Compose from the runbook's templates; send or copy"),
    (TimelinePane, "snooze_update", "Incident: snooze status update", "Push the update clock back 10 minutes"),
    (TimelinePane, "next_status", "Incident: next status", "Investigating > Identified > Fixing > Monitoring > Resolved"),
    (TimelinePane, "raise_severity", "Incident: raise severity", "P1 -> P0 ..."),
    (TimelinePane, "lower_severity", "Incident: lower severity", "P0 -> P1 ..."),
    (TimelinePane, "escalate", "Incident: escalation", "Who to call at the step the escalation clock calls for"),
    (TimelinePane, "pagerduty_ack", "Incident: acknowledge PagerDuty incident", "The one recorded at declaration"),
    (TimelinePane, "pagerduty_resolve", "Incident: resolve PagerDuty incident", "With a resolution message"),
    (TimelinePane, "war_room", "Incident: create Slack war-room channel", "#incident-<timestamp>"),
    (TimelinePane, "toggle_pin", "Incident: pin / unpin entry", "The highlighted timeline entry"),
    (TimelinePane, "assign_role", "Incident: assign role", "Incident commander, scribe, communications"),
    (TimelinePane, "edit_impact", "Incident: record impact", "Users affected, data loss, services"),
    (TimelinePane, "close_incident", "Incident: close", "Root cause, resolution, prevention, lessons; then close"),
    (TimelinePane, "five_whys", "Incident: 5 Whys", "Root cause analysis: each why and its answer on the timeline"),
    (TimelinePane, "show_report", "Incident: report", "Write the incident report and show it"),
    (TimelinePane, "list_incidents", "Incidents", "Open and closed incidents of the store; enter shows a timeline"),
    (ChecklistSidebar, "next_phase", "Incident: next phase", "Move the incident to the next runbook phase"),
    (ChecklistSidebar, "previous_phase", "Incident: previous phase", "Move the incident back one phase"),
    (ChecklistSidebar, "jump_playbook", "Incident: show playbook", "The playbook for the incident's kind"),
)


class IncidentCommands(ListedCommands):
    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        out: list[tuple[str, Callable[[], object], str]] = []
        sidebars = list(self.app.query(ChecklistSidebar))
        if sidebars:
            sidebar = sidebars[0]
            if not sidebar.session.is_open and not sidebar.session.guard.read_only:
                screen = partial(DeclareIncidentScreen, sidebar.session, sidebar.runbook)
                out.append(("Incident: declare", lambda: self.app.push_screen(screen()),
                            "Title, severity through the impact questions, services"))
        if hasattr(self.app, "action_read_runbook"):
            out.append(("Runbook: read", partial(self.app.run_action, "read_runbook"),
                        "The runbook in use, section by section, with the keys that run its steps"))
        for widget_class, action, title, help_text in COMMANDS:
            for widget in self.app.query(widget_class):
                if widget.check_action(action, ()):
                    out.append((title, partial(widget.run_action, action), help_text))
                break
        return out
