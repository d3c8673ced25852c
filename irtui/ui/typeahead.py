"""Keys typed while a dialog is opening: given to the dialog, never to the screen below.

How Textual (8.2) loses them: the app forwards each key to the focused widget as it
arrives, and the key's bindings are looked up only when it has bubbled back up to the app,
on whichever screen is on top by then. A key that opens a dialog (N) does so on its way
back up; keys typed right after it (a fast typist, or one read from an SSH connection)
have meanwhile been forwarded to the screen below. When they come back up the dialog is on
top but not composed yet, so they match nothing and are lost; a key handled on the way
down (an Input below) or a priority binding (tab) acts on the screen below. The same
happens between the push and the moment the dialog has mounted and focused its field.

`KeysToTopScreen` (mixed into the app) keeps each key with the screen it was typed for:
- a key that comes back up after another screen was pushed over that screen is typed
  again, for the screen now on top (dropped if its own screen was closed meanwhile);
- from a push until the pushed screen has mounted (its `AUTO_FOCUS` or `on_mount` has
  placed the focus), new keys and pastes are held, then dispatched in the order typed.

A dialog opened by work the key started (an action's worker asks the cluster before it
shows its parameters) opens later still. The key's handler calls `hold_keys_for_dialog()`:
until the work's dialogs have been answered, what is typed while the screen of the key is
on top is held for the next dialog; what is still held when the work ends without one
was typed for a dialog that never came, and is dropped.

A screen that asks for a deliberate answer (a confirmation) sets `TYPE_AHEAD = False`:
what was typed before it could be seen is dropped instead of answering it.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import weakref
from typing import Any, Callable

from textual import events
from textual.app import App
from textual.screen import Screen
from textual.widget import AwaitMount

log = logging.getLogger(__name__)

# A screen that never mounts (removed before it ran) must not swallow the keyboard.
MOUNT_WAIT = 5.0


def accepts_type_ahead(screen: Screen) -> bool:
    return bool(getattr(screen, "TYPE_AHEAD", True))


class KeysToTopScreen(App):
    """An App whose typed-ahead keys reach only the screen on top (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typed_for: weakref.WeakKeyDictionary[events.Event, Screen] = weakref.WeakKeyDictionary()
        self._typed_order: weakref.WeakKeyDictionary[events.Event, int] = weakref.WeakKeyDictionary()
        self._typed = 0
        self._opening: set[Screen] = set()
        self._awaited: dict[Screen, int] = {}  # screen -> works that will open a dialog over it
        self._held: list[tuple[int, events.Event]] = []
        self._mount_waits: set[asyncio.Task] = set()

    def push_screen(self, screen: Screen | str, callback: Callable[[Any], Any] | None = None,
                    wait_for_dismiss: bool = False, *, mode: str | None = None) -> Any:
        # App's overloads need wait_for_dismiss as a literal; the caller's choice passes through.
        pushed = super().push_screen(screen, callback, wait_for_dismiss, mode=mode)  # type: ignore[call-overload]
        if (mode is None or mode == self.current_mode) and not self.screen.is_mounted:
            opening = self.screen
            self._opening.add(opening)
            task = asyncio.ensure_future(self._wait_mounted(opening))
            self._mount_waits.add(task)
            task.add_done_callback(self._mount_waits.discard)
        return pushed

    def hold_keys_for_dialog(self) -> Callable[[], None]:
        """Keys typed on this screen from now on are kept for the dialog the calling key's
        work will open. Call the returned function once its dialogs are answered, or it
        ended without one (idempotent)."""
        base = self.screen
        self._awaited[base] = self._awaited.get(base, 0) + 1
        finished = False

        def done() -> None:
            nonlocal finished
            if finished:
                return
            finished = True
            left = self._awaited.pop(base, 1) - 1
            if left:
                self._awaited[base] = left
            elif self.screen is base and not self._opening and self._held:
                log.info("%d keys typed for a dialog that did not open were dropped", len(self._held))
                self._held.clear()

        return done

    def _holding(self) -> bool:
        return bool(self._opening) or (bool(self._awaited) and self.screen in self._awaited)

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, (events.Key, events.Paste)):
            await super().on_event(event)
        elif not event.is_forwarded:
            await self._typed_in(event)
        elif isinstance(event, events.Key) and self._overtaken(event):
            typed_for = self._typed_for[event]
            if typed_for in self.screen_stack and accepts_type_ahead(self.screen):
                again = events.Key(event.key, event.character)
                again.set_sender(self)
                self._typed_order[again] = self._typed_order.get(event, 0)
                await self._typed_in(again)
            # else: typed for a dialog closed since, or before a confirmation could be seen.
        else:
            await super().on_event(event)

    async def _typed_in(self, event: events.Event) -> None:
        if event not in self._typed_order:
            self._typed += 1
            self._typed_order[event] = self._typed
        if self._holding():
            bisect.insort(self._held, (self._typed_order[event], event), key=lambda held: held[0])
        else:
            self._typed_for[event] = self.screen
            await super().on_event(event)

    def _overtaken(self, event: events.Key) -> bool:
        """Typed for a screen that is no longer on top, or on which a dialog is awaited."""
        typed_for = self._typed_for.get(event)
        return typed_for is not None and (typed_for is not self.screen or typed_for in self._awaited)

    async def _wait_mounted(self, screen: Screen) -> None:
        try:
            await asyncio.wait_for(AwaitMount(screen, [screen])(), MOUNT_WAIT)
        except asyncio.TimeoutError:
            log.warning("screen %r did not mount; releasing typed-ahead keys", screen)
        # Released between the app's messages: keys queued behind this callback come
        # after the held ones, so the typed order is kept.
        self.call_next(self._release, screen)

    async def _release(self, screen: Screen) -> None:
        self._opening.discard(screen)
        if self._holding():
            return
        if not accepts_type_ahead(self.screen):
            self._held.clear()
        while self._held and not self._holding():
            await self._typed_in(self._held.pop(0)[1])
