"""The war room: `WarRoomApp`, the app shell (`IrtuiApp`) with the incident, the actions and
detection on it.

This module owns the war room's behaviour once its parts exist (`WarRoomParts`, built by
`irtui.ui.wiring`): its app-wide keys, the incident's footer and next-step bar, feeding
cluster observations to the open incident, feeding the detection rules (`irtui.detect`:
cluster rows, health rounds, metrics snapshots) whose findings, while no incident is open,
become the alert banner and the declare form's suggestions, choosing the target of an
action (`selected_target`), and running every action's key through the one executor
(`action_run_irtui_action`). `irtui demo`'s `DemoApp` is a subclass.

Keys are the bindings themselves, each with an id: `?` (`irtui.ui.screens.keys`) lists those
of the focused pane and the global ones from the bindings active at that moment, and the
command palette (ctrl+p) lists every action; README's Keys section names the common ones.
A pane's keys work while it has focus; app keys work everywhere unless the focused pane
binds the same key, which `KEYMAP` below avoids (tests/ui/test_war_room.py checks it).

The timeline's note key moved from n (the app's namespace key) to N, which the app also
binds, so a note can be added from any pane. tab/shift+tab are bound here with priority
because the screen's own tab binding otherwise shadows the shell's "next pane"; they step
aside on modal screens and in text fields. A key that cannot act (read-only, RBAC, no
target, not configured) says why in a notification (`why_not`), and `q` asks before
leaving an open incident. A user moves any binding with the config's
`[keys]` table (binding id = key), applied over these defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from textual.binding import Binding

from irtui.actions import registry
from irtui.actions.base import ActionEnv
from irtui.actions.model import Target
from irtui.actions.settings import ActionSettings
from irtui.detect import Alerts, DetectSettings, Evidence, Finding, evaluate, suggest
from irtui.detect.rules import WARNING_BURST
from irtui.incident.clocks import ClockPolicy
from irtui.incident.session import IncidentSession
from irtui.kube.client import KubeConnection
from irtui.runbook import document
from irtui.runbook.model import Runbook
from irtui.ui.action_bindings import APP_ACTION, action_binding, action_bindings
from irtui.ui.app import IrtuiApp, add_binding
from irtui.ui.header import store_badge
from irtui.ui.incident import (
    ChecklistSidebar,
    ClockBar,
    DeclareIncidentScreen,
    IncidentCommands,
    NoteScreen,
)
from irtui.ui.incident.alert import AlertBanner, terminal_alert
from irtui.ui.incident.nextstep import NextStepBar
from irtui.ui.panes import PaneSpec
from irtui.ui.panes.health import HealthPane
from irtui.ui.panes.metrics import MetricsPane
from irtui.ui.screens.actions import ActionController, ActionsProvider, target_from_row
from irtui.ui.screens.output import output_view_factory
from irtui.ui.ticks import every_second
from irtui.ui.timers import Later, after

if TYPE_CHECKING:
    # Imported when a database is configured: its client (asyncpg) is not needed for the
    # first frame, and most sessions have no [database].
    from irtui.ui.panes.database import DatabasePane

# Remaps of widget keys that would otherwise collide with an app key of another meaning.
KEYMAP: dict[str, str] = {
    "incident.timeline.note": "N",  # n is the app's namespace key; N also adds a note from any pane
    "database.promote_replica": "ctrl+o",  # P is the checklist's playbook key; same as db.promote_replica
}


CURSOR_SETTLE = 0.4  # seconds without cursor movement before access reviews are asked


@dataclass
class WarRoomParts:
    """What the app is assembled from; built before the app so errors are one line, not a UI."""

    session: IncidentSession
    runbook: Runbook
    settings: ActionSettings
    contacts: dict[str, Any]
    panes: list[PaneSpec] = field(default_factory=list)
    database: DatabasePane | None = None
    keys: dict[str, str] = field(default_factory=dict)  # the user's [keys] remaps
    detect: DetectSettings = field(default_factory=DetectSettings)


class WarRoomApp(IrtuiApp):
    """The war room: the shell's panes and keys, with the incident, the actions and detection.

    Built from `WarRoomParts` (`irtui.ui.wiring.war_room` makes them); `irtui.ui.demo.DemoApp`
    subclasses it."""

    BINDINGS = [
        *action_bindings(),
        Binding("I", "declare_incident", "Declare incident", id="incident.declare"),
        Binding("N", "add_note", "Note", id="incident.note"),
        Binding("o", "focus_checklist", "Checklist", id="incident.checklist.focus"),
        # Close from any pane, not only the timeline (where the same key is its alias).
        Binding("V", "close_incident", "Close incident", id="incident.close"),
        Binding("0", "read_runbook", "Runbook", id="war_room.runbook"),
        # The shell binds tab to "next pane", but the screen's own tab (focus next widget)
        # is asked first and wins; as priority bindings these reach the panes, and
        # `check_action` lets tab through to forms (declare, note, filter) untouched.
        Binding("tab", "focus_next_pane", "Next pane", show=False, priority=True, id="war_room.next_pane"),
        Binding("shift+tab", "focus_previous_pane", "Previous pane", show=False, priority=True,
                id="war_room.previous_pane"),
    ]

    # The incident's keys lead the footer, so that they are the ones an 80-column line keeps.
    FOOTER_FIRST = ("close_incident", "focus_checklist", "declare_incident", "add_note")

    def __init__(self, connection: KubeConnection, *, parts: WarRoomParts, **kwargs: Any) -> None:
        session, runbook = parts.session, parts.runbook
        policy = ClockPolicy.from_runbook(runbook)
        self.session = session
        self.runbook = runbook
        self.clock_policy = policy
        self.contacts = parts.contacts
        self.war_room_keys: dict[str, str] = {**KEYMAP, **parts.keys}
        super().__init__(
            connection,
            panes=parts.panes,
            clock_bar=lambda: ClockBar(session, policy, parts.contacts, now=session.now),
            sidebar=lambda: ChecklistSidebar(session, runbook, self.action_keys()),
            commands=[ActionsProvider, IncidentCommands],
            **kwargs,
        )
        self.database_pane = parts.database
        env = ActionEnv.from_connection(connection, parts.settings,
                                        db=parts.database.clients if parts.database is not None else None,
                                        extra={"exec_view": output_view_factory(self, from_thread=True)})
        self.action_controller = ActionController(self, env, session, selection=self.selected_target,
                                                  freeze=self.freeze_selection, thaw=self.thaw_selection)
        env.extra["output_view"] = output_view_factory(self)
        for spec in registry.use_custom(parts.settings.custom):  # a team's own steps, keys included
            if spec.key:
                add_binding(self, action_binding(spec))
        self._frozen_pane: Any = None
        self._settle: Later | None = None
        self._unlisten = None
        self.detect_settings = parts.detect
        self.alerts = Alerts()
        self._health_results: list = []
        self._metrics_snapshot = None
        self._detected_generation = -1

    # -- start and stop ------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_keymap(self.war_room_keys)
        self.action_controller.keys = self.war_room_keys
        # Cluster observations (a pod crash-looping, a node NotReady, a Warning burst) go to
        # the open incident; the session deduplicates by key and writes nothing when no
        # incident is open or the terminal is read-only.
        self.cluster.add_observer(self.session.observer)
        self._unlisten = self.session.listen(self._incident_changed)
        every_second(self.header, self._show_store)
        self._show_store()
        self.main_screen.mount(NextStepBar(self.session, self.runbook, self.incident_keys), before="#body")
        self.main_screen.mount(AlertBanner(), before="#body")
        if self.wall:
            from irtui.ui.wall import WallBoard

            self.main_screen.mount(WallBoard(self.session, self.clock_policy, self.contacts), before="#clock-bar")
        self.second.subscribe(self, self._detect_each_second)

    def _show_store(self) -> None:
        session = self.session
        self.header.set_store(store_badge(session.store.online, len(session.pending), session.incident_id,
                                          session.provisional, session.guard.read_only))

    def on_unmount(self) -> None:
        registry.use_custom(())  # this session's own steps end with it
        self.cluster.remove_observer(self.session.observer)
        if self._unlisten is not None:
            self._unlisten()

    def _incident_changed(self, entry) -> None:
        if entry is None:
            # Attached to an incident (declared here or by another responder): what the
            # cluster showed wrong before it was declared is evidence for it, so the state
            # replays its recent observations (deduplicated by the session).
            self.cluster.remove_observer(self.session.observer)
            self.cluster.add_observer(self.session.observer)
        if entry is None or entry.kind in ("declared", "closed"):
            self.refresh_bindings()  # the footer's Declare / Note follow the incident
            self._detect()
        if entry is not None and entry.kind == "closed":
            # After every listener has heard of the close, not in the middle of telling them.
            self.call_later(self._leave_closed, entry)

    def _leave_closed(self, closed) -> None:
        """Whoever closed the incident, every terminal attached to it returns to "no
        incident open"; one that did not close it says who did and why."""
        session = self.session
        if session.incident_id != closed.incident_id or session.is_open:
            return  # already left (the closing terminal leaves by itself), or reopened
        session.detach()
        me = session.actor
        if (closed.actor.user, closed.actor.host) == (me.user, me.host):
            return  # closed here: the timeline has said so
        incidents = self.war_room_keys.get("incident.timeline.incidents", "v")
        self.notify(f"{closed.incident_id} was closed by {closed.actor.user}@{closed.actor.host}: {closed.text}\n"
                    f"No incident open here now; {incidents} on the timeline lists the incidents of the store.",
                    title="Incident closed", timeout=15)

    # -- detection: findings while no incident is open become an alert -------------------

    def on_health_pane_checked(self, message: HealthPane.Checked) -> None:
        self._health_results = list(message.results)
        self._detect()

    def on_metrics_pane_updated(self, message: MetricsPane.Updated) -> None:
        self._metrics_snapshot = message.snapshot
        self._detect()

    def _detect_each_second(self, _now: float) -> None:
        # The rules read every row; with nothing changed they are read again only while a
        # burst of Warning events is on, since that one ends by time passing alone.
        if self.cluster.generation != self._detected_generation or any(
                f.rule == WARNING_BURST for f in self.alerts.active.values()):
            self._detect()

    def findings(self) -> list[Finding]:
        rows = self.cluster.rows
        evidence = Evidence(rows["pods"].values(), rows["nodes"].values(), rows["events"].values(),
                            self._health_results, self._metrics_snapshot)
        return evaluate(evidence, self.detect_settings)

    def _detect(self) -> None:
        if not self.screen_stack:  # starting or shutting down
            return
        banners = self.main_screen.query(AlertBanner)
        if not banners:
            return
        self._detected_generation = self.cluster.generation
        findings = self.findings()
        new, _ = self.alerts.update(findings)
        if self.session.is_open:
            # The incident is the answer to what was found; its timeline records the rest.
            banners.first().show([], None)
            return
        read_only = self.session.guard.read_only
        declare_key = None if read_only else self.war_room_keys.get("incident.declare", "I")
        banners.first().show(findings, declare_key)
        if new and self.detect_settings.notify_terminal:
            terminal_alert(self, "irtui: incident detected", " · ".join(f.reason for f in new))

    # -- keys ----------------------------------------------------------------------------

    def action_keys(self) -> dict[str, str]:
        """{action id: key} as bound now, for the checklist's "[R] Rollout restart" labels."""
        return {b.id: self.war_room_keys.get(b.id, b.key) for b in action_bindings()}

    def incident_keys(self) -> dict[str, str]:
        """The action keys and this class's own incident keys (checklist, close), as bound now,
        for the next-step bar."""
        own = {b.id: self.war_room_keys.get(b.id, b.key) for b in WarRoomApp.BINDINGS if b.id}
        return {**self.action_keys(), **own}

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == APP_ACTION and parameters:
            return self.action_controller.check(str(parameters[0]))
        if action == "declare_incident":
            return not self.session.is_open and not self.session.guard.read_only
        if action in ("add_note", "close_incident"):
            return self.session.writable
        if action == "focus_checklist":
            return len(self.screen_stack) == 1
        if action in ("focus_next_pane", "focus_previous_pane"):
            from textual.widgets import Input

            # Only on the main screen and not while typing: a modal's fields keep their tab.
            return len(self.screen_stack) == 1 and not isinstance(self.focused, Input)
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple) -> str | None:
        if action == APP_ACTION and parameters:
            return self.action_controller.refusal(str(parameters[0]))
        if action == "declare_incident":
            if self.session.is_open:
                return f"{self.session.incident_id} is already open"
            if self.session.guard.read_only:
                return "read-only terminal: declaring an incident writes the store"
        if action == "add_note" and not self.session.writable:
            if self.session.guard.read_only:
                return "read-only terminal: notes are not recorded"
            return "no incident open: I declares one"
        if action == "close_incident" and not self.session.writable:
            if self.session.guard.read_only:
                return "read-only terminal: closing writes the store"
            return "no incident open to close"
        return super().why_not(action, parameters)

    def quit_question(self) -> str | None:
        # A read-only terminal changes nothing by leaving; a responder's leaves the incident
        # open (in the store, for whoever is still on it), which should be a decision.
        if self.session.is_open and not self.session.guard.read_only:
            return f"{self.session.incident_id} is open: quit anyway?"
        return None

    async def action_run_irtui_action(self, action_id: str, params: dict[str, Any] | None = None) -> None:
        # A worker, not an await: the flow waits on a confirmation screen, which needs this
        # handler to return so the screen can receive keys. What is typed until the flow's
        # dialog shows is kept for it, not given to the panes.
        keys_done = self.hold_keys_for_dialog()
        self.run_worker(self._run_irtui_action(action_id, keys_done, params), group="irtui-action")

    async def _run_irtui_action(self, action_id: str, keys_done: Callable[[], None],
                                params: dict[str, Any] | None) -> None:
        outcome = await self.action_controller.trigger(action_id, keys_done, params)
        if self.database_pane is not None and outcome is not None and outcome.action_id.startswith("db."):
            self.database_pane.poll()  # the backends it ended leave the pane now, not at the next poll

    def action_declare_incident(self) -> None:
        def declared(incident_id: str | None) -> None:
            if incident_id:
                key = self.war_room_keys.get("incident.checklist.focus", "o")
                checklist = f"{key} goes to the checklist, where space ticks"
                self.notify(f"{incident_id} declared. The clock bar counts from detection; "
                            f"t shows the timeline, N adds a note, {checklist}.", title="Incident", timeout=8)

        self.push_screen(DeclareIncidentScreen(self.session, self.runbook, suggest(self.findings(), self.runbook)),
                         declared)

    def action_close_incident(self) -> None:
        """The timeline's close (the unticked items, a reason, a summary), from any pane."""
        self.pane("timeline").action_close_incident()

    def action_focus_checklist(self) -> None:
        """The checklist from anywhere on the main screen; the same key goes back."""
        sidebar = self.main_screen.query_one(ChecklistSidebar)
        if sidebar.has_focus_within:
            sidebar.action_back()
        else:
            sidebar.enter()

    def action_read_runbook(self) -> None:
        """The runbook document, opened where the responder is: the incident's playbook while
        its phase is the playbook's, else the current phase, else the overview."""
        state = self.session.state if self.session.is_open else None
        start = None
        if state is not None:
            book = self.runbook.playbook_for(state.kind)
            start = f"playbook:{book.id}" if book is not None and book.phase == state.phase else f"phase:{state.phase}"
        # Imported when first asked for: its Markdown widget is not needed for the first frame.
        from irtui.ui.screens.runbook import RunbookScreen

        self.push_screen(RunbookScreen(self.runbook.title, document.sections(self.runbook, self.action_keys(),
                                                                             self.contacts), start))

    def action_add_note(self) -> None:
        def written(text: str | None) -> None:
            if text:
                self.run_worker(self.session.note(text), group="incident-writes", exit_on_error=False)

        self.push_screen(NoteScreen(), written)

    def on_worker_state_changed(self, event) -> None:
        from textual.worker import WorkerState

        # Only this app's own writes: the widgets report theirs.
        if event.worker.node is self and event.state == WorkerState.ERROR and event.worker.group == "incident-writes":
            self.notify(f"not recorded: {event.worker.error}", severity="error", timeout=8)

    # -- selection -----------------------------------------------------------------------

    def selected_target(self) -> Target | None:
        """What an action applies to: the row under the cursor of an object view on top (a
        ConfigMap key, a Secret, a StatefulSet), else the object the checklist item under
        its cursor names, else the row under the cursor of the pane being worked in."""
        on_top = getattr(self.screen, "selected_target", None)
        if callable(on_top):
            return on_top()
        named = self.main_screen.query_one(ChecklistSidebar).step_target()
        if named is not None:
            return named
        pane = self.current_pane
        selected = getattr(pane, "selected", None)
        return target_from_row(selected()) if callable(selected) else None

    def freeze_selection(self) -> None:
        pane = self.current_pane
        if callable(getattr(pane, "freeze", None)):
            pane.freeze()
            self._frozen_pane = pane

    def thaw_selection(self) -> None:
        if self._frozen_pane is not None:
            self._frozen_pane.thaw()
            self._frozen_pane = None

    def on_virtual_table_cursor_moved(self, _message) -> None:
        self._cursor_moved()

    def _cursor_moved(self) -> None:
        # Access reviews for the new selection once the cursor rests, not on every row the
        # responder scrolls past.
        if self._settle is not None:
            self._settle.stop()
        self._settle = after(self, CURSOR_SETTLE, self._cursor_settled)

    def _cursor_settled(self) -> None:
        self.run_worker(self.action_controller.refresh(), group="access-reviews", exclusive=True,
                        exit_on_error=False)
