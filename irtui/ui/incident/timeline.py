"""The timeline pane: every entry, newest at the bottom, coloured by kind; pinned entries
listed above. Keys: `n` note, `p` pin, `u` compose a status update (the runbook's template,
and for a P0/P1 the status page's message, both editable; sent through `irtui.notify` to the
runbook's channels for the severity; a read-only terminal composes and copies only), `z`
snooze the update clock, `s` next status, `+`/`-` raise/lower severity, `e` the escalation
prompt (it also opens by itself when the escalation clock reaches a step), `k`/`K`
acknowledge/resolve the PagerDuty incident recorded at declaration, `c` create the Slack
war-room channel, `a` assign a role, `i` record impact, `V` close the incident (asking why
when checklist items are unticked, then the close form: summary, root cause, resolution,
prevention, lessons; the screen then returns to no incident), `g` the 5 Whys form, `r`
writes the incident report and shows it, `v` views the incidents of the store, open and
closed (`r` there reports a closed one); `enter` shows an entry's details.
"""

from __future__ import annotations

import builtins
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from irtui.incident.clocks import ClockPolicy, ClockReadout, compute, fmt_duration
from irtui.incident.model import Entry
from irtui.incident.session import IncidentSession
from irtui.incident.templates import fill_status_page, fill_update, update_channels
from irtui.text import visible, visible_lines
from irtui.ui.incident.compose import Composed, UpdateComposer
from irtui.ui.incident.entries import entry_text
from irtui.ui.incident.escalation import SNOOZE_MINUTES, EscalationPrompt
from irtui.ui.incident.messages import IncidentChanged, SessionView
from irtui.ui.incident.note import NoteScreen
from irtui.ui.incident.review import close_form, five_whys_form, review_changes, show_report, why_changes, whys_count
from irtui.ui.panes import set_pane_title
from irtui.ui.stylesheets import widget_css

if TYPE_CHECKING:
    from irtui.notify.delivery import Notifier

UNTICKED_SHOWN = 12  # unticked items listed when closing; the rest are counted

# A product decision: a shared, read-only screen sends nothing, and says so.
READ_ONLY_UPDATES = "read-only terminal: status updates are not sent from here"

DETAIL_LIMIT = 4000  # characters of each detail value in the entry's toast


class TimelinePane(SessionView):
    DEFAULT_CSS = widget_css(__file__, "timeline.tcss")

    BORDER_TITLE = "Timeline"
    BINDINGS = [
        # The footer shows these in this order and cuts the rest at 80 columns: the close
        # key must be among the first. V, not C: in the war room C cordons a node, and a
        # remapped key would go to the end of the footer, out of sight.
        Binding("n", "add_note", "Note", id="incident.timeline.note"),
        Binding("u", "post_update", "Send update", id="incident.timeline.update"),
        Binding("V", "close_incident", "Close incident", id="incident.timeline.close"),
        Binding("s", "next_status", "Status", id="incident.timeline.status"),
        Binding("plus", "raise_severity", "Sev+", id="incident.timeline.severity_up"),
        Binding("minus", "lower_severity", "Sev-", id="incident.timeline.severity_down"),
        Binding("e", "escalate", "Escalate", id="incident.timeline.escalate"),
        Binding("p", "toggle_pin", "Pin", id="incident.timeline.pin"),
        Binding("z", "snooze_update", "Snooze update", id="incident.timeline.snooze"),
        Binding("k", "pagerduty_ack", "PD ack", id="incident.timeline.pagerduty_ack"),
        Binding("K", "pagerduty_resolve", "PD resolve", id="incident.timeline.pagerduty_resolve"),
        Binding("c", "war_room", "War-room channel", id="incident.timeline.war_room"),
        Binding("a", "assign_role", "Role", id="incident.timeline.role"),
        Binding("i", "edit_impact", "Impact", id="incident.timeline.impact"),
        Binding("v", "list_incidents", "Incidents", id="incident.timeline.incidents"),
        Binding("g", "five_whys", "5 Whys", id="incident.timeline.five_whys"),
        Binding("r", "show_report", "Report", id="incident.timeline.report"),
    ]
    SNOOZE_MINUTES = 10

    def __init__(self, session: IncidentSession, runbook: Any = None, contacts: dict[str, Any] | None = None, *,
                 notifier: Notifier | None = None, reports: Path | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reports = reports  # where `r` writes reports; None: $XDG_DATA_HOME/irtui/reports
        self.session = session
        self.notifier = notifier
        self.runbook = runbook
        self.contacts = contacts or {}
        self._unlisten = None
        self._shown: set[str] = set()
        self._prompted: set[tuple[str, str]] = set()  # (role, snoozed until) already prompted

    def compose(self) -> ComposeResult:
        yield Static("", id="timeline-pinned")
        yield OptionList(id="timeline-list")

    # Annotations in this class say `builtins.list`: a bare `list` there is this property.
    @property
    def list(self) -> OptionList:
        return self.query_one("#timeline-list", OptionList)

    def restyle(self) -> None:
        """Redraw in the app's new theme, where the reader was."""
        highlighted = self.list.highlighted
        self.rebuild()
        if highlighted is not None and highlighted < self.list.option_count:
            self.list.highlighted = highlighted

    def rebuild(self) -> None:
        pinned = self.session.state.pinned if self.session.state else set()
        options = [Option(self._line(e, e.seq in pinned), id=e.entry_id) for e in self.session.timeline]
        self._shown = {e.entry_id for e in self.session.timeline}
        self.list.set_options(options)
        if options:
            self.list.highlighted = len(options) - 1
        self._show_pins()

    def on_incident_changed(self, message: IncidentChanged) -> None:
        entry = message.entry
        if entry is None or entry.kind == "pin":
            self.rebuild()
            return
        follow_tail = self.list.highlighted is None or self.list.highlighted >= self.list.option_count - 1
        if entry.entry_id in self._shown:
            # A queued entry now placed in the shared order: same line, no longer pending.
            self.list.replace_option_prompt(entry.entry_id, self._line(entry))
        else:
            self._shown.add(entry.entry_id)
            self.list.add_option(Option(self._line(entry), id=entry.entry_id))
        if follow_tail:
            self.list.highlighted = self.list.option_count - 1

    def _line(self, entry: Entry, pinned: bool = False) -> Text:
        # On a wall the room reads the timeline too: contact details are hidden there.
        return entry_text(entry, pinned, foreign=bool(getattr(self.app, "wall", False)))

    def _show_pins(self) -> None:
        pins = self.query_one("#timeline-pinned", Static)
        state = self.session.state
        pinned = [e for e in self.session.entries if state and e.seq in state.pinned]
        pins.set_class(bool(pinned), "-has-pins")
        text = Text()
        for n, entry in enumerate(pinned):
            if n:
                text.append("\n")
            text.append_text(self._line(entry, True))
        pins.update(text)

    def highlighted_entry(self) -> Entry | None:
        index = self.list.highlighted
        if index is None:
            return None
        option = self.list.get_option_at_index(index)
        return next((e for e in self.session.timeline if e.entry_id == option.id), None)

    # -- actions ---------------------------------------------------------------------------
    _WRITES = {"add_note", "toggle_pin", "post_update", "snooze_update", "next_status", "raise_severity",
               "lower_severity", "escalate", "close_incident", "assign_role", "edit_impact", "pagerduty_ack",
               "pagerduty_resolve", "war_room", "five_whys"}
    _NEED_RUNBOOK = {"post_update", "next_status", "raise_severity", "lower_severity", "escalate", "assign_role",
                     "snooze_update"}
    # Read-only terminals open these to read and copy the text; they send and record nothing.
    _READ_AND_COPY = {"post_update", "escalate"}
    _NEED_NOTIFIER = {"pagerduty_ack", "pagerduty_resolve", "war_room"}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self._WRITES:
            if action in self._NEED_RUNBOOK and self.runbook is None:
                return False
            if action in self._READ_AND_COPY and self.session.is_open and self.session.guard.read_only:
                return True
            if action in self._NEED_NOTIFIER and self.notifier is None:
                return False
            return self.session.writable
        if action == "show_report":
            return self.session.is_open
        return True

    def action_list_incidents(self) -> None:
        from irtui.ui.screens.incidents import IncidentsScreen  # opened rarely: not at start-up

        self.app.push_screen(IncidentsScreen(self.session.store, report=self._report))

    def _report(self, entries: builtins.list[Entry]) -> None:
        show_report(self.app, self.runbook, entries, self.session.guard, self.reports)

    def action_show_report(self) -> None:
        self._report(list(self.session.entries))

    def action_five_whys(self) -> None:
        entries = list(self.session.entries)
        count = whys_count(self.runbook)

        def saved(values: dict[str, str] | None) -> None:
            if values is not None:
                self._write_whys(*why_changes(list(self.session.entries), values, count))

        self.app.push_screen(five_whys_form(entries, self.session.current.title, count), saved)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _write_whys(self, problem: str | None, changed: builtins.list[tuple[int, str, str]]) -> None:
        if problem:
            await self.session.review("problem", problem)
        for n, question, answer in changed:
            await self.session.why(n, question, answer)
        if changed or problem:
            said = f"5 Whys recorded: {len(changed)} whys" + (" and the problem" if problem else "")
        else:
            said = "5 Whys: nothing changed, nothing recorded"
        self.notify(said, title="Incident", timeout=6)

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """The answer of a key `check_action` refused (the app shows it)."""
        if action == "show_report" and not self.session.is_open:
            return "no incident open: v lists the incidents; r on one's timeline reports it"
        if action not in self._WRITES:
            return None
        if action in self._NEED_RUNBOOK and self.runbook is None:
            return "not configured: no runbook loaded (--runbook, or [runbook] file in config.toml)"
        if self.session.guard.read_only:
            if action in self._NEED_NOTIFIER:
                return "read-only terminal: nothing is sent to PagerDuty or Slack from here"
            return "read-only terminal: the timeline is not written from here"
        if not self.session.is_open:
            return "no incident open: I declares one"
        if action in self._NEED_NOTIFIER and self.notifier is None:
            return "not configured: no [notify] section in config.toml"
        return None

    def action_add_note(self) -> None:
        def written(text: str | None) -> None:
            if text:
                self._write_note(text)

        self.app.push_screen(NoteScreen(), written)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _write_note(self, text: str) -> None:
        await self.session.note(text)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_toggle_pin(self) -> None:
        entry = self.highlighted_entry()
        if entry is None or entry.seq is None:
            return
        await self.session.pin(entry.seq, entry.seq not in self.session.current.pinned)

    def on_mount(self) -> None:
        # SessionView's on_mount runs too (Textual calls each class's handler).
        if self.session.guard.read_only:
            set_pane_title(self, "Timeline", READ_ONLY_UPDATES)
        else:
            self._retry_queued_updates()  # left queued by an earlier run
        # The escalation prompt opens whichever pane is in front: not the shown-only tick.
        second = getattr(self.app, "second", None)
        if second is None:
            self.set_interval(1.0, self._escalation_tick)
        else:
            second.subscribe(self, lambda _now=None: self._escalation_tick(), immediate=False)

    def _retry_queued_updates(self) -> None:
        """Start the notifier's retry loop when updates wait in its queue and it is not
        already running; it ends by itself once the queue is empty."""
        if self.notifier is None or not self.notifier.needs_retries():
            return
        if any(w.group == "notify-queue" and not w.is_finished for w in self.workers):
            return
        self.run_worker(self.notifier.run(), group="notify-queue", exit_on_error=False)

    def _readout(self) -> ClockReadout:
        return compute(self.session.current, ClockPolicy.from_runbook(self.runbook), self.session.now(), self.contacts)

    # -- status updates ----------------------------------------------------------------------
    def action_post_update(self) -> None:
        state = self.session.current
        now = self.session.now()
        text = fill_update(self.runbook, state, now)
        read_only = self.session.guard.read_only
        if self.notifier is not None:
            targets = self.notifier.targets(self.runbook)
            labels = ", ".join(self.notifier.settings.label(t) for t in targets)
            prompt = f"Status update: sends to {labels}"
        else:
            targets = update_channels(self.runbook, state)
            prompt = ("Status update (read-only terminal)" if read_only
                      else "Status update (no [notify] channels: recorded as posted by hand)")
        page = self.runbook.communication.status_page or {}
        external = (fill_status_page(self.runbook, state, now)
                    if state.severity in (page.get("severities") or ()) else None)

        def confirmed(composed: Composed | None) -> None:
            if composed:
                self._write_update(composed, targets)

        self.app.push_screen(UpdateComposer(prompt, text, external, read_only=read_only), confirmed)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _write_update(self, composed: Composed, channels: builtins.list[str]) -> None:
        texts = {"status_page": composed.external} if composed.external else {}
        if self.notifier is None:
            await self.session.post_update(composed.internal, channels, **({"texts": texts} if texts else {}))
            return
        outcomes = await self.notifier.send(composed.internal, channels, texts=texts)
        self._retry_queued_updates()
        failed = any(o.status not in ("delivered", "recorded") for o in outcomes)
        self.notify("\n".join(o.line() for o in outcomes), title="Status update",
                    severity="warning" if failed else "information", timeout=12 if failed else 6, markup=False)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_snooze_update(self) -> None:
        # From when it is due (or now, when overdue): a snooze always moves the clock.
        readout = self._readout()
        base = max(readout.update_due_at or self.session.now(), self.session.now())
        await self.session.snooze_update(self.SNOOZE_MINUTES, until=base + timedelta(minutes=self.SNOOZE_MINUTES))

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_next_status(self) -> None:
        statuses = list(self.runbook.statuses)
        current = self.session.current.status
        index = statuses.index(current) + 1 if current in statuses else 0
        if index < len(statuses):
            await self.session.set_status(statuses[index])

    async def _shift_severity(self, step: int) -> None:
        ids = [s.id for s in self.runbook.severities]  # most severe first
        current = self.session.current.severity
        index = (ids.index(current) if current in ids else len(ids) - 1) + step
        if 0 <= index < len(ids):
            await self.session.set_severity(ids[index])

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_raise_severity(self) -> None:
        await self._shift_severity(-1)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_lower_severity(self) -> None:
        await self._shift_severity(1)

    # -- escalation --------------------------------------------------------------------------
    def _escalation_tick(self) -> None:
        """Open the prompt once when the escalation clock reaches a step (again after a snooze)."""
        state = self.session.state
        if (self.runbook is None or state is None or not state.is_open or not self.session.writable
                or isinstance(self.app.screen, ModalScreen)):
            return
        readout = self._readout()
        step = readout.escalation_current
        if not readout.escalation_due or step is None:
            return
        key = (step.role, str(state.escalation_snoozed.get(step.role, "")))
        if key not in self._prompted:
            self._prompted.add(key)
            self.action_escalate()

    def action_escalate(self) -> None:
        readout = self._readout()
        due = readout.escalation_due
        step = readout.escalation_current if due else readout.escalation_next
        if step is None:
            self.notify("no escalation step left in the runbook's path", title="Escalation", timeout=6)
            return
        state = self.session.current
        when = (f"{fmt_duration(readout.since_detection, False)} since detection, not resolved" if due
                else f"early: the clock reaches {step.title} in {fmt_duration(readout.escalation_next_in, False)}")
        prompt = EscalationPrompt(step.title, step.role, when, self.contacts,
                                  f"{state.incident_id} [{state.severity}] {state.title}",
                                  read_only=self.session.guard.read_only,
                                  can_page=self.notifier is not None and self.notifier.can_page(), due=due)

        def answered(answer: str | None) -> None:
            if answer:
                self._write_escalation(answer, step.role, step.title, readout.escalation_contact)

        self.app.push_screen(prompt, answered)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _write_escalation(self, answer: str, role: str, title: str, contact: str) -> None:
        if answer == "snooze":
            until = self.session.now() + timedelta(minutes=SNOOZE_MINUTES)
            await self.session.snooze_escalation(role, SNOOZE_MINUTES, until)
            return
        done = next((e for e in self.session.current.escalations if e.details.get("role") == role), None)
        if done is not None:  # another responder answered the same prompt first
            self.notify(f"already escalated to {title} by {done.actor} at {done.ts:%H:%M} UTC", title="Escalation",
                        timeout=8, markup=False)
            return
        details: dict[str, Any] = {}
        if answer == "page" and self.notifier is not None:
            error = await self.notifier.page(role, title, contact)
            details = {"paged": "PagerDuty" if error is None else f"not paged: {error}"}
            if error:
                self.notify(f"PagerDuty page not sent: {error}", title="Escalation", severity="warning",
                            timeout=10, markup=False)
        await self.session.escalate(role, contact, reason=title, **details)

    # -- PagerDuty incident and the Slack war room ------------------------------------------
    def action_pagerduty_ack(self) -> None:
        self._pagerduty("acknowledged", "")

    def action_pagerduty_resolve(self) -> None:
        incident = self.notifier.pagerduty_incident_id() if self.notifier else ""

        def given(text: str | None) -> None:
            if text:
                self._pagerduty("resolved", text)

        self.app.push_screen(NoteScreen(f"Resolve PagerDuty incident {incident or '(none recorded)'}: the "
                                        "resolution message (enter sends, escape cancels)",
                                        self.session.current.title and f"Resolved: {self.session.current.title}"),
                             given)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _pagerduty(self, status: str, note: str) -> None:
        assert self.notifier is not None
        outcome = await self.notifier.pagerduty_status(status, note)
        self.notify(outcome.line(), title="PagerDuty", severity="information" if outcome.status == "delivered"
                    else "warning", timeout=8, markup=False)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_war_room(self) -> None:
        assert self.notifier is not None
        existing = self.notifier.war_room()
        if existing:
            self.notify(f"the war-room channel is #{existing}", title="Slack", timeout=6, markup=False)
            return
        outcome = await self.notifier.create_war_room()
        self.notify(outcome.line(), title="Slack", severity="information" if outcome.status == "delivered"
                    else "warning", timeout=8, markup=False)

    def unticked(self) -> builtins.list[str]:
        """The runbook's items not ticked in the open incident, as "phase: item"; the Close
        phase's own checklist (the last phase) first, since it is what closing skips."""
        state = self.session.state
        if self.runbook is None or state is None:
            return []
        phases = list(self.runbook.phases)
        ordered = phases[-1:] + phases[:-1]
        return [f"{phase.number}. {phase.title}: {item.text}" for phase in ordered
                for item in phase.items if item.id not in state.ticks]

    def action_close_incident(self) -> None:
        unticked = self.unticked()
        entries = list(self.session.entries)

        def summarised(reason: str | None, values: dict[str, str] | None) -> None:
            if values is None:
                return
            if not values.get("summary"):
                self.notify("not closed: the summary is empty", severity="error", timeout=8)
                return
            details = {"unticked": unticked, "reason": reason} if unticked else None
            # Compared with the timeline as it is now: another responder may have written meanwhile.
            self._write_close(values["summary"], details, review_changes(list(self.session.entries), values))

        if not unticked:
            self.app.push_screen(close_form(entries), partial(summarised, None))
            return
        shown = unticked[:UNTICKED_SHOWN]
        more = len(unticked) - len(shown)
        prompt = "\n".join([f"{len(unticked)} checklist items are not ticked:", *(f"  [ ] {item}" for item in shown),
                            *([f"  ... and {more} more"] if more else []),
                            "Why close anyway? (recorded with the close; enter goes on, escape cancels)"])

        def reasoned(reason: str | None) -> None:
            if reason:
                self.app.push_screen(close_form(entries, len(unticked)), partial(summarised, reason))

        self.app.push_screen(NoteScreen(prompt), reasoned)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _write_close(self, text: str, details: dict[str, Any] | None = None,
                           review: builtins.list[tuple[str, str]] | None = None) -> None:
        for section, answer in review or []:  # the review's answers are on the record before the close
            await self.session.review(section, answer)
        if self.session.current.status != "Resolved":
            await self.session.set_status("Resolved")
        await self.session.close(text, details)
        # The screen returns to "no incident open"; the closed incident stays listed (o).
        self.session.detach()
        # The key as bound now (a user may have moved it); `o` is the checklist's.
        key = next((k for k, active in self.app.active_bindings.items()
                    if active.binding.id == "incident.timeline.incidents"), "v")
        self.notify(f"incident closed; {key} on the timeline lists the store's incidents, r on one writes its report",
                    title="Incident", timeout=8, markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        entry = next((e for e in self.session.timeline if e.entry_id == event.option.id), None)
        if entry is not None:
            lines = [f"#{entry.seq or '-'} {visible(entry.kind)} by {visible(str(entry.actor))} "
                     f"at {entry.ts:%Y-%m-%d %H:%M:%S} UTC"]
            lines += [f"{visible(str(key))}: {visible_lines(str(value), DETAIL_LIMIT)}"
                      for key, value in entry.details.items()]
            self.notify("\n".join(lines), title="Timeline entry", timeout=10, markup=False)

    def action_assign_role(self) -> None:
        roles = [role_id for role_id, _ in self.runbook.roles]
        prompt = f"Role and person, e.g. 'scribe alice' (roles: {', '.join(roles)}; no person unassigns)"

        def given(text: str | None) -> None:
            if not text:
                return
            role, _, person = text.replace("=", " ").partition(" ")
            if role not in roles:
                self.notify(f"unknown role {visible(role)!r}: one of {', '.join(roles)}", severity="error",
                            markup=False)
                return
            self._write_role(role, person.strip() or None)

        self.app.push_screen(NoteScreen(prompt), given)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _write_role(self, role: str, person: str | None) -> None:
        await self.session.set_role(role, person)

    def action_edit_impact(self) -> None:
        current = self.session.current.impact
        initial = ", ".join(f"{k}={v}" for k, v in current.items()) or "users=, data_loss=no"

        def given(text: str | None) -> None:
            if text:
                impact = parse_impact(text)
                if impact:
                    self._write_impact(impact)

        self.app.push_screen(NoteScreen("Impact: users=30%, data_loss=no, services=api-gateway;task-service", initial), given)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _write_impact(self, impact: dict[str, Any]) -> None:
        await self.session.set_impact(**impact)


def parse_impact(text: str) -> dict[str, Any]:
    """`users=30%, data_loss=no, services=a;b` -> {"users": "30%", "data_loss": False, "services": ["a", "b"]}."""
    out: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.isidentifier() or not value:
            continue
        if key == "data_loss":
            out[key] = value.lower() in ("yes", "y", "true", "1")
        elif key == "services":
            out[key] = [s.strip() for s in value.replace(";", " ").split() if s.strip()]
        else:
            out[key] = value
    return out
