"""The nodes pane: `kubectl get nodes` plus usage of allocatable and pressure conditions.

This module owns how a `NodeRow` is shown. STATUS and ROLES come from kubectl's printers;
CPU% and MEM% are metrics.k8s.io usage over the node's allocatable, as `kubectl top nodes`
computes them. PODS counts the pods the app is watching on that node (all of them when the
pods pane shows all namespaces).
"""

from __future__ import annotations

from irtui.kube.model import BAD, OK, WARN, NodeRow
from irtui.kube.printers import age
from irtui.kube.state import ChangeSet
from irtui.ui import ticks
from irtui.ui.panes import ClusterPane
from irtui.ui.widgets.virtual_table import Column

_HEALTH_STYLE = {BAD: "bad", WARN: "warn", OK: None}


def _percent(used: int | None, total: int | None) -> tuple[str, str | None]:
    if used is None or not total:
        return "", None
    pct = used * 100 // total
    return f"{pct}%", ("bad" if pct >= 90 else "warn" if pct >= 75 else None)


class NodesPane(ClusterPane):
    kind = "nodes"
    noun = "nodes"
    fit_column = "name"

    def __init__(self, *, id: str | None = "nodes") -> None:
        super().__init__(id=id)

    def columns(self) -> list[Column]:
        return [
            Column("name", "NAME", 18, clip="middle", floor=14, squeeze=3),
            Column("status", "STATUS", 9, flex=1),
            Column("roles", "ROLES", 8, drop=6),
            Column("cpu", "CPU%", 4, right=True, drop=2),
            Column("mem", "MEM%", 4, right=True, drop=1),
            Column("pods", "PODS", 4, right=True, drop=5),
            Column("pressure", "PRESSURE", 10, flex=1, drop=7),
            Column("age", "AGE", 5, drop=4),
        ]

    def sort_key(self, row: NodeRow) -> tuple:
        return (row.health, row.name)

    def matches(self, row: NodeRow, needle: str) -> bool:
        return needle in row.name.lower() or needle in row.status.lower() or needle in row.roles.lower()

    def cells(self, row: NodeRow):
        now = ticks.now(self)
        usage = self.cluster.node_usage.get(row.key)
        style = _HEALTH_STYLE[row.health]
        cpu = _percent(usage.cpu_m if usage else None, row.cpu_alloc_m)
        mem = _percent(usage.mem_b if usage else None, row.mem_alloc_b)
        pods = self.cluster.pods_per_node.get(row.name, 0)
        return [
            (row.name, style),
            (row.status, style or "ok"),
            (row.roles, "muted"),
            cpu,
            mem,
            (str(pods), None),
            (",".join(p.replace("Pressure", "") for p in row.pressures) or "-", "warn" if row.pressures else "muted"),
            (age(row.created, now), None),
        ]

    def extra_dependency(self, changes: ChangeSet) -> bool:
        # PODS follows the pods on each node; CPU%/MEM% follow metrics.
        delta = changes.kinds.get("pods")
        return "nodes" in changes.metrics or bool(delta and (delta.reset or delta.deleted or delta.upserted))

    def title(self, shown: int, total: int, unhealthy: int) -> str:
        bad = f" · {unhealthy} not ready/degraded" if unhealthy else " · all ready" if total else ""
        return f"Nodes · {total}{bad}"
