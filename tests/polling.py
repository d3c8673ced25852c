"""Waiting on a condition, not a clock: the one async poll the suites share."""

from __future__ import annotations

import asyncio
import time


async def wait_for(predicate, timeout: float = 60.0, step: float = 0.1, what: str = "condition"):
    """Poll `predicate` (sync or async) until it returns something truthy; that is returned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")
