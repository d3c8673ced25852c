"""The real kubectl, against the simulator, prints golden pods as the Kubernetes project expects.

Each pod is created through the API, bound to a node where deletion must be graceful, and
given the golden case's status through the status subresource; kubectl's READY, STATUS and
RESTARTS columns must then read as the upstream case says. The simulator's clock is stopped
first, so its kubelet writes nothing over those statuses and the restart ages hold still.
"""

from __future__ import annotations

import copy
from datetime import datetime

import pytest
from golden.cases import Case, cases

from api_helpers import http

NS = "golden-printers"

# A crash loop, failing and sidecar init containers, the restart ages, a gated pod, a finished
# one, and the two words a deleted pod can show.
CHOSEN = (
    "TestPrintPod-test6",  # NotReady: a completed container beside a running one
    "TestPrintPod-test7",  # Init:0/1, 3 (10s ago)
    "TestPrintPod-test14",  # 9 (5d ago)
    "TestPrintPod-test15",  # SchedulingGated
    "TestPrintPod-test16",  # Completed
    "TestPrintPod-test19",  # Terminating
    "TestPrintPodWithRestartableInitContainer-test1-2",  # sidecars: 0/3 Init:1/2
    "TestPrintPodWithRestartableInitContainer-test2",  # sidecars: 1/3 Running 7 (10s ago)
    "printPod-init-crashloop",  # Init:CrashLoopBackOff
    "printPod-init-signal",  # Init:Signal:9
    "printPod-crashloop",  # CrashLoopBackOff, 7 (45s ago)
    "printPod-oomkilled",  # OOMKilled, 12 (120m ago)
    "printPod-nodelost",  # Unknown: deleted while its node is unreachable
)


def _chosen() -> list[Case]:
    by_id = {c.id: c for c in cases("pods")}
    missing = [i for i in CHOSEN if i not in by_id]
    assert not missing, f"golden cases renamed or moved: {missing}"
    return [by_id[i] for i in CHOSEN]


def _servable(case: Case, name: str, node: str | None) -> tuple[dict, dict]:
    """The case's pod as the API accepts it (named containers with images), and its status.

    The upstream cases leave containers unnamed; statuses are matched to containers by
    position, as the printer reads them.
    """
    pod = copy.deepcopy(case.obj)
    spec, status = pod["spec"], pod.get("status") or {}
    for field, statuses, prefix in (("containers", "containerStatuses", "c"),
                                    ("initContainers", "initContainerStatuses", "init")):
        containers = spec.get(field) or []
        for i, container in enumerate(containers):
            container["name"] = container.get("name") or f"{prefix}{i}"
            container.setdefault("image", "registry.example/golden:1")
        for i, cs in enumerate(status.get(statuses) or []):
            if not cs.get("name") and i < len(containers):
                cs["name"] = containers[i]["name"]
            cs.setdefault("image", "registry.example/golden:1")
    spec.pop("nodeName", None)
    if node:
        spec["nodeName"] = node
    meta = {"name": name, "namespace": NS}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}, status


def _columns(output: str) -> dict[str, dict[str, str]]:
    """kubectl's table by pod name and column; cells may hold spaces (`3 (10s ago)`)."""
    header, *lines = output.splitlines()
    names = header.split()
    starts = [header.index(n) for n in names]
    bounds = list(zip(starts, starts[1:] + [None], strict=True))
    rows = {}
    for line in lines:
        cells = {n: line[a:b].strip() for n, (a, b) in zip(names, bounds, strict=True)}
        rows[cells["NAME"]] = cells
    return rows


@pytest.fixture
def paused(sim):
    sim.control("POST", "/sim/speed", json={"speed": 0})
    return sim


def test_kubectl_prints_golden_pods_as_kubernetes(paused):
    sim = paused
    sim.kubectl("create", "namespace", NS)
    node = sim.kubectl("get", "nodes", "-o", "name").stdout.split()[0].removeprefix("node/")
    expected = {}
    with http(sim) as api:
        for i, case in enumerate(_chosen()):
            name = f"golden-{i}"
            deleted = bool(case.obj["metadata"].get("deletionTimestamp"))
            pod, status = _servable(case, name, node if deleted else None)
            created = api.post(f"/api/v1/namespaces/{NS}/pods", json=pod)
            assert created.status_code == 201, created.text
            # Offsets count back from the pod's creation: the stopped clock still reads that second.
            now = datetime.fromisoformat(created.json()["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
            resolved = Case(case.id, case.source, case.wide, status, case.cells).at(now)
            put = api.put(f"/api/v1/namespaces/{NS}/pods/{name}/status",
                          json={"metadata": {"name": name, "namespace": NS}, "status": resolved})
            assert put.status_code == 200, put.text
            if deleted:
                gone = api.delete(f"/api/v1/namespaces/{NS}/pods/{name}")
                assert gone.status_code == 200, gone.text
            expected[name] = (case.id, case.cells[1:4])

    rows = _columns(sim.kubectl("get", "pods", "-n", NS).stdout)
    printed = {name: (expected[name][0], [rows[name]["READY"], rows[name]["STATUS"], rows[name]["RESTARTS"]])
               for name in expected}
    assert printed == expected
