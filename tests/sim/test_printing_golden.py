"""The simulator prints every golden case as the Kubernetes project expects.

The cases are the project's own printer tests (tests/golden/README.md); they are checked on
the simulator's printer and on the Table rows built from it, the cells kubectl receives.
"""

from __future__ import annotations

import pytest
from golden.cases import NOW, cases, ids

from irtui.sim import tables
from irtui.sim.printing import node_cells, pod_cells, since

PODS = cases("pods")
NODES = cases("nodes")
DURATIONS = cases("durations")


@pytest.mark.parametrize("case", PODS, ids=ids(PODS))
def test_pod_rows_print_as_kubernetes(case):
    pod = case.at(NOW)
    width = len(case.cells)  # the wide cases list all nine cells, the others the first five
    assert pod_cells(pod, NOW)[:width] == case.cells, case.source
    assert tables.row_cells("pods", pod, NOW)[:width] == case.cells


@pytest.mark.parametrize("case", NODES, ids=ids(NODES))
def test_node_rows_print_as_kubernetes(case):
    node = case.at(NOW)
    width = len(case.cells)
    assert node_cells(node, NOW)[:width] == case.cells, case.source
    assert tables.row_cells("nodes", node, NOW)[:width] == case.cells


@pytest.mark.parametrize("case", DURATIONS, ids=ids(DURATIONS))
def test_ages_print_as_kubernetes(case):
    assert since(case.moment(NOW), NOW) == case.cells[0], case.source


def test_a_cached_pod_row_follows_the_pod_when_it_changes():
    """Rows are cached per uid and resourceVersion; a new version must be printed afresh."""
    crashing, running = (next(c for c in PODS if c.cells[0] == name).at(NOW) for name in ("crashloop", "test12"))
    for version, pod in (("1", crashing), ("2", running)):
        pod["metadata"].update(uid="uid-cached", resourceVersion=version)
    assert tables.row_cells("pods", crashing, NOW)[2] == "CrashLoopBackOff"
    assert tables.row_cells("pods", running, NOW)[2] == "Running"
    assert tables.row_cells("pods", crashing, NOW)[2] == "CrashLoopBackOff"
