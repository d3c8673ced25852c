"""Helpers for driving the app against the simulator: build it, wait on conditions, read the screen."""

from __future__ import annotations

import asyncio
import time

from irtui.config import Config
from irtui.ui.main import open_connection
from irtui.ui.wiring import build_app


class Args:
    read_only = None
    namespace = None

    def __init__(self, kubeconfig: str, context: str | None = None, namespace: str | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace


def make_app(sim, context: str | None = None, namespace: str | None = None, kubeconfig: str | None = None, **extra):
    args = Args(kubeconfig or sim.kubeconfig, context, namespace)
    connection = open_connection(args, Config.empty())
    return build_app(connection, Config.empty(), args, **extra)


def screen_text(app) -> str:
    """The screen as plain text, line by line, as a terminal would show it."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def wait_for(pilot, predicate, timeout: float = 45.0, what: str = "condition"):
    """Let the app run until `predicate()` is truthy; generous timeouts, no timing asserts."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n--- screen ---\n{screen_text(pilot.app)}")
        await pilot.pause(0.1)


def shown_rows(pane) -> list[tuple[str, ...]]:
    """Every row of a cluster pane as the cells it draws (text only), in display order."""
    rows = pane.rows
    out = []
    for key in pane.table.index:
        row = rows.get(key)
        if row is not None:
            out.append(tuple(text for text, _style in pane.cells(row)))
    return out


async def control(sim, method: str, path: str, **kwargs):
    """Call the simulator's control API without blocking the app's event loop."""
    return await asyncio.to_thread(sim.control, method, path, **kwargs)
