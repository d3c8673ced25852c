"""The suites' one wait: it returns what it waited for, and when it gives up it says what that
was, the last value seen and, for an app, the screen."""

from __future__ import annotations

import threading

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from polling import until, until_sync


class Counter:
    def __init__(self, ready_at: int) -> None:
        self.calls = 0
        self.ready_at = ready_at

    def __call__(self) -> list[int]:
        self.calls += 1
        return [self.calls] if self.calls >= self.ready_at else []


async def test_until_returns_the_first_truthy_value():
    assert await until(Counter(3), "the third call", step=0.01) == [3]


async def test_until_awaits_a_condition_that_returns_an_awaitable():
    async def ready() -> str:
        return "ready"

    assert await until(lambda: ready(), "an async condition") == "ready"


async def test_a_blocking_condition_runs_off_the_event_loop():
    loop_thread = threading.get_ident()
    assert await until(lambda: threading.get_ident() != loop_thread, "another thread", blocking=True)


async def test_giving_up_names_what_was_awaited_and_the_last_value():
    with pytest.raises(AssertionError) as failure:
        await until(lambda: [], "the pods to be listed", timeout=0.2, step=0.05)
    assert "timed out after 0.2 s waiting for the pods to be listed (last: [])" in str(failure.value)


async def test_a_wait_that_names_nothing_is_described_by_its_condition():
    pods: list[str] = []
    with pytest.raises(AssertionError) as failure:
        await until(lambda: "task-service-0" in pods, timeout=0.1, step=0.05)
    assert '"task-service-0" in pods' in str(failure.value)

    def no_pods() -> bool:
        return False

    with pytest.raises(AssertionError, match="waiting for .*no_pods"):
        until_sync(no_pods, timeout=0.1, step=0.05)


def test_until_sync_returns_the_value_and_gives_up_the_same_way():
    assert until_sync(Counter(2), "the second call", step=0.01) == [2]
    with pytest.raises(AssertionError, match=r"waiting for nothing, ever \(last: None\)"):
        until_sync(lambda: None, "nothing, ever", timeout=0.1, step=0.05)


async def test_a_description_can_be_asked_for_when_the_wait_gives_up():
    arrived = ["/hooks/page"]
    with pytest.raises(AssertionError, match=r"2 pages \(1 arrived\)"):
        await until(lambda: len(arrived) >= 2, lambda: f"2 pages ({len(arrived)} arrived)", timeout=0.1, step=0.05)


class Shown(App):
    def compose(self) -> ComposeResult:
        yield Static("3 pods CrashLoopBackOff")


async def test_with_the_pilot_giving_up_shows_the_screen():
    app = Shown()
    async with app.run_test(size=(40, 5)) as pilot:
        with pytest.raises(AssertionError) as failure:
            await until(lambda: False, "a healthy pod", timeout=0.3, pilot=pilot)
    message = str(failure.value)
    assert "waiting for a healthy pod" in message
    assert "--- screen ---" in message and "3 pods CrashLoopBackOff" in message
