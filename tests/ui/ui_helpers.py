"""Helpers for driving the app against the simulator: build it, read its panes' rows, call the
simulator's control API off the event loop."""

from __future__ import annotations

import asyncio

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
