"""One loop for every source that has to ask because it cannot be watched (Prometheus, a
scrape, the services' /health, PostgreSQL): ask, hand the answer to whoever subscribed,
wait, ask again.

This module owns the timing those sources share. The next question is armed only after
the last answer, so two never overlap and none is cancelled midway (an asyncpg query
cancelled midway costs its connection); `now()` (a refresh key, an action that changed
what is shown) asks at once, or right after the question in flight. How long to wait is
the source's own rule (`delay`: its interval while it answers, `irtui.backoff`'s rule
while it does not), and a question that raises becomes an answer that says so (`failed`),
so a broken server shows as stale data and never ends the loop.

No Textual here: a pane starts the loop (`start()`: a task of its own, not a Textual
worker, since a loop that never ends would hold up anyone waiting for the app's workers to
complete), stops it when it goes (`stop()`), and renders what its subscription delivers, as
the cluster panes render what `irtui.kube.feed` delivers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Poller(Generic[T]):
    """A source that polls. Subclasses say how to ask (`ask`), what a failure answers
    (`failed`), how long to wait after an answer (`delay`) and which answers are good
    (`good`); the loop keeps the latest answer and the last good one."""

    def __init__(self) -> None:
        self.latest: T | None = None
        self.last_good: T | None = None
        self._asked = asyncio.Event()
        self._subscribers: list[Callable[[T], None]] = []
        self._task: asyncio.Task[None] | None = None

    # -- what a source says ----------------------------------------------------------------

    async def ask(self) -> T:
        raise NotImplementedError

    def failed(self, exc: BaseException) -> T:
        raise NotImplementedError

    def delay(self, answer: T) -> float:
        raise NotImplementedError

    def good(self, answer: T) -> bool:
        return True

    def record(self, answer: T) -> None:
        """Keep `answer` as the latest, and the last good one if it is; a source that keeps
        more (a history) extends this."""
        self.latest = answer
        if self.good(answer):
            self.last_good = answer

    # -- for whoever renders -------------------------------------------------------------

    def subscribe(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Call `callback(answer)` after each answer, on the loop's task; returns the
        unsubscribe."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def now(self) -> None:
        """Ask at once, or as soon as the question in flight is answered."""
        self._asked.set()

    def start(self, first_after: float | None = 0.0) -> None:
        """Run the loop in a task of its own (once), on the running event loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(first_after))

    async def stop(self) -> None:
        """End the loop, a question in flight included."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def run(self, first_after: float | None = 0.0) -> None:
        """Poll until cancelled. `first_after`: seconds before the first question (None:
        not before `now()`)."""
        wait = first_after
        while True:
            await self._until_due(wait)
            try:
                answer = await self.ask()
            except Exception as exc:  # a client's bug or a server's surprise: an answer that says so
                answer = self.failed(exc)
            self.record(answer)
            wait = self.delay(answer)
            for callback in list(self._subscribers):
                callback(answer)

    async def _until_due(self, wait: float | None) -> None:
        if not self._asked.is_set() and (wait is None or wait > 0):
            try:
                await asyncio.wait_for(self._asked.wait(), wait)
            except asyncio.TimeoutError:
                pass
        self._asked.clear()
