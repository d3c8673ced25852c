"""Projection of raw objects to rows, the cluster state's bookkeeping, and observations."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from irtui.backoff import Backoff
from irtui.kube.model import BAD, OK, WARN, parse_quantity, project_event, project_node, project_pod
from irtui.kube.rest import http_error, network_reason
from irtui.kube.state import (
    FORBIDDEN,
    STALE,
    UNAUTHORIZED,
    ChangeBuffer,
    ClusterState,
    Delete,
    Reset,
    Upsert,
)


def _ts(seconds_ago: float = 0) -> str:
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(name, *, ns="emrtask-prod", uid=None, waiting=None, restarts=0, ready=True, node="node-1", finished=None):
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": _ts(60)}}
    cs = {"name": "app", "ready": ready and not waiting, "restartCount": restarts, "state": state}
    if finished:
        cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": finished}}
    return {
        "metadata": {"name": name, "namespace": ns, "uid": uid or f"uid-{name}", "creationTimestamp": _ts(3600),
                     "labels": {"pod-template-hash": "7d9f"},
                     "ownerReferences": [{"kind": "ReplicaSet", "name": "task-service-7d9f", "controller": True}]},
        "spec": {"nodeName": node, "containers": [{"name": "app"}]},
        "status": {"phase": "Running", "podIP": "10.0.0.7", "containerStatuses": [cs]},
    }


def node(name, ready=True, since="2026-01-01T00:00:00Z"):
    return {
        "metadata": {"name": name, "uid": f"uid-{name}", "creationTimestamp": _ts(86400),
                     "labels": {"node-role.kubernetes.io/worker": ""}},
        "spec": {},
        "status": {"conditions": [
            {"type": "Ready", "status": "True" if ready else "Unknown", "lastTransitionTime": since},
            {"type": "MemoryPressure", "status": "False"}],
            "allocatable": {"cpu": "4", "memory": "16Gi"}},
    }


def warning(name, reason="BackOff", count=1):
    return {"metadata": {"name": name, "namespace": "emrtask-prod", "uid": f"uid-{name}"},
            "type": "Warning", "reason": reason, "message": "Back-off restarting failed container\nmore",
            "involvedObject": {"kind": "Pod", "name": "task-service-7d9f-abcde"},
            "count": count, "lastTimestamp": _ts(1), "firstTimestamp": _ts(30)}


def test_pod_projection_keeps_what_the_pane_shows():
    row = project_pod(pod("task-service-7d9f-abcde", waiting="CrashLoopBackOff", restarts=4, finished=_ts(37)))
    assert (row.key, row.ready, row.status, row.restarts) == ("emrtask-prod/task-service-7d9f-abcde", "0/1", "CrashLoopBackOff", 4)
    assert row.health == BAD and row.workload == "Deployment/task-service" and row.node == "node-1"
    assert row.last_restart is not None
    assert project_pod(pod("ok")).health == OK
    assert project_pod(pod("slow", ready=False)).health == WARN


def test_node_and_event_projection():
    n = project_node(node("node-1"))
    assert (n.status, n.roles, n.cpu_alloc_m, n.mem_alloc_b, n.health) == ("Ready", "worker", 4000, 16 << 30, OK)
    assert project_node(node("node-2", ready=False)).status == "NotReady"
    e = project_event(warning("e1", count=3))
    assert (e.object, e.count, e.message, e.warning) == ("Pod/task-service-7d9f-abcde", 3, "Back-off restarting failed container", True)


def test_quantities():
    assert parse_quantity("250m") == 0.25
    assert parse_quantity("1Gi") == 1 << 30
    assert round(parse_quantity("12345678n"), 6) == 0.012346
    assert parse_quantity("bogus") is None


def test_reset_replaces_rows_without_ghosts():
    state = ClusterState("emrtask-prod")
    state.apply([Reset("pods", [project_pod(pod("a")), project_pod(pod("b"))], "10")])
    changes = state.apply([Reset("pods", [project_pod(pod("b")), project_pod(pod("c"))], "20")])
    assert set(state.rows["pods"]) == {"emrtask-prod/b", "emrtask-prod/c"}
    assert changes.kinds["pods"].reset
    assert state.pods_per_node["node-1"] == 2


def test_upsert_and_delete_track_pods_per_node():
    state = ClusterState("emrtask-prod")
    state.apply([Upsert("pods", project_pod(pod("a", node="n1"))), Upsert("pods", project_pod(pod("b", node="n1")))])
    changes = state.apply([Delete("pods", "emrtask-prod/a"), Upsert("pods", project_pod(pod("b", node="n2")))])
    assert changes.kinds["pods"].deleted == {"emrtask-prod/a"} and changes.kinds["pods"].upserted == {"emrtask-prod/b"}
    assert dict(state.pods_per_node) == {"n2": 1}


def test_observations_are_made_once_per_occurrence():
    seen = []
    state = ClusterState("emrtask-prod")
    state.add_observer(lambda key, text, details: seen.append((key, text, details)))
    crash = project_pod(pod("t", waiting="CrashLoopBackOff", restarts=3))
    state.apply([Upsert("pods", project_pod(pod("t")))])
    state.apply([Upsert("pods", crash)])
    state.apply([Reset("pods", [crash], "5")])  # a relist sees it again: same key, no new entry
    state.apply([Upsert("nodes", project_node(node("n", ready=False, since="2026-01-01T01:00:00Z")))])
    state.apply([Upsert("nodes", project_node(node("n", ready=False, since="2026-01-01T01:00:00Z")))])
    keys = [k for k, _, _ in seen]
    assert keys == ["pod/emrtask-prod/t/uid-t/CrashLoopBackOff", "node/n/NotReady/2026-01-01T01:00:00Z"]
    assert "CrashLoopBackOff" in seen[0][1] and seen[0][2]["restarts"] == 3
    # A later observer gets what was already seen.
    late = []
    state.add_observer(lambda key, text, details: late.append(key))
    assert late == keys


def test_warning_burst_is_one_observation():
    seen = []
    state = ClusterState("emrtask-prod", burst_threshold=5, burst_window=60)
    state.add_observer(lambda key, text, details: seen.append(key))
    state.apply([Upsert("events", project_event(warning(f"e{i}"))) for i in range(12)])
    assert len(seen) == 1 and seen[0].startswith("events/emrtask-prod/warning-burst/")


def test_connection_summary_for_the_header():
    from irtui.kube.state import SourceStatus, Status

    state = ClusterState("ns")
    for kind in ("pods", "nodes", "events"):
        state.apply([Status(kind, SourceStatus(STALE, "connection refused", last_ok=1.0))])
    assert state.connection() == ("unreachable", "connection refused")
    state.apply([Status("nodes", SourceStatus(FORBIDDEN, "403 Forbidden"))])
    assert state.connection()[0] == "unreachable"


def test_change_buffer_wakes_once_per_burst():
    wakes = []
    buffer = ChangeBuffer(wake=lambda: wakes.append(1))
    threads = [threading.Thread(target=lambda: [buffer.put(i) for i in range(1000)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(buffer.drain()) == 4000 and len(wakes) >= 1 and len(wakes) < 4000
    buffer.put("x")
    assert len(wakes) >= 2 and buffer.drain() == ["x"]


def test_backoff_is_capped_and_jittered():
    backoff = Backoff(base=0.5, cap=8, rng=lambda: 1.0)
    assert [backoff.next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    low = Backoff(base=0.5, cap=8, rng=lambda: 0.0)
    assert low.next() == 0.25
    backoff.reset()
    assert backoff.next() == 0.5


def test_http_errors_say_what_went_wrong():
    err = http_error(403, b'{"kind":"Status","message":"nodes is forbidden: User \\"viewer\\" cannot list"}')
    assert err.state == FORBIDDEN and err.reason.startswith("403 Forbidden: nodes is forbidden")
    assert http_error(401, b"").state == UNAUTHORIZED
    assert http_error(503, b"oops").state == STALE
    assert network_reason(ConnectionRefusedError(111, "Connection refused")) == "connection refused"
