"""The one poll loop (`irtui.polling`) and the timing rules of the sources built on it: the
metrics feed's backoff, the health feed's early retry, the database feed's monitor backoff.

The loop is driven by small sources of plain Python answers; the sources' own clients are
tested against real servers in tests/metrics, tests/health and tests/database."""

from __future__ import annotations

import asyncio

from irtui.database.feed import DatabaseFeed
from irtui.database.monitor import DatabaseMonitor
from irtui.database.settings import DatabaseSettings
from irtui.health.checks import HEALTHY, UNKNOWN, HealthChecker, HealthResult, HealthSettings
from irtui.health.feed import UNKNOWN_RETRY, HealthFeed
from irtui.health.transport import DirectHttp
from irtui.metrics.feed import BACKOFF_CAP, MetricsFeed
from irtui.metrics.model import MetricsSnapshot, ServicePoint
from irtui.metrics.settings import MetricsSettings
from irtui.polling import Poller

from polling import until


class Counting(Poller[int]):
    """Answers 1, 2, 3...; `gate` holds each question open until the test lets it finish."""

    def __init__(self, wait: float = 3600.0) -> None:
        super().__init__()
        self.wait = wait
        self.asked = 0
        self.in_flight = 0
        self.most_at_once = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.answers: list[int] = []
        self.subscribe(self.answers.append)

    async def ask(self) -> int:
        self.asked += 1
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            await self.gate.wait()
        finally:
            self.in_flight -= 1
        if self.asked == 2:
            raise RuntimeError("the server said no")
        return self.asked

    def failed(self, exc: BaseException) -> int:
        return -1

    def delay(self, answer: int) -> float:
        return self.wait

    def good(self, answer: int) -> bool:
        return answer > 0


async def test_the_loop_asks_when_due_or_asked_never_two_at_once_and_a_failure_is_an_answer():
    source = Counting()
    task = asyncio.create_task(source.run(first_after=None))
    try:
        await asyncio.sleep(0.05)
        assert source.asked == 0  # not before it is asked
        source.now()
        await until(lambda: source.answers == [1], "the first answer")
        assert (source.latest, source.last_good) == (1, 1)

        # Asked again while a question is in flight: one more question, right after it.
        source.gate.clear()
        source.now()
        await until(lambda: source.in_flight == 1, "the second question")
        source.now()
        source.now()
        source.gate.set()
        await until(lambda: source.answers == [1, -1, 3], "the failed answer, then one more")
        await asyncio.sleep(0.05)
        assert source.asked == 3 and source.most_at_once == 1
        assert (source.latest, source.last_good) == (3, 3)
    finally:
        task.cancel()


async def test_the_loop_waits_its_delay_between_answers():
    source = Counting(wait=0.05)
    task = asyncio.create_task(source.run(first_after=0.0))
    try:
        await until(lambda: len(source.answers) >= 4, "answers at the source's own pace")
        assert source.answers[:2] == [1, -1] and source.last_good == source.answers[-1]
    finally:
        task.cancel()


class Answers:
    """A metrics source that answers what it is told to (an error, or numbers)."""

    label = "test source"

    def __init__(self) -> None:
        self.error: str | None = None

    async def fetch(self) -> MetricsSnapshot:
        if self.error:
            return MetricsSnapshot(self.label, 1000.0, error=self.error)
        return MetricsSnapshot(self.label, 1000.0, {"task-service": ServicePoint(1.0, 0.1, 0.2)})


async def test_metrics_feed_backs_off_while_failing_up_to_its_cap_and_resets_on_an_answer():
    settings = MetricsSettings(interval=10.0)
    source = Answers()
    feed = MetricsFeed(source, settings)
    good = await feed.ask()
    assert feed.delay(good) == 10.0
    source.error = "Prometheus unreachable: connection refused"
    bad = await feed.ask()
    ceilings = [10.0, 20.0, 40.0, BACKOFF_CAP, BACKOFF_CAP]
    for ceiling in ceilings:
        assert ceiling / 2 <= feed.delay(bad) <= ceiling
    assert feed.delay(good) == 10.0
    assert 5.0 <= feed.delay(bad) <= 10.0  # the count starts again

    failed = feed.failed(ValueError("bad body"))
    assert failed.error == "ValueError: bad body" and failed.source == "test source" and not feed.good(failed)


async def test_metrics_feed_keeps_the_history_and_the_last_good_snapshot():
    source = Answers()
    feed = MetricsFeed(source, MetricsSettings(interval=0.01))
    feed.start()
    try:
        await until(lambda: feed.last_good is not None, "a good snapshot")
        source.error = "no target answered"
        await until(lambda: feed.latest is not None and not feed.latest.ok, "an error snapshot")
        assert feed.last_good.ok and feed.history.series("task-service", "error_rate")
    finally:
        await feed.aclose()
    stopped_at = feed.latest
    await asyncio.sleep(0.1)
    assert feed.latest is stopped_at  # stopped: asked nothing more


def _result(state: str) -> HealthResult:
    return HealthResult("task-service", 1000.0, state, None, None, "", "")


async def test_health_feed_asks_again_soon_while_a_service_is_unknown():
    settings = HealthSettings(services=("task-service", "emr-service"), interval=30.0)
    feed = HealthFeed(HealthChecker(settings, DirectHttp("http://127.0.0.1:9/{service}")))
    assert feed.delay([_result(HEALTHY)]) == 30.0
    assert feed.delay([_result(HEALTHY), _result(UNKNOWN)]) == UNKNOWN_RETRY
    assert HealthFeed(feed.checker, interval=2.0).delay([_result(UNKNOWN)]) == 2.0
    failed = feed.failed(RuntimeError("boom"))
    assert [(r.service, r.state, r.detail) for r in failed] == [("task-service", UNKNOWN, "RuntimeError: boom"),
                                                                 ("emr-service", UNKNOWN, "RuntimeError: boom")]
    await feed.aclose()


async def test_database_feed_retries_an_unreachable_server_with_the_monitors_backoff():
    # Port 9 (discard) is not listening here: every connection is refused at once.
    settings = DatabaseSettings(dsn="postgresql://postgres@127.0.0.1:9/postgres", interval=30.0,
                                connect_timeout=1, backoff_base=0.5, backoff_cap=4.0)
    feed = DatabaseFeed(DatabaseMonitor(settings))
    try:
        first = await feed.ask()
        second = await feed.ask()
        assert not first.reachable and not feed.good(first)
        assert second.unreachable_since == first.unreachable_since and second.attempt == 2
        assert feed.delay(first) == first.retry_in and 0.25 <= first.retry_in <= 0.5
        assert 0.5 <= feed.delay(second) <= 1.0
    finally:
        await feed.aclose()
