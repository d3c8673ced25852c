"""The pods pane: what `kubectl get pods` says, unhealthy first, with usage from metrics.k8s.io.

This module owns how a `PodRow` is shown (columns, colours, sort order, filter match).
NAME, READY, STATUS and RESTARTS use kubectl's own derivations (`irtui.kube.printers`),
so the pane and `kubectl get pods` print the same words. The selection and freeze API
(`selected()`, `freeze()`, `thaw()`) is inherited from `ClusterPane`.
"""

from __future__ import annotations

from datetime import datetime

from irtui.kube.model import BAD, OK, WARN, PodRow, cpu_text, mem_text
from irtui.kube.printers import age
from irtui.kube.state import ChangeSet
from irtui.ui import ticks
from irtui.ui.panes import ClusterPane
from irtui.ui.widgets.virtual_table import Column

_HEALTH_STYLE = {BAD: "bad", WARN: "warn", OK: None}

# A narrow pane gives up usage, placement and age before it clips names, and keeps STATUS
# and RESTARTS, the crash-loop signal, longest of all.
COLUMNS = (
    Column("name", "NAME", 24, clip="middle", floor=16, squeeze=6),
    Column("ready", "READY", 5, drop=3),
    Column("status", "STATUS", 17, drop=1),
    Column("restarts", "RESTARTS", 14, drop=2, whole=True),
    Column("age", "AGE", 6, drop=5),
    Column("node", "NODE", 12, flex=1, drop=7),
    Column("cpu", "CPU", 6, right=True, drop=8),
    Column("mem", "MEM", 6, right=True, drop=9),
)
NAMESPACE_COLUMN = Column("namespace", "NAMESPACE", 14, drop=4)


def restarts_cell(row: PodRow, now: datetime) -> str:
    """RESTARTS as kubectl prints it: `4 (37s ago)`."""
    if row.last_restart is None:
        return str(row.restarts)
    return f"{row.restarts} ({age(row.last_restart, now)} ago)"


class PodsPane(ClusterPane):
    kind = "pods"
    noun = "pods"
    fit_column = "name"

    def __init__(self, *, id: str | None = "pods") -> None:
        self._all_namespaces = False
        super().__init__(id=id)

    def columns(self) -> list[Column]:
        return [NAMESPACE_COLUMN, *COLUMNS] if self._all_namespaces else list(COLUMNS)

    def on_mount(self) -> None:
        # Textual then runs ClusterPane.on_mount itself (handlers run for every class in
        # the MRO): calling it here too would rebuild twice and tick twice a second.
        self._sync_namespace_column()

    def _sync_namespace_column(self) -> None:
        all_ns = self.cluster.namespace is None
        if all_ns != self._all_namespaces:
            self._all_namespaces = all_ns
            columns = self.columns()
            # keep the fitted NAME width
            current = {c.key: c for c in self.table.columns}
            self.table.set_columns([current.get(c.key, c) if c.key == "name" else c for c in columns])

    def sort_key(self, row: PodRow) -> tuple:
        return (row.health, row.namespace, row.name)

    def matches(self, row: PodRow, needle: str) -> bool:
        return (needle in row.name.lower() or needle in row.namespace.lower()
                or needle in row.status.lower() or needle in row.node.lower())

    def cells(self, row: PodRow):
        now = ticks.now(self)
        usage = self.cluster.pod_usage.get(row.key)
        # Terminating is a state of its own (a pod going away as asked), not a warning.
        style = "terminating" if row.status == "Terminating" else _HEALTH_STYLE[row.health]
        cells = [
            (row.name, style),
            (row.ready, style if row.health != OK else None),
            (row.status, style or "ok"),
            (restarts_cell(row, now), "warn" if row.restarts and row.health != OK else None),
            (age(row.created, now), None),
            (row.node, "muted"),
            (cpu_text(usage.cpu_m) if usage else "", None),
            (mem_text(usage.mem_b) if usage else "", None),
        ]
        if self._all_namespaces:
            cells.insert(0, (row.namespace, "muted"))
        return cells

    def extra_dependency(self, changes: ChangeSet) -> bool:
        return "pods" in changes.metrics

    def after_change(self) -> None:
        self._sync_namespace_column()
        super().after_change()

    def title(self, shown: int, total: int, unhealthy: int) -> str:
        ns = self.cluster.namespace or "all namespaces"
        bad = f" · {unhealthy} unhealthy" if unhealthy else " · all healthy" if total else ""
        return f"Pods · {ns} · {total} total{bad}"
