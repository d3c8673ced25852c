"""The checklist sidebar: the runbook's seven phases, the current one open with its items,
the phase's diagnostics and remediations with the keys that run them, the playbook for the
incident's kind, and who is here (responders with an entry in the last minutes).

Reached from anywhere on the main screen by its key (`o`, bound by the war room), which
lands on the current phase's next unticked item; escape (or the key again) goes back to
the pane it came from. `space` ticks (who and when are shown beside the item); a ticked
item is never unticked by `space`, only by `u` with a reason, so two responders pressing
the same key cannot undo each other. `enter` runs the item's action on the object its
runbook step names (see irtui.runbook.targets), else on the pane's selection, and says
which. `[` / `]` move the incident to the previous / next phase; `P` jumps to the playbook.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import timedelta

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from irtui.actions.model import Target
from irtui.incident.session import IncidentSession
from irtui.incident.state import Tick
from irtui.runbook.model import Phase, Playbook, Runbook
from irtui.runbook.targets import named_target
from irtui.text import visible
from irtui.ui.incident.messages import IncidentChanged, SessionView
from irtui.ui.incident.nextstep import current_phase, next_unticked
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed
from irtui.ui.ticks import every_second

# Who is here: everyone with an entry (a `joined` one counts) this recently.
PRESENT_WITHIN = timedelta(minutes=15)


def playbook_item_id(playbook: Playbook, number: int) -> str:
    return f"{playbook.id}.step{number}"


@dataclass(frozen=True)
class ChecklistItem:
    """A tickable line as the sidebar shows it: a phase's item or a playbook step."""

    id: str
    label: str
    phase: str
    actions: tuple[str, ...]
    commands: tuple[str, ...]


def tick_label(tick: Tick) -> str:
    return f"{tick.who or tick.actor.split(' ', 1)[0]} {tick.ts.strftime('%H:%M')}"


class ChecklistList(OptionList):
    """The items. `enter` runs the highlighted item's action; a click only moves the cursor
    there (an OptionList would "select" it, which here would start an action)."""

    BINDINGS = [Binding("enter", "run_step", "Run step", id="incident.checklist.run")]

    class RunStep(Message):
        """The responder asked to run the highlighted item's action."""

    def action_run_step(self) -> None:
        self.post_message(self.RunStep())


class ChecklistSidebar(SessionView):
    DEFAULT_CSS = widget_css(__file__, "checklist.tcss")

    BORDER_TITLE = "Runbook"
    BINDINGS = [
        Binding("space", "tick", "Tick", id="incident.checklist.tick"),
        Binding("u", "untick", "Untick", id="incident.checklist.untick"),
        Binding("escape", "back", "Back", id="incident.checklist.back"),
        Binding("right_square_bracket", "next_phase", "Next phase", id="incident.checklist.next_phase"),
        Binding("left_square_bracket", "previous_phase", "Prev phase", id="incident.checklist.previous_phase"),
        Binding("P", "jump_playbook", "Playbook", id="incident.checklist.playbook"),
    ]

    def __init__(self, session: IncidentSession, runbook: Runbook, action_keys: dict[str, str] | None = None, *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self.runbook = runbook
        self.action_keys = dict(action_keys or {})
        self._unlisten = None
        self._items: dict[str, ChecklistItem] = {}
        self._came_from: Widget | None = None
        self._opened_sidebar = False  # shown by the focus key on a narrow screen: hidden again on leaving
        self._sidebar_before: bool | None = None  # the responder's own choice, given back on leaving
        self._present_line: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="checklist-here")
        yield ChecklistList(id="checklist-list")

    def on_mount(self) -> None:
        super().on_mount()
        every_second(self, self._show_present)  # presence fades as entries age

    # Annotations in this class say `builtins.list`: a bare `list` there is this property.
    @property
    def list(self) -> OptionList:
        return self.query_one("#checklist-list", OptionList)

    def on_incident_changed(self, message: IncidentChanged) -> None:
        entry = message.entry
        if entry is None or entry.kind in ("checklist", "phase", "declared", "severity"):
            self.rebuild()
        else:
            self._show_present()

    def set_action_keys(self, action_keys: dict[str, str]) -> None:
        """Keys may be remapped at run time; the sidebar shows whatever the app binds."""
        self.action_keys = dict(action_keys)
        self.rebuild()

    # -- rendering -------------------------------------------------------------------------
    @property
    def current_phase(self) -> Phase:
        return current_phase(self.runbook, self.session.state)

    def _action_line(self, action_ids: tuple[str, ...] | builtins.list[str]) -> Text:
        text = Text("      ", no_wrap=False)
        for n, action_id in enumerate(action_ids):
            if n:
                text.append("  ")
            key = self.action_keys.get(action_id)
            if key:
                text.append(f"[{key}]", style="bold reverse")
                text.append(" ")
            definition = self.runbook.actions.get(action_id)
            text.append(visible(definition.title if definition else action_id), style=themed("$irtui-highlight"))
        return text

    def _item_option(self, item: ChecklistItem) -> Option:
        self._items[item.id] = item
        state = self.session.state
        tick = state.ticks.get(item.id) if state else None
        text = Text()
        text.append("[x] " if tick else "[ ] ", style=themed("bold $irtui-healthy") if tick else "bold")
        text.append(visible(item.label), style="dim" if tick else "")
        if tick:
            # On its own line: who and when must not be split by the wrap of a long label.
            text.append(f"\n    ✓ {visible(tick_label(tick), 80)}", style=themed("$irtui-healthy"))
            if tick.also:
                text.append("\n    + " + visible(", ".join(tick.also), 80), style=themed("dim $irtui-healthy"))
        if item.actions:
            text.append("\n")
            text.append_text(self._action_line(item.actions))
        return Option(text, id=f"item:{item.id}")

    def _options(self) -> builtins.list[Option]:
        state = self.session.state
        current = self.current_phase
        options: list[Option] = []
        self._items = {}
        for phase in self.runbook.phases:
            done = sum(1 for item in phase.items if state and item.id in state.ticks)
            open_ = phase.id == current.id
            header = Text(f"{'▾' if open_ else '▸'} {phase.number}. {visible(phase.title)}", style="bold" if open_ else "")
            header.append(f"  {done}/{len(phase.items)}", style="dim")
            options.append(Option(header, id=f"phase:{phase.id}", disabled=True))
            if not open_:
                continue
            group = None
            if phase.checklist:
                options.append(Option(Text(f"  {visible(phase.checklist_title)}", style="underline"), disabled=True))
            for item in phase.items:
                if item.is_step and item.group != group:
                    group = item.group
                    options.append(Option(Text(f"  {visible(group)}", style="underline"), disabled=True))
                options.append(self._item_option(
                    ChecklistItem(item.id, item.text, phase.id, item.actions, item.commands)))
            for kind, title in (("diagnostic", "Diagnostics"), ("remediation", "Remediations")):
                ids = [a for a in phase.action_ids if self.runbook.actions.get(a) and self.runbook.actions[a].kind == kind]
                if ids:
                    options.append(Option(Text(f"  {title}", style="underline"), disabled=True))
                    options.append(Option(self._action_line(ids), disabled=True))
        playbook = self.runbook.playbook_for(state.kind) if state else None
        if playbook:
            options.append(Option(Text(f"Playbook: {visible(playbook.title)}", style=themed("bold $irtui-p0")), id="playbook",
                                  disabled=True))
            options.append(Option(Text("  Symptoms: " + visible("; ".join(playbook.symptoms)), style="dim"),
                                  disabled=True))
            for step in playbook.steps:
                label = step.title + (f" (< {int(step.within.total_seconds() // 60)} min)" if step.within else "")
                actions = tuple(c.action for c in step.commands if c.action)
                options.append(self._item_option(ChecklistItem(
                    playbook_item_id(playbook, step.number), f"{step.number}. {label}", playbook.phase or "", actions,
                    tuple(c.command for c in step.commands))))
        return options

    def _show_present(self) -> None:
        state = self.session.state
        here = self.query_one("#checklist-here", Static)
        present = state.present(self.session.now(), PRESENT_WITHIN) if state and state.is_open else []
        line = "Here: " + ", ".join(visible(r.name, 60) for r in present) if present else ""
        if line != self._present_line:  # asked every second: repaint only when someone comes or goes
            self._present_line = line
            here.display = bool(line)
            here.update(Text(line))

    def restyle(self) -> None:
        """Redraw in the app's new theme."""
        self.rebuild()

    def rebuild(self) -> None:
        highlighted = self.list.highlighted
        keep = self.list.get_option_at_index(highlighted).id if highlighted is not None else None
        self.list.set_options(self._options())
        index = None
        if keep:
            try:
                index = self.list.get_option_index(keep)
            except Exception:
                index = None
        if index is None:
            index = next((i for i, o in enumerate(self.list.options) if not o.disabled), None)
        self.list.highlighted = index
        self._show_present()

    # -- reaching it by keyboard -----------------------------------------------------------
    def enter(self) -> None:
        """Focus the list on the current phase's next unticked item, remembering where the
        responder was (showing the sidebar if the screen was too narrow for it)."""
        self._came_from = self.app.focused
        region = self.parent
        self._opened_sidebar = isinstance(region, Widget) and not region.display
        if self._opened_sidebar:
            self._sidebar_before = getattr(self.app, "sidebar_forced", None)
            self.app.set_sidebar(True)  # type: ignore[attr-defined]
        self.rebuild()
        items = self.current_phase.items
        landing = next_unticked(self.runbook, self.session.state) or (items[0] if items else None)
        if landing is not None:
            self.list.highlighted = self.list.get_option_index(f"item:{landing.id}")
        self.list.focus()

    def action_back(self) -> None:
        """Back to the pane the responder came from."""
        came_from, self._came_from = self._came_from, None
        # set_sidebar and active_pane are the war room app's, which this widget does not import.
        if self._opened_sidebar:
            self._opened_sidebar = False
            self.app.set_sidebar(self._sidebar_before)  # type: ignore[attr-defined]
        if came_from is not None and came_from.is_attached and came_from.focusable:
            came_from.focus()
        elif callable(show := getattr(self.app, "show_pane", None)):
            show(self.app.active_pane)  # type: ignore[attr-defined]  # reached by a click: back to the pane last shown
        else:
            self.screen.focus_next()

    # -- actions ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("tick", "untick", "next_phase", "previous_phase"):
            return self.session.writable
        return True

    def action_jump_playbook(self) -> None:
        """The playbook sits below the phases; one key takes the cursor to its first step."""
        options = self.list.options
        start = next((i for i, o in enumerate(options) if o.id == "playbook"), None)
        if start is not None:
            index = next((i for i in range(start, len(options)) if not options[i].disabled), None)
            if index is not None:
                self.list.highlighted = index

    def highlighted_item(self) -> str | None:
        index = self.list.highlighted
        if index is None:
            return None
        option_id = self.list.get_option_at_index(index).id or ""
        return option_id[len("item:"):] if option_id.startswith("item:") else None

    def _key_of(self, binding_id: str, default: str) -> str:
        """The key bound now (the user may have remapped it), for the hints."""
        for key, active in self.app.active_bindings.items():
            if active.binding.id == binding_id:
                return key
        return default

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_tick(self) -> None:
        item = self._items.get(self.highlighted_item() or "")
        if item is None:
            self.notify("move the cursor to an item to tick it", severity="warning")
            return
        tick = self.session.current.ticks.get(item.id)
        if tick is not None:
            # Never a toggle: the responder who ticked it may be on another screen.
            who, when = tick_label(tick).rsplit(" ", 1)
            untick = self._key_of("incident.checklist.untick", "u")
            self.notify(f"already ticked by {visible(who)} at {when} — press {untick} to untick", markup=False)
            return
        await self.session.tick(item.id, text=item.label, phase=item.phase)

    def action_untick(self) -> None:
        from irtui.ui.incident.note import NoteScreen

        item = self._items.get(self.highlighted_item() or "")
        tick = self.session.state.ticks.get(item.id) if item and self.session.state else None
        if item is None or tick is None:
            self.notify("this item is not ticked", severity="warning")
            return

        def reason_given(reason: str | None) -> None:
            if not reason:
                self.notify("still ticked: unticking needs a reason", markup=False)
                return
            self._untick(item, reason)

        self.app.push_screen(NoteScreen(f"Untick \u201c{item.label}\u201d (ticked by {tick_label(tick)}): why?"),
                             reason_given)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def _untick(self, item: ChecklistItem, reason: str) -> None:
        await self.session.untick(item.id, reason, text=item.label, phase=item.phase)

    # -- running an item's action ----------------------------------------------------------
    def step_target(self) -> Target | None:
        """The object the highlighted item's runbook step names, while the checklist has
        focus (actions run from here act on it, not on a pane's cursor)."""
        if not self.has_focus_within:
            return None
        item = self._items.get(self.highlighted_item() or "")
        return named_target(item.commands, self.runbook.namespace) if item else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click or an OptionList key selecting a line runs nothing

    async def on_checklist_list_run_step(self, event: ChecklistList.RunStep) -> None:
        event.stop()
        item = self._items.get(self.highlighted_item() or "")
        if item is None:
            self.notify("move the cursor to an item to run its action", severity="warning")
            return
        action = next((a for a in item.actions if a in self.action_keys), None)
        if action is None:
            self.notify(f"\u201c{visible(item.label)}\u201d has no action irtui runs: its commands are in the runbook",
                        markup=False)
            return
        if named_target(item.commands, self.runbook.namespace) is None:
            pane = visible(str(getattr(self.app, "active_pane", "current")))
            self.notify(f"\u201c{visible(item.label)}\u201d names no object: it acts on the {pane} pane's selection",
                        markup=False, timeout=8)
        await self.app.run_action(f"run_irtui_action({action!r})")

    async def _move_phase(self, step: int) -> None:
        phases = self.runbook.phases
        index = next((i for i, p in enumerate(phases) if p.id == self.current_phase.id), 0) + step
        if 0 <= index < len(phases):
            await self.session.set_phase(phases[index].id, f"{phases[index].number}. {phases[index].title}")

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_next_phase(self) -> None:
        await self._move_phase(1)

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_previous_phase(self) -> None:
        await self._move_phase(-1)
