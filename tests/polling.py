"""Waiting on a condition, not a clock: the one wait every test folder shares, and the screen
as text that a wait on the app reports when it gives up.

`until` polls inside an async test: with `pilot` the app runs between polls and a timeout
shows its screen; `until_sync` polls in a plain test or a helper thread. Both return the
condition's first truthy value, and fail naming what was awaited and the last value seen.
`what` may be a function, asked only when the wait gives up, for a description that needs the
state of that moment (how many requests arrived, what a terminal printed).

The timeout is generous (90 s unless a call says otherwise) because the suites share a loaded
two-core machine: a wait ends as soon as its condition holds, so the margin costs a passing
test nothing, and a test that needs a bound on time belongs in `benchmarks/`.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

TIMEOUT = 90.0
STEP = 0.1
# A last value can be a whole listing; the head of it says enough.
_SHOWN = 2000

# What a wait is for: words, or a function asked for them only when the wait gives up.
Described = str | Callable[[], str] | None


def screen_text(app) -> str:
    """The screen as plain text, line by line, as a terminal would show it (toasts included
    when the app runs with notifications on, which Textual's test harness leaves off unless asked)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def until(condition: Callable[[], Any], what: Described = None, *, timeout: float = TIMEOUT,
                step: float = STEP, pilot=None, blocking: bool = False) -> Any:
    """Poll `condition()` every `step` seconds until it is truthy; that value is returned.

    `condition` may return an awaitable, which is awaited. `blocking=True` calls it in a thread,
    for a condition that makes a blocking call (a sync HTTP client), so that the app and the
    servers sharing this event loop keep running. With `pilot` the wait pauses through the
    app's pilot, and a timeout shows the screen as it was."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(condition) if blocking else condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            screen = screen_text(pilot.app) if pilot is not None else None
            raise AssertionError(_timed_out(condition, what, timeout, value, screen))
        if pilot is not None:
            await pilot.pause(step)
        else:
            await asyncio.sleep(step)


def until_sync(condition: Callable[[], Any], what: Described = None, *, timeout: float = TIMEOUT,
               step: float = STEP) -> Any:
    """`until` for code that is not async: poll `condition()` until it is truthy, sleeping between polls."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(_timed_out(condition, what, timeout, value, None))
        time.sleep(step)


def _timed_out(condition: Callable[[], Any], what: Described, timeout: float, last: Any,
               screen: str | None) -> str:
    if callable(what):
        what = what()
    shown = repr(last)
    if len(shown) > _SHOWN:
        shown = shown[:_SHOWN] + " ..."
    message = f"timed out after {timeout:g} s waiting for {what or _described(condition)} (last: {shown})"
    if screen is not None:
        message += f"\n--- screen ---\n{screen}"
    return message


def _described(condition: Callable[[], Any]) -> str:
    """A wait that names nothing is described by its condition: a function by its name, a lambda
    by the line it was written on."""
    name = getattr(condition, "__qualname__", "")
    if name and "<lambda>" not in name:
        return name
    try:
        return " ".join(inspect.getsource(condition).split())
    except (OSError, TypeError):
        return repr(condition)
