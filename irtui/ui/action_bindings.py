"""The registry's actions and views as Textual bindings: each bound to
`app.run_irtui_action('<id>')` with the action id as the binding id, so `[keys]` and
`App.set_keymap({"kube.scale": "ctrl+s"})` remap it. The app implements
`action_run_irtui_action`; the declarations themselves are `irtui.actions.registry`'s.
"""

from __future__ import annotations

from typing import Iterable

from textual.binding import Binding

from irtui.actions import registry
from irtui.actions.model import ActionSpec

# The Textual action every such binding calls.
APP_ACTION = "run_irtui_action"


def action_binding(item: ActionSpec | registry.View, key: str | None = None, *, show: bool = False) -> Binding:
    """One action's or view's binding, on `key` (default: its declared key)."""
    return Binding(key or item.key, f"{APP_ACTION}('{item.id}')", item.title,
                   show=show, id=item.id, tooltip=item.description)


def action_bindings(ids: Iterable[str] | None = None, *, show: bool = False,
                    keys: dict[str, str] | None = None) -> list[Binding]:
    """The bindings of every action and view that has a key (only `ids`, when given);
    `keys` overrides the declared keys."""
    keys = keys or {}
    wanted = set(ids) if ids is not None else None
    return [action_binding(item, keys.get(item.id), show=show)
            for item in (*registry.all_actions(), *registry.VIEWS)
            if item.key and (wanted is None or item.id in wanted)]
