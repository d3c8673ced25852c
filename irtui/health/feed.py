"""The health checks polled: a round of every service's `/health` every `interval`
seconds, sooner while some service could not be asked, and the latest result of each.

The loop itself is `irtui.polling`'s; the health pane subscribes and renders.
"""

from __future__ import annotations

import time

from irtui.health.checks import UNKNOWN, HealthChecker, HealthResult
from irtui.polling import Poller

# When a round could not ask some service (the API server's proxy did not answer), ask
# again this soon rather than after the full interval: it is the answer a responder waits for.
UNKNOWN_RETRY = 5.0


class HealthFeed(Poller[list[HealthResult]]):
    """Rounds of `checker` every `interval` seconds (default: the checker's settings)."""

    def __init__(self, checker: HealthChecker, interval: float | None = None) -> None:
        super().__init__()
        self.checker = checker
        self.interval = interval or checker.settings.interval

    @property
    def results(self) -> dict[str, HealthResult]:
        """The latest result per service."""
        return {result.service: result for result in self.latest or ()}

    async def ask(self) -> list[HealthResult]:
        return await self.checker.check_all()

    def failed(self, exc: BaseException) -> list[HealthResult]:
        # Never end the checks over one round: every service is unknown, and says why.
        now = time.time()
        return [HealthResult(service, now, UNKNOWN, None, None, f"{type(exc).__name__}: {exc}", "")
                for service in self.checker.settings.services]

    def delay(self, answer: list[HealthResult]) -> float:
        if any(result.state == UNKNOWN for result in answer):
            return min(self.interval, UNKNOWN_RETRY)
        return self.interval

    async def aclose(self) -> None:
        await self.stop()
        await self.checker.aclose()
