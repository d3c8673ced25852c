"""One-shot timers that fire however late the event loop gets to them.

Textual's `set_timer` (8.2) takes its start time when its task first runs and, if the
moment to fire has already passed by its next reading of the clock, counts the tick as
skipped; a one-shot timer then ends without calling back. That happens to a delay of a few
microseconds, and to any delay when the process is descheduled between those two readings
on a loaded machine; a zero delay raises ZeroDivisionError inside the timer's task. For the
frame-paced flush of cluster changes and the pollers that re-arm themselves after each poll,
one lost tick means a pane that never updates again while the header says connected.

`after(node, delay, callback)` schedules with the loop's own `call_later` and hands the call
to the node's message pump (`call_next`), so it runs between the node's messages, as a
Textual timer's callback does.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from textual.message_pump import MessagePump


class Later:
    """A pending call; `stop()` cancels it (a no-op once it has run)."""

    def __init__(self, handle: asyncio.TimerHandle) -> None:
        self._handle = handle

    def stop(self) -> None:
        self._handle.cancel()


def after(node: MessagePump, delay: float, callback: Callable[..., Any], *args: Any) -> Later:
    """Call `callback(*args)` on `node`'s message pump `delay` seconds from now (0 allowed)."""
    loop = asyncio.get_running_loop()
    return Later(loop.call_later(max(0.0, delay), node.call_next, callback, *args))
