"""The simulated world's controllers, driven in-process through the real Store and SimClock.

The clock runs at speed 0 so only `advance` moves time, which makes every run deterministic.
Writes that the API server would make (a PATCH of a deployment, a graceful DELETE) are made
here the way the server makes them: through the store.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from irtui.kube.printers import node_status, pod_summary
from irtui.sim.clock import SimClock
from irtui.sim.objects import PLATFORM_NS, format_time
from irtui.sim.store import Store
from irtui.sim.world import World

NS = PLATFORM_NS


class Harness:
    def __init__(self, **kwargs):
        self.clock = SimClock(speed=0, start=datetime(2026, 3, 2, 14, 23, tzinfo=timezone.utc))
        self.store = Store(self.clock)
        self.world = World(self.store, self.clock, seed=7, **kwargs)
        self.world.seed()

    def advance(self, seconds: float, step: float = 1.0) -> None:
        while seconds > 1e-9:
            dt = min(step, seconds)
            self.clock.advance(dt)
            self.world.tick(dt)
            seconds -= dt

    def pods(self, prefix: str = "", ns: str = NS) -> list[dict]:
        return [p for p in self.store.list("pods", ns) if p["metadata"]["name"].startswith(prefix)]

    def statuses(self, prefix: str) -> list[str]:
        return [pod_summary(p).status for p in self.pods(prefix)]

    def deployment(self, name: str) -> dict:
        return self.store.get("deployments", NS, name)

    def patch_template(self, name: str, change) -> None:
        d = copy.deepcopy(self.deployment(name))
        change(d["spec"]["template"])
        self.store.update("deployments", d)

    def rollout_restart(self, name: str) -> None:
        stamp = format_time(self.clock.now())
        self.patch_template(name, lambda t: t["metadata"].setdefault("annotations", {}).__setitem__(
            "kubectl.kubernetes.io/restartedAt", stamp))

    def scale(self, name: str, replicas: int) -> None:
        d = copy.deepcopy(self.deployment(name))
        d["spec"]["replicas"] = replicas
        self.store.update("deployments", d)

    def delete_pod(self, name: str, grace: int | None = None) -> None:
        """What the API server does on DELETE: mark it, or with grace 0 remove it."""
        pod = copy.deepcopy(self.store.get("pods", NS, name))
        grace = pod["spec"].get("terminationGracePeriodSeconds", 30) if grace is None else grace
        if grace == 0:
            self.store.delete("pods", NS, name)
            return
        pod["metadata"]["deletionTimestamp"] = format_time(self.clock.now() + timedelta(seconds=grace))
        pod["metadata"]["deletionGracePeriodSeconds"] = grace
        self.store.update("pods", pod)

    def rollout_complete(self, name: str) -> bool:
        """`kubectl rollout status`'s test for a finished rollout."""
        d = self.deployment(name)
        st = d.get("status") or {}
        want = d["spec"]["replicas"]
        return (st.get("observedGeneration", 0) >= d["metadata"]["generation"]
                and st.get("updatedReplicas", 0) == want and st.get("replicas", 0) == want
                and st.get("availableReplicas", 0) == want)

    def events(self, reason: str, name_prefix: str = "") -> list[dict]:
        return [e for e in self.store.list("events", NS)
                if e["reason"] == reason and e["involvedObject"]["name"].startswith(name_prefix)]

    def health(self, service: str) -> tuple[int, str]:
        code, _, body = self.world.service_endpoint(NS, service, "3000", "/health")
        return code, body

    def replicasets(self, deploy: str) -> list[dict]:
        return [rs for rs in self.store.list("replicasets", NS) if rs["metadata"]["name"].startswith(deploy + "-")]


@pytest.fixture
def h():
    harness = Harness()
    yield harness
    assert harness.world.errors == 0, "a controller step raised (traceback on stderr)"


def revision(obj: dict) -> int:
    return int(obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"])


def test_seeded_platform_is_running_and_shaped_like_kubernetes(h):
    deploys = {d["metadata"]["name"]: d for d in h.store.list("deployments", NS)}
    assert set(deploys) == {"api-gateway", "task-service", "emr-service", "sync-service", "handover-service"}
    assert {s["metadata"]["name"] for s in h.store.list("statefulsets", NS)} == {"postgres", "postgres-replica"}
    for name, d in deploys.items():
        assert h.rollout_complete(name)
        assert revision(d) == 3
        assert [c["reason"] for c in d["status"]["conditions"]] == ["MinimumReplicasAvailable", "NewReplicaSetAvailable"]
        rss = h.replicasets(name)
        assert sorted(revision(rs) for rs in rss) == [1, 2, 3]
        live = max(rss, key=revision)
        assert live["metadata"]["name"] == f"{name}-{live['metadata']['labels']['pod-template-hash']}"
        assert live["metadata"]["ownerReferences"][0]["controller"] is True
    for pod in h.pods():
        summary = pod_summary(pod)
        assert (summary.ready, summary.status) == ("1/1", "Running")
        cs = pod["status"]["containerStatuses"][0]
        assert cs["containerID"].startswith("containerd://") and "@sha256:" in cs["imageID"]
        assert {c["type"] for c in pod["status"]["conditions"]} >= {"Initialized", "Ready", "ContainersReady",
                                                                    "PodScheduled"}
        assert pod["status"]["podIP"] and pod["status"]["hostIP"] and pod["spec"]["nodeName"]
    assert h.store.get("pods", NS, "postgres-0")["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    nodes = h.store.list("nodes")
    assert len(nodes) == 4 and all(node_status(n) == "Ready" for n in nodes)
    types = {c["type"] for c in nodes[0]["status"]["conditions"]}
    assert types == {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"}
    assert nodes[0]["status"]["nodeInfo"]["kubeletVersion"].startswith("v1.29")
    assert nodes[0]["status"]["allocatable"]["pods"] == "58"
    # One seeded pod has an old OOM restart, so --previous has something to show.
    restarted = [p for p in h.pods("sync-service") if pod_summary(p).restarts]
    assert restarted and "heap out of memory" in h.world.pod_logs(NS, restarted[0]["metadata"]["name"],
                                                                  "sync-service", previous=True)[-1]


def test_rollout_restart_rolls_pods_through_a_new_replicaset(h):
    before = {p["metadata"]["name"] for p in h.pods("task-service")}
    h.rollout_restart("task-service")
    h.advance(2)
    d = h.deployment("task-service")
    assert not h.rollout_complete("task-service")
    assert d["status"]["conditions"][1]["reason"] in ("NewReplicaSetCreated", "ReplicaSetUpdated")
    rss = sorted(h.replicasets("task-service"), key=revision)
    assert revision(rss[-1]) == 4 and revision(d) == 4
    # maxSurge 25% of 3 rounds up to 1, maxUnavailable rounds down to 0: never fewer than 3 ready.
    for _ in range(60):
        h.advance(1)
        ready = sum(1 for p in h.pods("task-service") if pod_summary(p).ready == "1/1"
                    and not p["metadata"].get("deletionTimestamp"))
        assert ready >= 3
        assert len([p for p in h.pods("task-service") if not p["metadata"].get("deletionTimestamp")]) <= 4
    assert h.rollout_complete("task-service")
    assert h.deployment("task-service")["status"]["conditions"][1]["reason"] == "NewReplicaSetAvailable"
    after = {p["metadata"]["name"] for p in h.pods("task-service")}
    assert len(after) == 3 and not after & before
    scaled = [e["message"] for e in h.events("ScalingReplicaSet", "task-service")]
    assert any(m.startswith(f"Scaled up replica set {rss[-1]['metadata']['name']} to 1") for m in scaled)
    for reason in ("Scheduled", "Pulling", "Pulled", "Created", "Started", "Killing", "SuccessfulCreate"):
        assert h.events(reason, "task-service"), reason


def test_rollout_undo_reuses_the_previous_replicaset_under_a_new_revision(h):
    old_rs = max(h.replicasets("api-gateway"), key=revision)
    h.patch_template("api-gateway", lambda t: t["spec"]["containers"][0].__setitem__(
        "image", "registry.emrtask.com/emrtask/api-gateway:2.7.2"))
    h.advance(60)
    assert h.rollout_complete("api-gateway") and revision(h.deployment("api-gateway")) == 4
    # kubectl rollout undo: the previous ReplicaSet's template, without its hash label.
    template = copy.deepcopy(h.store.get("replicasets", NS, old_rs["metadata"]["name"])["spec"]["template"])
    del template["metadata"]["labels"]["pod-template-hash"]
    d = copy.deepcopy(h.deployment("api-gateway"))
    d["spec"]["template"] = template
    h.store.update("deployments", d)
    h.advance(60)
    assert h.rollout_complete("api-gateway")
    reused = h.store.get("replicasets", NS, old_rs["metadata"]["name"])
    assert revision(reused) == 5 and reused["spec"]["replicas"] == 3
    assert revision(h.deployment("api-gateway")) == 5
    assert len(h.replicasets("api-gateway")) == 4
    assert all(p["spec"]["containers"][0]["image"].endswith(":2.7.1") for p in h.pods("api-gateway"))


def test_scaling_adds_and_removes_pods(h):
    h.scale("emr-service", 5)
    h.advance(20)
    assert h.statuses("emr-service").count("Running") == 5 and h.rollout_complete("emr-service")
    h.scale("emr-service", 1)
    h.advance(1)
    assert h.statuses("emr-service").count("Terminating") == 4
    h.advance(10)
    assert h.statuses("emr-service") == ["Running"]
    assert h.deployment("emr-service")["status"]["replicas"] == 1
    assert h.events("SuccessfulDelete", "emr-service")


def test_deleted_pods_are_replaced_and_statefulset_pods_keep_their_name(h):
    victim = h.pods("handover-service")[0]["metadata"]["name"]
    h.delete_pod(victim)
    h.advance(0.5)
    assert pod_summary(h.store.get("pods", NS, victim)).status == "Terminating"
    assert h.events("Killing", victim)
    pending = [p for p in h.pods("handover-service") if p["metadata"]["name"] != victim]
    assert len(pending) == 2  # the replacement exists while the old pod terminates
    h.advance(15)
    assert h.store.get("pods", NS, victim) is None
    assert h.statuses("handover-service") == ["Running", "Running"]

    forced = h.pods("sync-service")[0]["metadata"]["name"]
    h.delete_pod(forced, grace=0)
    h.advance(0.1)
    fresh = [p for p in h.pods("sync-service") if pod_summary(p).status != "Running"]
    assert fresh and pod_summary(fresh[0]).status in ("Pending", "ContainerCreating")
    h.advance(15)
    assert h.statuses("sync-service") == ["Running", "Running"]

    uid = h.store.get("pods", NS, "postgres-0")["metadata"]["uid"]
    h.delete_pod("postgres-0")
    h.advance(30)
    pod = h.store.get("pods", NS, "postgres-0")
    assert pod["metadata"]["uid"] != uid and pod_summary(pod).status == "Running"
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "postgres-0"


def test_pod_lifecycle_passes_through_pending_and_container_creating(h):
    h.scale("handover-service", 3)
    h.advance(0.05)
    new = [p for p in h.pods("handover-service") if not p["spec"].get("nodeName")]
    assert new and pod_summary(new[0]).status == "Pending" and new[0]["status"]["phase"] == "Pending"
    name = new[0]["metadata"]["name"]
    seen = []
    for _ in range(100):
        h.advance(0.1)
        seen.append(pod_summary(h.store.get("pods", NS, name)).status)
    assert seen[0] in ("Pending", "ContainerCreating") and "ContainerCreating" in seen and seen[-1] == "Running"
    pod = h.store.get("pods", NS, name)
    assert pod["status"]["containerStatuses"][0]["started"] is True and pod["status"]["startTime"]


def test_cordoned_nodes_get_no_new_pods_and_a_full_cordon_leaves_pods_pending(h):
    nodes = h.store.list("nodes")
    for node in nodes[1:]:
        node = copy.deepcopy(node)
        node["spec"]["unschedulable"] = True
        h.store.update("nodes", node)
    assert node_status(h.store.get("nodes", None, nodes[1]["metadata"]["name"])) == "Ready,SchedulingDisabled"
    h.scale("handover-service", 4)
    h.advance(20)
    new = [p for p in h.pods("handover-service") if p["status"]["phase"] == "Running"]
    assert {p["spec"]["nodeName"] for p in new[-2:]} <= {p["spec"]["nodeName"] for p in new}
    placed = [p["spec"]["nodeName"] for p in h.pods("handover-service")]
    assert placed.count(nodes[0]["metadata"]["name"]) >= 2
    first = copy.deepcopy(h.store.get("nodes", None, nodes[0]["metadata"]["name"]))
    first["spec"]["unschedulable"] = True
    h.store.update("nodes", first)
    h.scale("handover-service", 5)
    h.advance(5)
    pending = [p for p in h.pods("handover-service") if p["status"]["phase"] == "Pending"]
    assert len(pending) == 1
    assert pending[0]["status"]["conditions"][0]["reason"] == "Unschedulable"
    assert "were unschedulable" in h.events("FailedScheduling", "handover-service")[0]["message"]
    first = copy.deepcopy(h.store.get("nodes", None, nodes[0]["metadata"]["name"]))
    first["spec"]["unschedulable"] = False
    h.store.update("nodes", first)
    h.advance(15)
    assert h.statuses("handover-service").count("Running") == 5


def test_crashloop_backs_off_and_only_the_root_cause_fix_heals_it(h):
    h.world.start_scenario("crashloop-task-service")
    h.advance(30)
    assert set(h.statuses("task-service")) <= {"Error", "CrashLoopBackOff", "Running"}
    restarts = []
    backoff_counts = []
    for _ in range(8):
        h.advance(60)
        restarts.append(max(pod_summary(p).restarts for p in h.pods("task-service")))
        backoff_counts.append(max(e["count"] for e in h.events("BackOff", "task-service")))
    assert restarts == sorted(restarts) and restarts[-1] >= 4
    # Back-off doubles (10, 20, 40, 80, 160, 300 s): restarts slow down rather than keep pace.
    assert restarts[-1] - restarts[-4] < restarts[3] - restarts[0] + 2
    assert backoff_counts == sorted(backoff_counts) and backoff_counts[-1] >= 4
    pod = h.pods("task-service")[0]
    cs = pod["status"]["containerStatuses"][0]
    assert cs["lastState"]["terminated"]["exitCode"] == 1 and cs["lastState"]["terminated"]["finishedAt"]
    assert pod_summary(pod).ready == "0/1"
    previous = "\n".join(h.world.pod_logs(NS, pod["metadata"]["name"], "task-service", previous=True))
    assert "Knex: Timeout acquiring a connection. The pool is probably full." in previous
    code, body = h.health("task-service")
    assert code == 503 and "no endpoints available" in body
    assert h.health("api-gateway")[0] == 200 and "degraded" in h.health("api-gateway")[1]
    conditions = {c["type"]: c for c in h.deployment("task-service")["status"]["conditions"]}
    # Crashing pods after a finished rollout: unavailable, but not a rollout in progress.
    assert conditions["Available"]["status"] == "False"
    assert conditions["Progressing"]["reason"] == "NewReplicaSetAvailable"

    h.rollout_restart("task-service")
    h.advance(120)
    assert "Running" not in [pod_summary(p).status for p in h.pods("task-service")
                             if pod_summary(p).ready == "1/1"]
    assert h.health("task-service")[0] == 503

    h.delete_pod("postgres-0")
    h.advance(400)
    assert h.world.scenarios()["active"] == []
    assert h.statuses("task-service") == ["Running"] * 3
    assert all(pod_summary(p).ready == "1/1" for p in h.pods("task-service"))
    assert h.health("task-service")[0] == 200


def test_crashloop_heals_when_the_scenario_stops(h):
    h.world.start_scenario("crashloop-task-service")
    h.advance(200)
    h.world.stop_scenario("crashloop-task-service")
    h.advance(400)
    assert h.statuses("task-service") == ["Running"] * 3
    assert h.health("task-service")[0] == 200


def test_node_notready_marks_pods_unready_then_evicts_and_heals(h):
    h.world.start_scenario("node-notready")
    name = h.world._active["node-notready"].node
    victims = [p["metadata"]["name"] for p in h.pods() if p["spec"]["nodeName"] == name]
    assert victims and "postgres-0" not in victims
    h.advance(45)
    node = h.store.get("nodes", None, name)
    assert node_status(node) == "NotReady"
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
    assert {(t["key"], t["effect"]) for t in node["spec"]["taints"]} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
    assert [e for e in h.store.list("events", "default") if e["reason"] == "NodeNotReady"] or \
        any(e["reason"] == "NodeNotReady" for e in h.store.list("events"))
    for v in victims:
        pod = h.store.get("pods", NS, v)
        assert pod_summary(pod).ready == "0/1"
        assert next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")["status"] == "False"
    h.advance(310)
    for v in victims:
        assert pod_summary(h.store.get("pods", NS, v)).status == "Terminating"
    h.advance(30)
    for deploy in {v.rsplit("-", 2)[0] for v in victims if not v.startswith("postgres")}:
        live = [p for p in h.pods(deploy) if not p["metadata"].get("deletionTimestamp")]
        assert all(p["spec"]["nodeName"] != name and pod_summary(p).ready == "1/1" for p in live)
    h.world.stop_scenario("node-notready")
    h.advance(10)
    assert node_status(h.store.get("nodes", None, name)) == "Ready"
    assert not h.store.get("nodes", None, name)["spec"].get("taints")
    assert all(h.store.get("pods", NS, v) is None for v in victims)


def test_emr_failure_is_mitigated_by_fallback_mode(h):
    h.world.start_scenario("emr-integration-failure")
    h.advance(120)
    code, body = h.health("emr-service")
    assert code == 503 and "EMR upstream unavailable" in body
    logs = "\n".join(h.world.pod_logs(NS, h.pods("emr-service")[0]["metadata"]["name"], "emr-service"))
    assert "OAuth token refresh failed" in logs and "FHIR request failed" in logs
    h.rollout_restart("emr-service")
    h.advance(60)
    assert h.health("emr-service")[0] == 503

    def fallback(template):
        template["spec"]["containers"][0]["env"].append({"name": "EMR_FALLBACK_MODE", "value": "true"})
    h.patch_template("emr-service", fallback)
    h.advance(60)
    assert h.rollout_complete("emr-service")
    code, body = h.health("emr-service")
    assert code == 200 and '"degraded"' in body
    h.world.stop_scenario("emr-integration-failure")
    assert h.health("emr-service")[0] == 200


def test_complete_outage_needs_the_database_restarted(h):
    h.world.start_scenario("complete-outage")
    h.advance(30)
    assert pod_summary(h.store.get("pods", NS, "postgres-0")).ready == "0/1"
    for svc in ("task-service", "sync-service", "handover-service", "emr-service", "api-gateway"):
        assert h.health(svc)[0] == 503, svc
    assert h.events("Unhealthy", "postgres-0")
    h.rollout_restart("task-service")
    h.advance(60)
    assert h.health("task-service")[0] == 503
    h.delete_pod("postgres-0")
    h.advance(40)
    assert pod_summary(h.store.get("pods", NS, "postgres-0")).ready == "1/1"
    for svc in ("task-service", "sync-service", "handover-service", "emr-service", "api-gateway"):
        assert h.health(svc)[0] == 200, svc
    assert "complete-outage" not in h.world.scenarios()["active"]


def test_database_failure_fails_over_to_the_replica(h):
    h.world.start_scenario("database-failure")
    h.advance(120)
    assert pod_summary(h.store.get("pods", NS, "postgres-0")).status in ("CrashLoopBackOff", "Error")
    assert "could not locate a valid checkpoint record" in "\n".join(
        h.world.pod_logs(NS, "postgres-0", "postgres", previous=True))
    assert h.health("task-service")[0] == 503
    cm = copy.deepcopy(h.store.get("configmaps", NS, "postgres-config"))
    cm["data"]["DB_HOST"] = "postgres-replica"
    h.store.update("configmaps", cm)
    h.rollout_restart("task-service")
    h.advance(60)
    assert h.health("task-service")[0] == 200


def test_bad_deploy_sticks_in_image_pull_backoff_until_undone(h):
    h.world.start_scenario("bad-deploy")
    h.advance(60)
    statuses = h.statuses("api-gateway")
    assert statuses.count("Running") == 3 and set(statuses) - {"Running"} <= {"ErrImagePull", "ImagePullBackOff"}
    assert len(statuses) == 4
    assert not h.rollout_complete("api-gateway")
    h.advance(600)
    assert h.deployment("api-gateway")["status"]["conditions"][1]["reason"] == "ProgressDeadlineExceeded"
    previous = max((rs for rs in h.replicasets("api-gateway") if rs["spec"]["replicas"] == 3), key=revision)
    template = copy.deepcopy(previous["spec"]["template"])
    del template["metadata"]["labels"]["pod-template-hash"]
    d = copy.deepcopy(h.deployment("api-gateway"))
    d["spec"]["template"] = template
    h.store.update("deployments", d)
    h.advance(30)
    assert h.rollout_complete("api-gateway") and h.statuses("api-gateway") == ["Running"] * 3
    assert "bad-deploy" not in h.world.scenarios()["active"]


def test_metrics_follow_the_clock_and_reset_when_the_process_restarts(h):
    from prometheus_client.parser import text_string_to_metric_families

    def scrape(service):
        code, content_type, text = h.world.service_endpoint(NS, service, "metrics", "/metrics")
        assert code == 200 and content_type.startswith("text/plain")
        return {f.name: f for f in text_string_to_metric_families(text)}

    def total(families, name, **labels):
        return sum(s.value for s in families[name].samples
                   if s.name == name + "_total" and all(s.labels.get(k) == v for k, v in labels.items()))

    first = scrape("api-gateway")
    h.advance(30)
    second = scrape("api-gateway")
    grown = total(second, "http_requests", service="api-gateway") - total(first, "http_requests", service="api-gateway")
    assert 30 * 20 < grown < 30 * 400
    hist = second["http_request_duration_seconds"].samples
    buckets = [s.value for s in hist if s.name.endswith("_bucket")]
    assert buckets == sorted(buckets)
    count = next(s.value for s in hist if s.name.endswith("_count"))
    assert buckets[-1] == count
    assert "db_pool_connections_in_use" in scrape("task-service")
    before = total(second, "http_request_errors", service="api-gateway")
    h.world.start_scenario("crashloop-task-service")
    h.advance(60)
    third = scrape("api-gateway")
    assert total(third, "http_request_errors", service="api-gateway") - before > 60 * 20
    h.world.stop_scenario("crashloop-task-service")
    h.rollout_restart("api-gateway")
    h.advance(60)
    assert total(scrape("api-gateway"), "http_requests", service="api-gateway") < total(third, "http_requests")


def test_events_aggregate_and_expire_after_an_hour(h):
    h.world.start_scenario("crashloop-task-service")
    h.advance(300)
    backoffs = h.events("BackOff", "task-service")
    assert len(backoffs) == 3 and all(e["count"] >= 3 for e in backoffs)
    e = backoffs[0]
    assert e["type"] == "Warning" and e["source"]["component"] == "kubelet" and e["reportingComponent"] == "kubelet"
    assert e["involvedObject"]["fieldPath"] == "spec.containers{task-service}"
    assert e["firstTimestamp"] < e["lastTimestamp"]
    h.world.stop_scenario("crashloop-task-service")
    h.rollout_restart("sync-service")
    h.advance(60)
    assert h.events("ScalingReplicaSet", "sync-service")
    h.advance(3900, step=10)
    assert not h.events("ScalingReplicaSet") and not h.events("BackOff")


def test_usage_metrics_are_plausible_and_nodes_sum_their_pods(h):
    pods = h.world.pod_metrics(NS)
    assert len(pods) == 14
    item = pods[0]
    assert item["apiVersion"] == "metrics.k8s.io/v1beta1" and item["window"]
    usage = item["containers"][0]["usage"]
    assert usage["cpu"].endswith("m") and usage["memory"].endswith("Mi")
    nodes = h.world.node_metrics()
    assert len(nodes) == 4
    pod_cpu = sum(int(c["usage"]["cpu"][:-1]) for p in pods for c in p["containers"])
    node_cpu = sum(int(n["usage"]["cpu"][:-1]) for n in nodes)
    assert node_cpu > pod_cpu
    h.advance(600)
    assert h.world.pod_metrics(NS)[0]["containers"][0]["usage"] != usage


def test_logs_need_a_started_container_and_previous_needs_a_restart(h):
    name = h.pods("api-gateway")[0]["metadata"]["name"]
    lines = h.world.pod_logs(NS, name, "api-gateway")
    assert lines and all(line.startswith("{") for line in lines)
    assert h.world.pod_logs(NS, name, "api-gateway") == lines
    with pytest.raises(KeyError):
        h.world.pod_logs(NS, name, "api-gateway", previous=True)
    with pytest.raises(KeyError):
        h.world.pod_logs(NS, "no-such-pod", "x")
    assert all(" UTC [" in line for line in h.world.pod_logs(NS, "postgres-0", "postgres"))


def test_filler_workloads_spread_over_extra_nodes_and_churn_flips_readiness():
    h = Harness(extra_pods=120, extra_nodes=6)
    filler = h.store.list("pods", "load-test")
    assert len(filler) == 120 and len(h.store.list("nodes")) == 10
    assert len({p["spec"]["nodeName"] for p in filler}) == 6
    rv = h.store.resource_version
    h.world.set_churn(200)
    h.advance(2, step=0.1)
    h.world.set_churn(0)
    assert h.store.resource_version - rv >= 300
    unready = [p for p in h.store.list("pods", "load-test") if pod_summary(p).ready == "0/1"]
    assert unready
    assert next(c for c in unready[0]["status"]["conditions"] if c["type"] == "Ready")["status"] == "False"


def test_a_deployment_created_by_a_client_gets_a_replicaset_and_pods(h):
    h.store.create("deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    h.store.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tmp", "namespace": "default"},
                            "spec": {"containers": [{"name": "tmp", "image": "busybox:1.36"}]}})
    h.advance(20)
    d = h.store.get("deployments", "default", "web")
    assert d["status"]["availableReplicas"] == 2 and revision(d) == 1
    rs = h.store.list("replicasets", "default")
    assert len(rs) == 1 and rs[0]["metadata"]["ownerReferences"][0]["uid"] == d["metadata"]["uid"]
    statuses = [pod_summary(p).status for p in h.store.list("pods", "default")]
    assert statuses == ["Running"] * 3


def test_a_one_shot_pod_completes(h):
    h.store.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "once", "namespace": NS},
                            "spec": {"restartPolicy": "Never",
                                     "containers": [{"name": "once", "image": "busybox:1.36",
                                                     "command": ["sh", "-c", "echo done"]}]}})
    h.advance(15)
    pod = h.store.get("pods", NS, "once")
    assert pod_summary(pod).status == "Completed" and pod["status"]["phase"] == "Succeeded"
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 0


def test_debug_logging_shows_after_a_rollout_with_log_level_debug(h):
    name = h.pods("task-service")[0]["metadata"]["name"]
    assert not any('"level":"debug"' in line for line in h.world.pod_logs(NS, name, "task-service"))

    def debug(template):
        for env in template["spec"]["containers"][0]["env"]:
            if env["name"] == "LOG_LEVEL":
                env["value"] = "debug"
    h.patch_template("task-service", debug)
    h.advance(120)
    assert h.rollout_complete("task-service")
    name = h.pods("task-service")[0]["metadata"]["name"]
    assert any('"level":"debug"' in line for line in h.world.pod_logs(NS, name, "task-service"))


def test_a_large_world_seeds_spreads_and_keeps_reconciling():
    h = Harness(extra_pods=2500, extra_nodes=50)
    filler = h.store.list("pods", "load-test")
    assert len(filler) == 2500 and len(h.store.list("deployments", "load-test")) == 50
    per_node: dict[str, int] = {}
    for p in filler:
        per_node[p["spec"]["nodeName"]] = per_node.get(p["spec"]["nodeName"], 0) + 1
    assert len(per_node) == 50 and max(per_node.values()) - min(per_node.values()) <= 1
    h.world.set_churn(500)
    h.advance(3, step=0.1)
    h.world.set_churn(0)
    h.advance(2, step=0.1)
    d = copy.deepcopy(h.store.get("deployments", "load-test", "load-0007"))
    d["spec"]["replicas"] = 60
    h.store.update("deployments", d)
    h.advance(10)
    pods = [p for p in h.store.list("pods", "load-test") if p["metadata"]["name"].startswith("load-0007-")]
    assert len(pods) == 60 and all(p["status"]["phase"] == "Running" for p in pods)
    status = h.store.get("deployments", "load-test", "load-0007")["status"]
    ready = sum(1 for p in pods if pod_summary(p).ready == "1/1")
    assert status["replicas"] == 60 and status.get("readyReplicas", 0) == ready
    assert h.world.errors == 0


def test_traffic_surge_is_fixed_by_scaling_out(h):
    def errors_per_second(seconds: float) -> float:
        def errors() -> float:
            return h.world.telemetry.stats["api-gateway"].errors
        before = errors()
        h.advance(seconds)
        after = errors()
        return (after - before) / seconds if after >= before else after / seconds

    calm = errors_per_second(30)
    h.world.start_scenario("traffic-surge")
    surged = errors_per_second(30)
    assert surged > 20 * max(calm, 1)
    code, body = h.health("api-gateway")
    assert code == 200 and "overloaded" in body
    h.rollout_restart("api-gateway")
    h.advance(60)
    assert errors_per_second(30) > 20 * max(calm, 1)
    h.scale("api-gateway", 8)
    h.advance(30)
    assert h.rollout_complete("api-gateway")
    assert errors_per_second(30) < surged / 10
    assert '"ok"' in h.health("api-gateway")[1]
