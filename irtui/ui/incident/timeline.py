"""The timeline pane: every entry, newest at the bottom, coloured by kind; pinned entries
listed above. Keys: `n` note, `p` pin, `u` send a status update (prefilled from the
runbook's template, sent through `irtui.notify` to the runbook's channels for the
severity), `z` snooze the update clock, `s` next status, `+`/`-` raise/lower severity, `e`
record the escalation the clocks call for, `a` assign a role, `i` record impact, `V` close
the incident (asking why when checklist items are unticked; the screen then returns to no
incident), `v` views the incidents of the store, open and closed; `enter` shows an entry's details.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from irtui.incident.clocks import ClockPolicy, compute
from irtui.incident.model import Entry
from irtui.incident.session import IncidentSession
from irtui.incident.templates import fill_update, update_channels
from irtui.text import visible, visible_lines
from irtui.ui.incident.entries import entry_text
from irtui.ui.incident.messages import IncidentChanged, SessionView
from irtui.ui.incident.note import NoteScreen
from irtui.ui.panes import set_pane_title

if TYPE_CHECKING:
    from irtui.notify.delivery import Notifier

UNTICKED_SHOWN = 12  # unticked items listed when closing; the rest are counted

# A product decision: a shared, read-only screen sends nothing, and says so.
READ_ONLY_UPDATES = "read-only terminal: status updates are not sent from here"

DETAIL_LIMIT = 4000  # characters of each detail value in the entry's toast


class TimelinePane(SessionView):
    DEFAULT_CSS = """
    TimelinePane { height: 1fr; }
    TimelinePane > #timeline-pinned { height: auto; max-height: 5; color: $warning; display: none; }
    TimelinePane > #timeline-pinned.-has-pins { display: block; border-bottom: solid $panel-lighten-2; }
    TimelinePane > OptionList { height: 1fr; border: none; }
    """

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
        Binding("a", "assign_role", "Role", id="incident.timeline.role"),
        Binding("i", "edit_impact", "Impact", id="incident.timeline.impact"),
        Binding("v", "list_incidents", "Incidents", id="incident.timeline.incidents"),
    ]
    SNOOZE_MINUTES = 10

    def __init__(self, session: IncidentSession, runbook: Any = None, contacts: dict[str, Any] | None = None, *,
                 notifier: Notifier | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self.notifier = notifier
        self.runbook = runbook
        self.contacts = contacts or {}
        self._unlisten = None
        self._shown: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static("", id="timeline-pinned")
        yield OptionList(id="timeline-list")

    @property
    def list(self) -> OptionList:
        return self.query_one("#timeline-list", OptionList)

    def rebuild(self) -> None:
        pinned = self.session.state.pinned if self.session.state else set()
        options = [Option(entry_text(e, e.seq in pinned), id=e.entry_id) for e in self.session.timeline]
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
            self.list.replace_option_prompt(entry.entry_id, entry_text(entry))
        else:
            self._shown.add(entry.entry_id)
            self.list.add_option(Option(entry_text(entry), id=entry.entry_id))
        if follow_tail:
            self.list.highlighted = self.list.option_count - 1

    def _show_pins(self) -> None:
        pins = self.query_one("#timeline-pinned", Static)
        state = self.session.state
        pinned = [e for e in self.session.entries if state and e.seq in state.pinned]
        pins.set_class(bool(pinned), "-has-pins")
        text = Text()
        for n, entry in enumerate(pinned):
            if n:
                text.append("\n")
            text.append_text(entry_text(entry, True))
        pins.update(text)

    def highlighted_entry(self) -> Entry | None:
        index = self.list.highlighted
        if index is None:
            return None
        option = self.list.get_option_at_index(index)
        return next((e for e in self.session.timeline if e.entry_id == option.id), None)

    # -- actions ---------------------------------------------------------------------------
    _WRITES = {"add_note", "toggle_pin", "post_update", "snooze_update", "next_status", "raise_severity",
               "lower_severity", "escalate", "close_incident", "assign_role", "edit_impact"}
    _NEED_RUNBOOK = {"post_update", "next_status", "raise_severity", "lower_severity", "escalate", "assign_role"}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self._WRITES:
            if action in self._NEED_RUNBOOK and self.runbook is None:
                return False
            if action == "post_update" and self.session.is_open and self.session.guard.read_only:
                return None  # shown, dimmed: a read-only terminal cannot send (said in the frame)
            return self.session.writable
        return True

    def action_list_incidents(self) -> None:
        from irtui.ui.screens.incidents import IncidentsScreen  # opened rarely: not at start-up

        self.app.push_screen(IncidentsScreen(self.session.store))

    def why_not(self, action: str, parameters: tuple[object, ...]) -> str | None:
        """The answer of a key `check_action` refused (the app shows it)."""
        if action not in self._WRITES:
            return None
        if action in self._NEED_RUNBOOK and self.runbook is None:
            return "not configured: no runbook loaded (--runbook, or [runbook] file in config.toml)"
        if self.session.guard.read_only:
            return "read-only terminal: the timeline is not written from here"
        if not self.session.is_open:
            return "no incident open: I declares one"
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
        await self.session.pin(entry.seq, entry.seq not in self.session.state.pinned)

    def on_mount(self) -> None:
        # SessionView's on_mount runs too (Textual calls each class's handler).
        if self.session.guard.read_only:
            set_pane_title(self, "Timeline", READ_ONLY_UPDATES)
        else:
            self._retry_queued_updates()  # left queued by an earlier run

    def _retry_queued_updates(self) -> None:
        """Start the notifier's retry loop when updates wait in its queue and it is not
        already running; it ends by itself once the queue is empty."""
        if self.notifier is None or not self.notifier.needs_retries():
            return
        if any(w.group == "notify-queue" and not w.is_finished for w in self.workers):
            return
        self.run_worker(self.notifier.run(), group="notify-queue", exit_on_error=False)

    def action_post_update(self) -> None:
        state = self.session.state
        text = fill_update(self.runbook, state, self.session.now())
        if self.notifier is not None:
            targets = self.notifier.targets(self.runbook)
            labels = ", ".join(self.notifier.settings.label(t) for t in targets)
            prompt = f"Status update: sends to {labels}"
        else:
            targets = update_channels(self.runbook, state)
            prompt = "Status update (recorded as posted)"

        def confirmed(final: str | None) -> None:
            if final:
                self._write_update(final, targets)

        self.app.push_screen(NoteScreen(prompt, text, multiline=True), confirmed)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _write_update(self, text: str, channels: list[str]) -> None:
        if self.notifier is None:
            await self.session.post_update(text, channels)
            return
        outcomes = await self.notifier.send(text, channels)
        self._retry_queued_updates()
        failed = any(o.status not in ("delivered", "recorded") for o in outcomes)
        self.notify("\n".join(o.line() for o in outcomes), title="Status update",
                    severity="warning" if failed else "information", timeout=12 if failed else 6, markup=False)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_snooze_update(self) -> None:
        await self.session.snooze_update(self.SNOOZE_MINUTES)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_next_status(self) -> None:
        statuses = list(self.runbook.statuses)
        current = self.session.state.status
        index = statuses.index(current) + 1 if current in statuses else 0
        if index < len(statuses):
            await self.session.set_status(statuses[index])

    async def _shift_severity(self, step: int) -> None:
        ids = [s.id for s in self.runbook.severities]  # most severe first
        current = self.session.state.severity
        index = (ids.index(current) if current in ids else len(ids) - 1) + step
        if 0 <= index < len(ids):
            await self.session.set_severity(ids[index])

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_raise_severity(self) -> None:
        await self._shift_severity(-1)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_lower_severity(self) -> None:
        await self._shift_severity(1)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_escalate(self) -> None:
        readout = compute(self.session.state, ClockPolicy.from_runbook(self.runbook), self.session.now(), self.contacts)
        step = readout.escalation_current if readout.escalation_due else readout.escalation_next
        if step is not None:
            await self.session.escalate(step.role, readout.escalation_contact, reason=step.title)

    def unticked(self) -> list[str]:
        """The runbook's items not ticked in the open incident, as "phase: item"."""
        state = self.session.state
        if self.runbook is None or state is None:
            return []
        return [f"{phase.number}. {phase.title}: {item.text}" for phase in self.runbook.phases
                for item in phase.items if item.id not in state.ticks]

    def action_close_incident(self) -> None:
        unticked = self.unticked()
        summary_prompt = "Close the incident: one line of summary (enter closes, escape cancels)"

        def summarised(reason: str | None, text: str | None) -> None:
            if text:
                details = {"unticked": unticked, "reason": reason} if unticked else None
                self._write_close(text, details)

        if not unticked:
            self.app.push_screen(NoteScreen(summary_prompt, "Service restored."), partial(summarised, None))
            return
        shown = unticked[:UNTICKED_SHOWN]
        more = len(unticked) - len(shown)
        prompt = "\n".join([f"{len(unticked)} checklist items are not ticked:", *(f"  [ ] {item}" for item in shown),
                            *([f"  ... and {more} more"] if more else []),
                            "Why close anyway? (recorded with the close; enter goes on, escape cancels)"])

        def reasoned(reason: str | None) -> None:
            if reason:
                self.app.push_screen(NoteScreen(summary_prompt, "Service restored."), partial(summarised, reason))

        self.app.push_screen(NoteScreen(prompt), reasoned)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _write_close(self, text: str, details: dict[str, Any] | None = None) -> None:
        if self.session.state.status != "Resolved":
            await self.session.set_status("Resolved")
        await self.session.close(text, details)
        # The screen returns to "no incident open"; the closed incident stays listed (o).
        self.session.detach()
        # The key as bound now (a user may have moved it); `o` is the checklist's.
        key = next((k for k, active in self.app.active_bindings.items()
                    if active.binding.id == "incident.timeline.incidents"), "v")
        self.notify(f"incident closed; {key} on the timeline lists the store's incidents, open and closed",
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
        current = self.session.state.impact
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
