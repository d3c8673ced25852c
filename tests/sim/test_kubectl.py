"""The real kubectl against the simulator: the commands an incident responder types behave as
on a real cluster, and the state they leave is what `-o json` reports afterwards.

One simulator serves the module; each test acts on a different workload.
"""

from __future__ import annotations

import json

import pytest

from api_helpers import NS, advance
from polling import until_sync


@pytest.fixture(scope="module")
def sim(module_sim):
    return module_sim


def _json(sim, *args: str) -> dict:
    return json.loads(sim.kubectl(*args, "-o", "json").stdout)


def _header(output: str) -> list[str]:
    return output.splitlines()[0].split()


def test_get_pods_prints_the_usual_columns(sim):
    out = sim.kubectl("get", "pods", "-n", NS).stdout
    assert _header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert "postgres-0" in rows and rows["postgres-0"][1:3] == ["1/1", "Running"]
    assert any(name.startswith("task-service-") for name in rows)
    wide = sim.kubectl("get", "pods", "-o", "wide").stdout.splitlines()[0]
    assert "NOMINATED NODE" in wide and "READINESS GATES" in wide and " NODE " in wide


def test_get_nodes_and_deployments(sim):
    nodes = sim.kubectl("get", "nodes").stdout
    assert _header(nodes) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert all(line.split()[1] == "Ready" for line in nodes.splitlines()[1:])
    deploys = sim.kubectl("get", "deploy").stdout
    assert _header(deploys) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    names = {line.split()[0] for line in deploys.splitlines()[1:]}
    assert names >= {"api-gateway", "task-service", "emr-service", "sync-service", "handover-service"}
    sts = sim.kubectl("get", "statefulsets").stdout
    assert {line.split()[0] for line in sts.splitlines()[1:]} >= {"postgres", "postgres-replica"}


def test_describe_pod_shows_containers_conditions_and_events(sim):
    out = sim.kubectl("describe", "pod", "postgres-0").stdout
    for heading in ("Name:", "Namespace:", "Node:", "Status:", "Containers:", "Conditions:", "Events:"):
        assert heading in out, heading
    assert "postgres-0" in out and NS in out


def test_logs_and_top(sim):
    pod = _json(sim, "get", "pods", "-l", "app=api-gateway")["items"][0]["metadata"]["name"]
    logs = sim.kubectl("logs", pod, "--tail=3").stdout.splitlines()
    assert len(logs) == 3
    previous = sim.kubectl("logs", pod, "--previous", check=False)
    assert previous.returncode != 0 and "previous terminated container" in previous.stderr
    top = sim.kubectl("top", "pods").stdout
    assert _header(top) == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert pod in top
    assert "CPU(%)" in sim.kubectl("top", "nodes").stdout


def test_scale_changes_the_deployment_and_its_pods(sim):
    sim.kubectl("scale", "deployment/task-service", "--replicas=5")
    assert _json(sim, "get", "deploy", "task-service")["spec"]["replicas"] == 5
    advance(sim, 30)
    until_sync(lambda: _json(sim, "get", "deploy", "task-service")["status"].get("readyReplicas") == 5,
               what="task-service to have 5 ready replicas")
    running = [p for p in _json(sim, "get", "pods", "-l", "app=task-service")["items"]
               if p["status"]["phase"] == "Running" and not p["metadata"].get("deletionTimestamp")]
    assert len(running) == 5


def test_rollout_restart_then_undo(sim):
    before = _json(sim, "get", "rs", "-l", "app=api-gateway")["items"]
    live_before = {r["metadata"]["name"] for r in before if r["spec"]["replicas"] > 0}
    out = sim.kubectl("rollout", "restart", "deployment/api-gateway").stdout
    assert "restarted" in out
    deploy = _json(sim, "get", "deploy", "api-gateway")
    assert "kubectl.kubernetes.io/restartedAt" in deploy["spec"]["template"]["metadata"]["annotations"]
    advance(sim, 120)
    sim.kubectl("rollout", "status", "deployment/api-gateway", "--timeout=60s")
    after = _json(sim, "get", "rs", "-l", "app=api-gateway")["items"]
    live_after = {r["metadata"]["name"] for r in after if r["spec"]["replicas"] > 0}
    assert live_after and live_after.isdisjoint(live_before)
    pods = _json(sim, "get", "pods", "-l", "app=api-gateway")["items"]
    hashes = {p["metadata"]["labels"]["pod-template-hash"] for p in pods if not p["metadata"].get("deletionTimestamp")}
    assert {f"api-gateway-{h}" for h in hashes} == live_after

    sim.kubectl("rollout", "undo", "deployment/api-gateway")
    advance(sim, 120)
    sim.kubectl("rollout", "status", "deployment/api-gateway", "--timeout=60s")
    undone = _json(sim, "get", "rs", "-l", "app=api-gateway")["items"]
    # Undo goes back to the old template, so the old ReplicaSet is scaled up again.
    assert {r["metadata"]["name"] for r in undone if r["spec"]["replicas"] > 0} == live_before
    deploy = _json(sim, "get", "deploy", "api-gateway")
    assert "kubectl.kubernetes.io/restartedAt" not in (deploy["spec"]["template"]["metadata"].get("annotations") or {})


def test_force_delete_pod_is_immediate_and_the_pod_is_replaced(sim):
    pods = _json(sim, "get", "pods", "-l", "app=emr-service")["items"]
    victim = pods[0]["metadata"]["name"]
    result = sim.kubectl("delete", "pod", victim, "--grace-period=0", "--force")
    assert f'pod "{victim}" force deleted' in result.stdout
    missing = sim.kubectl("get", "pod", victim, check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr
    advance(sim, 30)
    until_sync(lambda: len([p for p in _json(sim, "get", "pods", "-l", "app=emr-service")["items"]
                            if p["status"]["phase"] == "Running"]) == len(pods), what="a replacement pod")
    assert victim not in {p["metadata"]["name"] for p in _json(sim, "get", "pods", "-l", "app=emr-service")["items"]}


def test_auth_can_i_and_viewer_refusal(sim):
    assert sim.kubectl("auth", "can-i", "delete", "pods").stdout.strip() == "yes"
    viewer = sim.kubectl("auth", "can-i", "delete", "pods", context="sim-viewer", check=False)
    assert viewer.returncode == 1 and viewer.stdout.strip() == "no"
    assert sim.kubectl("auth", "can-i", "list", "pods", context="sim-viewer").stdout.strip() == "yes"
    limited = sim.kubectl("auth", "can-i", "list", "nodes", context="sim-limited", check=False)
    assert limited.stdout.strip() == "no"

    refused = sim.kubectl("delete", "pod", "postgres-0", context="sim-viewer", check=False)
    assert refused.returncode != 0 and "Forbidden" in refused.stderr
    assert "deletionTimestamp" not in _json(sim, "get", "pod", "postgres-0")["metadata"]
    refused = sim.kubectl("scale", "statefulset/postgres", "--replicas=0", context="sim-viewer", check=False)
    assert refused.returncode != 0 and "forbidden" in refused.stderr.lower()
    assert _json(sim, "get", "sts", "postgres")["spec"]["replicas"] == 1
    nodes = sim.kubectl("get", "nodes", context="sim-limited", check=False)
    assert nodes.returncode != 0 and "forbidden" in nodes.stderr.lower()


def test_dry_run_server_is_audited_and_changes_nothing(sim):
    out = sim.kubectl("scale", "deployment/sync-service", "--replicas=7", "--dry-run=server").stdout
    assert "scaled (server dry run)" in out
    assert _json(sim, "get", "deploy", "sync-service")["spec"]["replicas"] == 2
    dry = [a for a in sim.audit() if a["dry_run"] and "sync-service" in a["path"]]
    assert dry and dry[-1]["verb"] in ("patch", "update") and dry[-1]["status"] == 200


def test_create_configmap_and_secret_sent_as_protobuf(sim):
    # kubectl's typed client sends these bodies as protobuf, not JSON.
    sim.kubectl("create", "configmap", "kubectl-made", "--from-literal=key=value")
    sim.kubectl("create", "secret", "generic", "kubectl-secret", "--from-literal=password=s3cret")
    assert _json(sim, "get", "configmap", "kubectl-made")["data"] == {"key": "value"}
    secret = _json(sim, "get", "secret", "kubectl-secret")
    assert secret["type"] == "Opaque" and secret["data"] == {"password": "czNjcmV0"}
    create = [a for a in sim.audit() if a["verb"] == "create" and a["resource"] in ("configmaps", "secrets")]
    assert {a["status"] for a in create} == {201}
