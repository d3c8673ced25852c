"""The checklist sidebar: the runbook's seven phases, the current one open with its items
(ticked with `space`: a timeline entry with who and when), the phase's diagnostics and
remediations with the keys that run them, and the playbook for the incident's kind.
`[` / `]` move the incident to the previous / next phase; `P` jumps to the playbook.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from irtui.incident.session import IncidentSession
from irtui.runbook.model import Phase, Playbook, Runbook
from irtui.text import visible
from irtui.ui.incident.messages import IncidentChanged, SessionView


def playbook_item_id(playbook: Playbook, number: int) -> str:
    return f"{playbook.id}.step{number}"


class ChecklistSidebar(SessionView):
    DEFAULT_CSS = """
    ChecklistSidebar { width: 40%; min-width: 30; max-width: 60; height: 1fr; }
    ChecklistSidebar > OptionList { height: 1fr; border: none; }
    """

    BORDER_TITLE = "Runbook"
    BINDINGS = [
        Binding("space", "tick", "Tick", id="incident.checklist.tick"),
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

    def compose(self) -> ComposeResult:
        yield OptionList(id="checklist-list")

    @property
    def list(self) -> OptionList:
        return self.query_one("#checklist-list", OptionList)

    def on_incident_changed(self, message: IncidentChanged) -> None:
        entry = message.entry
        if entry is None or entry.kind in ("checklist", "phase", "declared", "severity"):
            self.rebuild()

    def set_action_keys(self, action_keys: dict[str, str]) -> None:
        """Keys may be remapped at run time; the sidebar shows whatever the app binds."""
        self.action_keys = dict(action_keys)
        self.rebuild()

    # -- rendering -------------------------------------------------------------------------
    @property
    def current_phase(self) -> Phase:
        state = self.session.state
        return (state and self.runbook.phase(state.phase)) or self.runbook.phases[0]

    def _action_line(self, action_ids: tuple[str, ...] | list[str]) -> Text:
        text = Text("      ", no_wrap=False)
        for n, action_id in enumerate(action_ids):
            if n:
                text.append("  ")
            key = self.action_keys.get(action_id)
            if key:
                text.append(f"[{key}]", style="bold reverse")
                text.append(" ")
            definition = self.runbook.actions.get(action_id)
            text.append(visible(definition.title if definition else action_id), style="cyan")
        return text

    def _item_option(self, item_id: str, label: str, actions: tuple[str, ...]) -> Option:
        state = self.session.state
        tick = state.ticks.get(item_id) if state else None
        text = Text()
        text.append("[x] " if tick else "[ ] ", style="bold green" if tick else "bold")
        text.append(visible(label), style="dim" if tick else "")
        if tick:
            who = visible(tick.actor.split(" ", 1)[0], 64)
            text.append(f"  {who} {tick.ts.strftime('%H:%M')}", style="dim green")
        if actions:
            text.append("\n")
            text.append_text(self._action_line(actions))
        return Option(text, id=f"item:{item_id}")

    def _options(self) -> list[Option]:
        state = self.session.state
        current = self.current_phase
        options: list[Option] = []
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
            for item in phase.checklist:
                options.append(self._item_option(item.id, item.text, item.actions))
            for item in phase.steps:
                if item.group != group:
                    group = item.group
                    options.append(Option(Text(f"  {visible(group)}", style="underline"), disabled=True))
                options.append(self._item_option(item.id, item.text, item.actions))
            for kind, title in (("diagnostic", "Diagnostics"), ("remediation", "Remediations")):
                ids = [a for a in phase.action_ids if self.runbook.actions.get(a) and self.runbook.actions[a].kind == kind]
                if ids:
                    options.append(Option(Text(f"  {title}", style="underline"), disabled=True))
                    options.append(Option(self._action_line(ids), disabled=True))
        playbook = self.runbook.playbook_for(state.kind) if state else None
        if playbook:
            options.append(Option(Text(f"Playbook: {visible(playbook.title)}", style="bold red"), id="playbook",
                                  disabled=True))
            options.append(Option(Text("  Symptoms: " + visible("; ".join(playbook.symptoms)), style="dim"),
                                  disabled=True))
            for step in playbook.steps:
                label = step.title + (f" (< {int(step.within.total_seconds() // 60)} min)" if step.within else "")
                actions = tuple(c.action for c in step.commands if c.action)
                options.append(self._item_option(playbook_item_id(playbook, step.number), f"{step.number}. {label}", actions))
        return options

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

    # -- actions ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("tick", "next_phase", "previous_phase"):
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

    @work(exclusive=False, group="incident-writes", exit_on_error=False)
    async def action_tick(self) -> None:
        item_id = self.highlighted_item()
        if item_id is None:
            return
        found = self.runbook.item(item_id)
        label = found[1].text if found else item_id
        phase = found[0].id if found else ""
        done = item_id not in self.session.state.ticks
        await self.session.tick(item_id, done, text=label, phase=phase)

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
