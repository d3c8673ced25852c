"""The PostgreSQL monitor polled: a poll every `interval` while the server answers, the
monitor's backoff (`irtui.backoff`'s rule, with since-when and the attempt count in each
snapshot) while it does not, and the latest snapshot and the last good one.

The loop itself is `irtui.polling`'s; the database pane subscribes and renders.
"""

from __future__ import annotations

from irtui.database.monitor import DatabaseMonitor, DbSnapshot
from irtui.polling import Poller


class DatabaseFeed(Poller[DbSnapshot]):
    def __init__(self, monitor: DatabaseMonitor) -> None:
        super().__init__()
        self.monitor = monitor

    async def ask(self) -> DbSnapshot:
        return await self.monitor.poll()

    def failed(self, exc: BaseException) -> DbSnapshot:
        return self.monitor.failed(exc)

    def good(self, answer: DbSnapshot) -> bool:
        return answer.reachable and answer.error is None

    def delay(self, answer: DbSnapshot) -> float:
        return self.monitor.next_delay(answer)

    async def aclose(self) -> None:
        await self.stop()
        await self.monitor.close()
