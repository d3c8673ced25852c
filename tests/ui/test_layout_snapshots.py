"""SVG snapshots of the pods table during a crash loop at the widths the pods pane gets on a
80x24, 160x45 (sidebar open) and 220x60 terminal, drawn from fixed rows through the pods
pane's own column declarations. The whole main screen at those sizes is pictured in
tests/ui/test_main_screen_snapshots.py."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.app import App, ComposeResult

from irtui.ui.panes.pods import COLUMNS
from irtui.ui.widgets.virtual_table import VirtualTable

ROWS = [
    ("task-service-79f7964498-4ntwf", "0/1", "CrashLoopBackOff", "4 (37s ago)", "5d23h", "ip-10-0-1-201.ec2.internal", "", "", "bad"),
    ("task-service-79f7964498-gmf6d", "0/1", "Error", "4 (2s ago)", "5d23h", "ip-10-0-2-117.ec2.internal", "", "", "bad"),
    ("task-service-79f7964498-nz2jw", "0/1", "CrashLoopBackOff", "3 (1m12s ago)", "5d23h", "ip-10-0-3-52.ec2.internal", "", "", "bad"),
    ("api-gateway-6f78cdbbcf-jvgmg", "1/1", "Running", "0", "5d23h", "ip-10-0-1-23.ec2.internal", "106m", "212Mi", None),
    ("handover-service-774c576b45-8wsdd", "1/1", "Running", "0", "5d23h", "ip-10-0-1-201.ec2.internal", "31m", "96Mi", None),
    ("postgres-0", "1/1", "Running", "0", "12d", "ip-10-0-2-117.ec2.internal", "314m", "1Gi", None),
    ("sync-service-556b4bc6bc-42bzt", "1/1", "Running", "1 (2d ago)", "5d23h", "ip-10-0-3-52.ec2.internal", "26m", "80Mi", None),
]


# NAME as the pane fits it: as wide as the longest name, like kubectl's.
FITTED = [replace(c, width=max(len(row[0]) for row in ROWS)) if c.key == "name" else c for c in COLUMNS]


class CrashLoopTable(App):
    CSS = "VirtualTable { height: 1fr; }"

    def compose(self) -> ComposeResult:
        rows = {row[0]: row for row in ROWS}

        def cells(key: str) -> list[tuple[str, str | None]]:
            *values, style = rows[key]
            return [(value, style if column.key in ("name", "ready", "status", "restarts") else None)
                    for value, column in zip(values, FITTED, strict=True)]

        table = VirtualTable(FITTED, cells)
        table.index.rebuild((row[0], (row[-1] is None, n)) for n, row in enumerate(ROWS))
        yield table


# The pods pane's inner width at each terminal size (its border takes two columns).
@pytest.mark.parametrize("terminal, width", [("80x24", 78), ("160x45", 61), ("220x60", 91)])
def test_pods_table_during_a_crash_loop(snap_compare, terminal, width):
    assert snap_compare(CrashLoopTable(), terminal_size=(width, len(ROWS) + 1))
