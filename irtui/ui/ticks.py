"""One clock for everything on screen that changes once a second: ages, incident clocks,
"stale for", "sample 12s ago"; and `now(widget)`, the time all of them read.

Every Textual timer is a task of its own plus a message round-trip through its widget;
six widgets each ticking once a second cost ~1% of a core while nothing changes. The app
runs a single timer and publishes `app.second`; `every_second(widget, callback)` subscribes
a widget to it, or gives the widget its own timer under an app without that signal (a
widget driven alone in a test). Widgets not on screen (a hidden tab) are skipped: an
update there would still cost the screen a refresh pass.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from textual.dom import DOMNode
from textual.widget import Widget


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def now(widget: Widget) -> datetime:
    """The time on screen: the app's one clock (`IrtuiApp.now`), which ages, "ago" and
    the incident clocks all read, so that a test can stop it in one place; the wall clock
    under an app without one."""
    clock = getattr(widget.app, "now", None)
    return clock() if callable(clock) else wall_clock()


def every_second(widget: Widget, callback: Callable[[], object]) -> None:
    def tick(_now: float | None = None) -> None:
        if shown(widget):
            callback()

    second = getattr(widget.app, "second", None)
    if second is None:
        widget.set_interval(1.0, tick)
        return
    # Called within the app's timer handler; a widget that is unmounted drops out.
    second.subscribe(widget, tick, immediate=True)


def shown(widget: Widget) -> bool:
    """Whether the widget and every container above it are displayed (not a hidden tab)."""
    node: DOMNode | None = widget
    while isinstance(node, Widget):
        if not node.display:
            return False
        node = node.parent
    return True
