"""irtui's printer and the pods pane print every golden case as the Kubernetes project expects.

The cases are the project's own printer tests (tests/golden/README.md). The pane's cells are
checked through the same path a watched pod takes to the screen: `project_pod`, then the
pane's RESTARTS cell.
"""

from __future__ import annotations

import pytest
from golden.cases import NOW, cases, ids

from irtui.kube.model import project_node, project_pod
from irtui.kube.printers import age, node_roles, node_status, pod_summary, restarts_text
from irtui.ui.panes.pods import restarts_cell

PODS = cases("pods")
NODES = cases("nodes")
DURATIONS = cases("durations")


@pytest.mark.parametrize("case", PODS, ids=ids(PODS))
def test_pod_summary_prints_as_kubernetes(case):
    pod = case.at(NOW)
    summary = pod_summary(pod)
    created = pod["metadata"].get("creationTimestamp")
    printed = [summary.ready, summary.status, restarts_text(summary, NOW), age(created, NOW)]
    assert printed == case.cells[1:5], case.source


@pytest.mark.parametrize("case", PODS, ids=ids(PODS))
def test_the_pods_pane_prints_as_kubernetes(case):
    row = project_pod(case.at(NOW))
    assert [row.ready, row.status, restarts_cell(row, NOW), age(row.created, NOW)] == case.cells[1:5], case.source


@pytest.mark.parametrize("case", NODES, ids=ids(NODES))
def test_node_status_and_roles_print_as_kubernetes(case):
    node = case.at(NOW)
    printed = [node_status(node), node_roles(node), age(node["metadata"].get("creationTimestamp"), NOW)]
    assert printed == case.cells[1:4], case.source
    row = project_node(node)
    assert (row.status, row.roles) == (case.cells[1], case.cells[2])


@pytest.mark.parametrize("case", DURATIONS, ids=ids(DURATIONS))
def test_ages_print_as_kubernetes(case):
    assert age(case.moment(NOW), NOW) == case.cells[0], case.source
