"""The next-step bar: one line under the clock bar, while an incident is open, saying where
the incident is in the runbook and what to press next.

It shows the current phase, the phase's next unticked item (where the checklist key lands)
with the key of the item's action when irtui runs one, the checklist key and the close
key. At 80 columns the item's words shorten first, then the phase's title; the keys never
do, so the responder can always see how to act on the step and how to end the incident.
Hidden while no incident is open (the clock bar and the alert banner speak then).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from irtui.incident.session import IncidentSession
from irtui.incident.state import IncidentState
from irtui.runbook.model import Item, Phase, Runbook
from irtui.text import visible
from irtui.ui.incident.messages import IncidentChanged, follow
from irtui.ui.stylesheets import widget_css

KEY_STYLE = "bold reverse"


def current_phase(runbook: Runbook, state: IncidentState | None) -> Phase:
    """The incident's phase, else the runbook's first."""
    return (state and runbook.phase(state.phase)) or runbook.phases[0]


def next_unticked(runbook: Runbook, state: IncidentState | None) -> Item | None:
    """The current phase's first item nobody has ticked (None when all are)."""
    ticks = state.ticks if state else {}
    return next((item for item in current_phase(runbook, state).items if item.id not in ticks), None)


class NextStepBar(Static):
    DEFAULT_CSS = widget_css(__file__, "nextstep.tcss")

    def __init__(self, session: IncidentSession, runbook: Runbook, keys: Callable[[], dict[str, str]], *,
                 id: str | None = "next-step") -> None:
        """`keys()`: {binding id or action id: key} as bound now (the user may remap them)."""
        super().__init__("", id=id)
        self.session = session
        self.runbook = runbook
        self.keys = keys
        self._shown: str | None = None
        self._unlisten: Callable[[], None] | None = None

    def on_mount(self) -> None:
        self._unlisten = follow(self.session, self)
        self.refresh_line()

    def on_unmount(self) -> None:
        if self._unlisten:
            self._unlisten()

    def on_incident_changed(self, _message: IncidentChanged) -> None:
        self.refresh_line()

    def on_resize(self) -> None:
        self.refresh_line()

    def refresh_line(self) -> None:
        self.display = self.session.is_open
        if not self.display:
            return
        text = self.text(max(20, self.size.width - 2) if self.size.width else 78)
        if text.markup != self._shown:  # nothing is sent to the terminal when nothing changed
            self._shown = text.markup
            self.update(text)

    def _keys_part(self) -> Text:
        keys = self.keys()
        out = Text()
        pairs = [(keys.get("incident.checklist.focus"), "checklist")]
        if self.session.writable:
            pairs.append((keys.get("incident.close"), "close"))
        for key, word in pairs:
            if not key:
                continue
            if out:
                out.append("  ")
            out.append(f" {key} ", KEY_STYLE)
            out.append(f" {word}")
        return out

    def _item_action(self, item: Item, titled: bool = True) -> Text:
        """" R  Rollout restart" for the item's first action bound to a key (the key alone
        when not `titled`), else nothing."""
        keys = self.keys()
        action = next((a for a in item.actions if keys.get(a)), None)
        if action is None:
            return Text()
        definition = self.runbook.actions.get(action)
        out = Text()
        out.append(f" {keys[action]} ", KEY_STYLE)
        if titled:
            out.append(f" {visible(definition.title if definition else action, 60)}")
        return out

    def text(self, width: int = 80) -> Text:
        state = self.session.state
        phase = current_phase(self.runbook, state)
        item = next_unticked(self.runbook, state)
        count = len(self.runbook.phases)
        keys = self._keys_part()
        # Runbook words are a file someone wrote: text, never markup.
        phase_long = f"{phase.number}/{count} {visible(phase.title, 60)}"
        phase_short = f"{phase.number}/{count}"
        if item is None:
            step = f"all {len(phase.items)} ticked: ] in the checklist moves on"
            actions = [Text(), Text()]
        else:
            step = f"next: {visible(item.text, 200)}"
            actions = [self._item_action(item), self._item_action(item, titled=False)]
        # Most to least complete; the first in which the step's words fit whole is drawn,
        # else the last, with the words shortened. The keys are in every one.
        candidates = [(phase_long, actions[0]), (phase_short, actions[0]), (phase_short, actions[1])]

        def room(phase_text: str, action: Text) -> int:
            return width - len(phase_text) - 6 - len(keys) - (len(action) + 2 if action else 0)

        phase_text, action = next(((p, a) for p, a in candidates if room(p, a) >= len(step)), candidates[-1])
        space = room(phase_text, action)
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(phase_text, "bold")
        out.append(" ▸ ", "dim")
        step_text = Text(step)
        if space < len(step):
            step_text.truncate(max(space, 1), overflow="ellipsis")
        out.append_text(step_text)
        if action:
            out.append("  ")
            out.append_text(action)
        out.append(" │ ", "dim")
        out.append_text(keys)
        out.truncate(max(10, width), overflow="ellipsis")
        return out
