"""The simulated world: the cluster's contents and the control loops that keep them moving.

`World` seeds the platform of the runbook (namespace emrtask-prod, its five Deployments, the
postgres StatefulSets, Services, worker nodes, and optional filler for scale), and owns the
shared state its controllers work on (`scheduler`, `kubelet`, `node_lifecycle`, `workloads`, with
`events` to report through): a timer heap, dirty sets, and indices from owners and nodes to
pods, kept current by subscribing to the store. The API
server calls the public methods here (tick, logs, service proxy, metrics, scenarios, churn);
it never reaches into the controllers.

Cost model: `tick` pops due timers and reconciles only dirty objects, so an idle world of
10,000 pods costs next to nothing per tick.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import random
import traceback
from typing import Any, Callable

import orjson

from irtui.sim import objects as o
from irtui.sim.events import EventRecorder
from irtui.sim.kubelet import Kubelet
from irtui.sim.node_lifecycle import NodeLifecycle
from irtui.sim.pod_status import render_status
from irtui.sim.runtime import Container, NodeRT, PodRT, Run
from irtui.sim.scenarios import SCENARIOS, Faults, Scenario
from irtui.sim.scheduler import Scheduler
from irtui.sim.telemetry import Telemetry
from irtui.sim.workloads import Workloads

DAY = 86400.0
PLATFORM_NODES = [
    ("ip-10-0-1-23.ec2.internal", "10.0.1.23", "us-east-1a"),
    ("ip-10-0-2-117.ec2.internal", "10.0.2.117", "us-east-1b"),
    ("ip-10-0-3-52.ec2.internal", "10.0.3.52", "us-east-1c"),
    ("ip-10-0-1-201.ec2.internal", "10.0.1.201", "us-east-1a"),
]
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
FILLER_REPLICAS = 50
LARGE_WORLD = 2000


class World:
    def __init__(self, store, clock, *, seed: int = 0, extra_pods: int = 0, extra_nodes: int = 0):
        self.store = store
        self.clock = clock
        self.rng = random.Random(seed)
        self.extra_pods = max(0, int(extra_pods))
        self.extra_nodes = max(0, int(extra_nodes))
        self.seeded = False

        self.pods: dict[tuple[str, str], PodRT] = {}
        self.nodes: dict[str, NodeRT] = {}
        self.pools: dict[str | None, list[NodeRT]] = {}
        self.children: dict[str, set[str]] = {}  # owner uid -> pod names
        self.children_rs: dict[str, set[str]] = {}  # deployment uid -> ReplicaSet names
        self.app_pods: dict[tuple[str, str], set[str]] = {}
        self.filler_keys: list[tuple[str, str]] = []

        self.dirty_deploy: set[tuple[str, str]] = set()
        self.dirty_rs: set[tuple[str, str]] = set()
        self.dirty_sts: set[tuple[str, str]] = set()
        self._lazy_rs: set[tuple[str, str]] = set()
        self._timers: list[tuple[float, int, Callable, tuple]] = []
        self._seq = itertools.count()
        self._own = 0
        self._cursor = clock.time()
        self._churn_rate = 0.0
        self._churn_carry = 0.0
        self._deadline_checks: set[tuple[str, str]] = set()

        self.events = EventRecorder(self)
        self.scheduler = Scheduler(self)
        self.kubelet = Kubelet(self)
        self.node_ctl = NodeLifecycle(self)
        self.workloads = Workloads(self)
        self.faults = Faults(self)
        self.telemetry = Telemetry(self)
        self._active: dict[str, Scenario] = {}
        self.notes: list[str] = []
        self.replica_promoted = False  # `pg_ctl promote` / `pg_promote()` ran on postgres-replica
        self.errors = 0
        store.subscribe(self._on_change)

    # --- time and timers ---------------------------------------------------------------

    def now(self) -> float:
        return self.clock.time()

    def at(self, when: float, fn: Callable, *args: Any) -> None:
        heapq.heappush(self._timers, (when, next(self._seq), fn, args))

    def after(self, delay: float, fn: Callable, *args: Any) -> None:
        self.at(self.now() + delay, fn, *args)

    def every(self, interval: float, fn: Callable[[], None]) -> None:
        def run() -> None:
            fn()
            self.after(interval, run)
        self.after(interval, run)

    def tick(self, dt: float) -> None:
        """Run every timer that fell due, each at its own time, and reconcile what changed."""
        end = self.clock.time()
        cursor = min(self._cursor, end)
        timers = self._timers
        with self.clock.pinned(cursor):
            self._reconcile()
        while timers and timers[0][0] <= end:
            due, _, fn, args = heapq.heappop(timers)
            cursor = max(cursor, due)
            with self.clock.pinned(cursor):
                self._guarded(fn, *args)
                self._reconcile()
        self._cursor = end
        if self._churn_rate > 0 and dt > 0:
            self._churn(min(dt, 1.0))
            self._reconcile()

    def _reconcile(self) -> None:
        for _ in range(4):
            if not (self.dirty_deploy or self.dirty_rs or self.dirty_sts):
                return
            deploys, self.dirty_deploy = self.dirty_deploy, set()
            for ns, name in sorted(deploys):
                self._guarded(self.workloads.reconcile_deployment, ns, name)
            sets, self.dirty_rs = self.dirty_rs, set()
            for ns, name in sorted(sets):
                self._guarded(self.workloads.reconcile_rs, ns, name)
            stss, self.dirty_sts = self.dirty_sts, set()
            for ns, name in sorted(stss):
                self._guarded(self.workloads.reconcile_sts, ns, name)

    def _guarded(self, fn: Callable, *args: Any) -> None:
        """Run one controller step; a bug in one object's step must not stall all the others."""
        try:
            fn(*args)
        except Exception:
            self.errors += 1
            if self.errors <= 20:
                traceback.print_exc()

    def dirty_deploy_later(self, ns: str, name: str, delay: float) -> None:
        """Look at a stalled rollout again when its progress deadline may have passed."""
        key = (ns, name)
        if key in self._deadline_checks:
            return
        self._deadline_checks.add(key)

        def check() -> None:
            self._deadline_checks.discard(key)
            self.dirty_deploy.add(key)
        self.after(delay, check)

    # --- writing through the store ------------------------------------------------------

    def write(self, kind: str, obj: dict) -> dict:
        self._own += 1
        try:
            return self.store.update(kind, obj)
        finally:
            self._own -= 1

    def create(self, kind: str, obj: dict) -> dict:
        self._own += 1
        try:
            return self.store.create(kind, obj)
        finally:
            self._own -= 1

    def remove(self, kind: str, ns: str | None, name: str) -> None:
        self._own += 1
        try:
            self.store.delete(kind, ns, name)
        except Exception:  # already gone: a force delete raced us, which is fine
            pass
        finally:
            self._own -= 1

    def unique_name(self, ns: str, prefix: str) -> str:
        while True:
            name = prefix + "".join(self.rng.choice(o.SAFE_ALPHABET) for _ in range(5))
            if (ns, name) not in self.pods and self.store.get("pods", ns, name) is None:
                return name

    def note(self, text: str) -> None:
        self.notes.append(f"{o.format_time(self.now())} {text}")
        del self.notes[:-200]

    def promote_replica(self) -> None:
        """postgres-replica leaves recovery: it and its pods are labelled primary from now on."""
        self.replica_promoted = True
        ns, name = o.PLATFORM_NS, "postgres-replica"
        sts = self.store.get("statefulsets", ns, name)
        if sts is not None:
            labels = {**(sts["metadata"].get("labels") or {}), "app.kubernetes.io/component": "primary"}
            self.write("statefulsets", {**sts, "metadata": {**sts["metadata"], "labels": labels}})
        for pod_name in sorted(self.app_pods.get((ns, name), ())):
            pod = self.store.get("pods", ns, pod_name)
            if pod is not None:
                labels = {**(pod["metadata"].get("labels") or {}), "app.kubernetes.io/component": "primary"}
                self.write("pods", {**pod, "metadata": {**pod["metadata"], "labels": labels}})
        self.note(f"{name} promoted: it accepts writes")

    # --- indices, kept by watching the store -------------------------------------------

    def _on_change(self, kind: str, type_: str, obj: dict) -> None:
        own = self._own > 0
        if kind == "pods":
            self.kubelet.on_pod(type_, obj)
        elif kind == "replicasets":
            meta = obj["metadata"]
            owner = o.controller_of(obj)
            if owner and owner.get("kind") == "Deployment":
                names = self.children_rs.setdefault(owner["uid"], set())
                if type_ == "DELETED":
                    names.discard(meta["name"])
                else:
                    names.add(meta["name"])
                if not own:
                    self.dirty_deploy.add((meta["namespace"], owner["name"]))
            if not own and type_ != "DELETED":
                self.dirty_rs.add((meta["namespace"], meta["name"]))
            if type_ == "DELETED":
                self.children.pop(meta["uid"], None)
        elif kind == "deployments":
            meta = obj["metadata"]
            if type_ == "DELETED":
                self.children_rs.pop(meta["uid"], None)
            elif not own:
                self.dirty_deploy.add((meta["namespace"], meta["name"]))
        elif kind == "statefulsets":
            meta = obj["metadata"]
            if type_ == "DELETED":
                self.children.pop(meta["uid"], None)
            elif not own:
                self.dirty_sts.add((meta["namespace"], meta["name"]))
        elif kind == "nodes":
            self.node_ctl.on_node(type_, obj, own)
        elif kind == "configmaps" and type_ != "DELETED":
            self.faults.on_configmap(obj)

    def index_pod(self, rt: PodRT) -> None:
        if rt.owner_uid:
            self.children.setdefault(rt.owner_uid, set()).add(rt.name)
        self.app_pods.setdefault((rt.namespace, rt.app), set()).add(rt.name)
        if rt.filler:
            self.filler_keys.append(rt.key)
        if rt.node and rt.node in self.nodes:
            self.nodes[rt.node].pods.add(rt.key)

    def index_pod_node(self, rt: PodRT) -> None:
        if rt.node and rt.node in self.nodes:
            self.nodes[rt.node].pods.add(rt.key)

    def unindex_pod(self, rt: PodRT) -> None:
        if rt.owner_uid and rt.owner_uid in self.children:
            self.children[rt.owner_uid].discard(rt.name)
        names = self.app_pods.get((rt.namespace, rt.app))
        if names is not None:
            names.discard(rt.name)
        if rt.node and rt.node in self.nodes:
            self.nodes[rt.node].pods.discard(rt.key)

    def owner_changed(self, rt: PodRT) -> None:
        if rt.owner_kind == "ReplicaSet":
            self.dirty_rs.add((rt.namespace, rt.owner_name))
        elif rt.owner_kind == "StatefulSet":
            self.dirty_sts.add((rt.namespace, rt.owner_name))

    def lazy_owner_changed(self, rt: PodRT) -> None:
        # Churn flips readiness thousands of times a second; owners catch up once a second,
        # as a real controller's rate-limited work queue coalesces them.
        if rt.owner_kind == "ReplicaSet":
            self._lazy_rs.add((rt.namespace, rt.owner_name))
        else:
            self.owner_changed(rt)

    def _flush_lazy(self) -> None:
        self.dirty_rs |= self._lazy_rs
        self._lazy_rs = set()

    def nodes_in_pool(self, pool: str | None) -> list[NodeRT]:
        if pool is None:
            return list(self.nodes.values())
        return self.pools.get(pool, [])

    def drop_node(self, node: NodeRT) -> None:
        self.nodes.pop(node.name, None)
        for members in self.pools.values():
            if node in members:
                members.remove(node)
        # Pod garbage collection: pods bound to a node that no longer exists are deleted.
        for key in list(node.pods):
            self.remove("pods", *key)

    def pod_revision(self, rt: PodRT) -> str | None:
        pod = self.store.get("pods", rt.namespace, rt.name)
        return ((pod or {}).get("metadata", {}).get("labels") or {}).get("controller-revision-hash")

    # --- seeding ------------------------------------------------------------------------

    def seed(self) -> None:
        """Create the platform as a cluster that has been running for weeks."""
        large = self.extra_pods >= LARGE_WORLD
        collecting = gc.isenabled()
        if large and collecting:
            # Seeding allocates millions of acyclic dicts; cyclic collections would rescan the
            # growing heap over and over and triple the time to seed.
            gc.disable()
        try:
            self._seed()
        finally:
            if large and collecting:
                gc.enable()

    def _seed(self) -> None:
        now = self.clock.time()
        self.events.enabled = False
        with self.clock.pinned(now - 60 * DAY):
            for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
                self.create("namespaces", o.namespace(name))
            self.create("services", o.service("default", "kubernetes", "172.20.0.1",
                                              [{"name": "https", "port": 443, "targetPort": 443, "protocol": "TCP"}],
                                              None))
            self.create("namespaces", o.namespace(o.PLATFORM_NS, {"app.kubernetes.io/part-of": "emrtask"}))
        self._seed_nodes(now)
        with self.clock.pinned(now - 45 * DAY):
            self._seed_config()
        self._seed_platform(now)
        if self.extra_pods:
            self._seed_filler(now)
        with self.clock.pinned(now):
            self.telemetry.prime(uptime=now - (now - 6 * DAY))
        self.every(1.0, self.telemetry.step)
        self.every(1.0, self._flush_lazy)
        self.every(60.0, self.events.collect)
        self.every(5.0, self._check_scenarios)
        self.events.enabled = True
        self.seeded = True
        if len(self.pods) >= LARGE_WORLD:
            self._freeze_heap()
            self.every(30.0, self._freeze_heap)

    def _freeze_heap(self) -> None:
        # A big world is millions of small acyclic dicts (objects, watch history). The cyclic
        # collector would walk all of them over and over; refcounting still frees them once
        # frozen, so freezing costs nothing and keeps churn at thousands of writes a second.
        gc.freeze()

    def _add_node_rt(self, name: str, ip: str, pool: str, max_pods: int, t: float) -> NodeRT:
        node = NodeRT(name=name, ip=ip, pool=pool, index=len(self.nodes), max_pods=max_pods, t_ready_change=t)
        self.nodes[name] = node
        self.pools.setdefault(pool, []).append(node)
        return node

    def _seed_nodes(self, now: float) -> None:
        created = now - 21 * DAY
        with self.clock.pinned(created):
            for name, ip, zone in PLATFORM_NODES:
                node = self._add_node_rt(name, ip, "platform", 58, created)
                self.create("nodes", o.node(name, ip, zone, pool="platform", instance_type="m5.xlarge", cpu="4",
                                            memory_ki=15896772, pods=58, pod_cidr=f"10.244.{node.index}.0/24",
                                            now=now - 50, since=created + 40))
            for i in range(self.extra_nodes):
                a, b = divmod(i, 250)
                ip = f"10.1.{a}.{b + 4}"
                name = f"ip-10-1-{a}-{b + 4}.ec2.internal"
                node = self._add_node_rt(name, ip, "load-test", 110, created)
                self.create("nodes", o.node(name, ip, ZONES[i % 3], pool="load-test", instance_type="m5.2xlarge",
                                            cpu="8", memory_ki=32392248, pods=110,
                                            pod_cidr=f"10.{244 + node.index // 256}.{node.index % 256}.0/24",
                                            now=now - 200, since=created + 40))
        for node in self.nodes.values():
            interval = 60.0 if node.pool == "platform" else 300.0
            self.at(now + self.rng.uniform(1.0, interval), self.node_ctl.heartbeat, node, interval)

    def _seed_config(self) -> None:
        ns = o.PLATFORM_NS
        self.create("configmaps", o.configmap(ns, "postgres-config", {
            "DB_HOST": "postgres", "DB_PORT": "5432", "DB_NAME": "emrtask", "DB_POOL_MAX": "20",
            "DB_QUERY_TIMEOUT_MS": "0"}))
        self.create("configmaps", o.configmap(ns, "emr-config", {
            "EMR_FHIR_BASE_URL": "https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4",
            "EMR_TOKEN_URL": "https://fhir.epic.com/interconnect-fhir-oauth/oauth2/token",
            "EMR_FALLBACK_MODE": "false"}))
        # Placeholder values only: base64 of "simulator-placeholder".
        placeholder = "c2ltdWxhdG9yLXBsYWNlaG9sZGVy"
        self.create("secrets", o.secret(ns, "postgres-credentials", {"username": "ZW1ydGFzaw==", "password": placeholder}))
        self.create("secrets", o.secret(ns, "emr-oauth-client", {"client_id": placeholder, "client_secret": placeholder}))
        for i, name in enumerate([*o.PLATFORM_SERVICES, *o.STATEFUL_SERVICES]):
            ip = f"172.20.{40 + i}.{10 + 3 * i}"
            if name in o.STATEFUL_SERVICES:
                ports = [{"name": "postgres", "port": 5432, "targetPort": 5432, "protocol": "TCP"}]
            else:
                ports = o.http_ports()
            self.create("services", o.service(ns, name, ip, ports, {"app": name}))

    def _place(self, pool: str, i: int) -> NodeRT:
        members = self.pools.get(pool) or list(self.nodes.values())
        return members[i % len(members)]

    def _running_pod(self, pod: dict, node: NodeRT, started: float, *, restarts: int = 0,
                     last: Run | None = None) -> None:
        """Create a pod that has long been Running and Ready on `node`."""
        rt = self.kubelet.runtime_for(pod)
        rt.uid = None
        rt.created = (last.started if last else started) - 2
        rt.node, rt.host_ip, rt.stage = node.name, node.ip, "running"
        rt.pod_ip = node.pod_ip()
        rt.t_scheduled = rt.created
        rt.t_sandbox = started - 1.5
        ready_at = started + (5 if not rt.filler else 1)
        rt.t_ready_change = ready_at
        rt.ready = True
        for c in rt.containers:
            c.state, c.ready, c.probe_ok, c.ever_started, c.pulled = "running", True, True, True, True
            c.waiting_reason = ""
            c.restarts = restarts
            if last is not None:
                c.runs.append(last)
            c.runs.append(Run(started=started, cid=o.container_id(f"{pod['metadata']['name']}/{c.name}/{started}")))
        key = rt.key
        self.pods[key] = rt
        pod = {**pod, "spec": {**pod["spec"], "nodeName": node.name}, "status": render_status(rt)}
        with self.clock.pinned(rt.created):
            stored = self.create("pods", pod)
        rt.uid = stored["metadata"]["uid"]

    def _seed_platform(self, now: float) -> None:
        ns = o.PLATFORM_NS
        placement = 0
        for name, info in o.PLATFORM_SERVICES.items():
            versions = info["versions"]
            templates = [o.platform_template(name, v) for v in versions]
            deploy_t = now - 45 * DAY
            with self.clock.pinned(deploy_t):
                d = self.create("deployments", o.deployment(ns, name, info["replicas"], templates[-1],
                                                            labels={"app": name, "app.kubernetes.io/part-of": "emrtask"}))
            rollout_times = [now - 45 * DAY, now - 20 * DAY, now - 6 * DAY]
            current = None
            for rev, (template, t) in enumerate(zip(templates, rollout_times, strict=False), start=1):
                live = rev == len(templates)
                release = {**d, "metadata": {**d["metadata"], "annotations": {
                    "kubernetes.io/change-cause": f"helm upgrade emrtask-prod: {name} {versions[rev - 1]}"}}}
                rs = o.replicaset(release, template, o.template_hash(template), rev, info["replicas"] if live else 0)
                if live:
                    n = info["replicas"]
                    rs["status"] = {"replicas": n, "fullyLabeledReplicas": n, "readyReplicas": n,
                                    "availableReplicas": n, "observedGeneration": 1}
                with self.clock.pinned(t):
                    stored = self.create("replicasets", rs)
                if live:
                    current = stored
            owner = o.owner_ref("ReplicaSet", current)
            rs_name = current["metadata"]["name"]
            for i in range(info["replicas"]):
                started = now - 6 * DAY + 40 * i + self.rng.uniform(0, 20)
                pod = o.pod_from_template(current["spec"]["template"], self.unique_name(ns, f"{rs_name}-"), ns, owner,
                                          generate_name=f"{rs_name}-")
                restarts, last = 0, None
                if name == "sync-service" and i == 0:
                    # One old out-of-memory restart, so `logs --previous` has a story to tell.
                    crashed = now - 2 * DAY - 3000
                    last = Run(started=now - 6 * DAY + 30, cid=o.container_id(f"{name}-old"), finished=crashed,
                               exit_code=137, reason="OOMKilled", theme="oom")
                    restarts = 1
                    started = crashed + 12
                self._running_pod(pod, self._place("platform", placement), started, restarts=restarts, last=last)
                placement += 1
            self._set_deployment_status(d, current, rollout_times[-1])
        for name in o.STATEFUL_SERVICES:
            with self.clock.pinned(now - 45 * DAY):
                sts = self.create("statefulsets", o.statefulset(ns, name, 1, role="primary" if name == "postgres"
                                                                else "replica"))
            revision = f"{name}-{o.template_hash(sts['spec']['template'])}"
            pod_name = f"{name}-0"
            pod = o.pod_from_template(sts["spec"]["template"], pod_name, ns, o.owner_ref("StatefulSet", sts),
                                      extra_labels={"controller-revision-hash": revision,
                                                    "statefulset.kubernetes.io/pod-name": pod_name,
                                                    "apps.kubernetes.io/pod-index": "0"},
                                      extra_spec={"hostname": pod_name, "subdomain": name,
                                                  "volumes": [{"name": "data", "persistentVolumeClaim":
                                                               {"claimName": f"data-{pod_name}"}}]})
            # postgres and its replica on different nodes, away from the busiest one.
            node = self._place("platform", 2 if name == "postgres" else 3)
            self._running_pod(pod, node, now - 12 * DAY)
            with self.clock.pinned(now - 12 * DAY):
                self.write("statefulsets", {**sts, "status": {
                    "observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "currentReplicas": 1,
                    "updatedReplicas": 1, "currentRevision": revision, "updateRevision": revision,
                    "collisionCount": 0, "availableReplicas": 1}})

    def _set_deployment_status(self, d: dict, rs: dict, since: float) -> None:
        n = int(d["spec"]["replicas"])
        stamp = o.format_time(since)
        rs_name = rs["metadata"]["name"]
        status = {
            "observedGeneration": d["metadata"].get("generation", 1), "replicas": n, "updatedReplicas": n,
            "readyReplicas": n, "availableReplicas": n,
            "conditions": [
                {"type": "Available", "status": "True", "lastUpdateTime": stamp, "lastTransitionTime": stamp,
                 "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                {"type": "Progressing", "status": "True", "lastUpdateTime": stamp, "lastTransitionTime": stamp,
                 "reason": "NewReplicaSetAvailable", "message": f'ReplicaSet "{rs_name}" has successfully progressed.'},
            ],
        }
        annotations = {**(d["metadata"].get("annotations") or {}),
                       **{k: v for k, v in rs["metadata"]["annotations"].items() if k == "kubernetes.io/change-cause"},
                       "deployment.kubernetes.io/revision": rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]}
        current = self.store.get("deployments", d["metadata"]["namespace"], d["metadata"]["name"])
        with self.clock.pinned(since):
            self.write("deployments", {**current, "metadata": {**current["metadata"], "annotations": annotations},
                                       "status": status})

    def _seed_filler(self, now: float) -> None:
        ns = o.FILLER_NS
        created = now - 2 * 3600
        pool = "load-test" if self.extra_nodes else "platform"
        with self.clock.pinned(created):
            self.create("namespaces", o.namespace(ns))
        remaining = self.extra_pods
        index = 0
        placement = 0
        while remaining > 0:
            replicas = min(FILLER_REPLICAS, remaining)
            remaining -= replicas
            name = f"load-{index:04d}"
            index += 1
            template = o.filler_template(name)
            if pool != "load-test":
                template["spec"]["nodeSelector"] = {"eks.amazonaws.com/nodegroup": pool}
            with self.clock.pinned(created):
                d = self.create("deployments", o.deployment(ns, name, replicas, template))
                rs = o.replicaset(d, template, o.template_hash(template), 1, replicas)
                rs["status"] = {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas,
                                "availableReplicas": replicas, "observedGeneration": 1}
                rs = self.create("replicasets", rs)
            owner = o.owner_ref("ReplicaSet", rs)
            rs_name = rs["metadata"]["name"]
            base = orjson.dumps(o.pod_from_template(rs["spec"]["template"], "x", ns, owner,
                                                    generate_name=f"{rs_name}-"))
            for _ in range(replicas):
                pod = orjson.loads(base)
                pod["metadata"]["name"] = self.unique_name(ns, f"{rs_name}-")
                self._running_pod(pod, self._place(pool, placement), created + 30 + self.rng.uniform(0, 60))
                placement += 1
            self._set_deployment_status(d, rs, created + 90)

    # --- scenarios ----------------------------------------------------------------------

    def scenarios(self) -> dict:
        return {"available": sorted(SCENARIOS), "active": sorted(self._active),
                "descriptions": {name: cls.summary for name, cls in sorted(SCENARIOS.items())},
                "notes": self.notes[-20:]}

    def start_scenario(self, name: str) -> None:
        cls = SCENARIOS[name]
        if name in self._active:
            return
        scenario = cls()
        self._active[name] = scenario
        with self.clock.pinned(max(self._cursor, self.clock.time())):
            scenario.start(self)
            self._reconcile()
        self.note(f"scenario {name} started")

    def stop_scenario(self, name: str) -> None:
        if name not in SCENARIOS:
            raise KeyError(name)
        scenario = self._active.pop(name, None)
        if scenario is None:
            return
        scenario.stop(self)
        self._reconcile()
        self.note(f"scenario {name} stopped")

    def _check_scenarios(self) -> None:
        for name, scenario in list(self._active.items()):
            if scenario.resolved(self):
                self._active.pop(name, None)
                scenario.stop(self)
                self.note(f"scenario {name} resolved by the responders")

    # --- churn --------------------------------------------------------------------------

    def set_churn(self, events_per_second: float) -> None:
        self._churn_rate = max(0.0, float(events_per_second))
        self._churn_carry = 0.0

    def _churn(self, dt: float) -> None:
        keys = self.filler_keys
        if not keys:
            return
        wanted = self._churn_rate * dt + self._churn_carry
        n = int(wanted)
        self._churn_carry = wanted - n
        rng, pods = self.rng, self.pods
        for _ in range(n):
            i = rng.randrange(len(keys))
            rt = pods.get(keys[i])
            if rt is None:
                # Drop keys of pods that are gone (swap-remove keeps this O(1)).
                keys[i] = keys[-1]
                keys.pop()
                if not keys:
                    return
                continue
            self.kubelet.churn(rt)

    # --- what the API server serves from here -------------------------------------------

    def _container(self, namespace: str, pod: str, container: str | None) -> tuple[PodRT, Container]:
        rt = self.pods.get((namespace, pod))
        if rt is None:
            raise KeyError(pod)
        for c in rt.containers:
            if container in (None, "", c.name):
                return rt, c
        raise KeyError(container)

    def pod_logs(self, namespace: str, pod: str, container: str | None = None, previous: bool = False) -> list[str]:
        rt, c = self._container(namespace, pod, container)
        runs = c.runs
        index = len(runs) - (2 if previous else 1)
        if index < 0 or not runs:
            raise KeyError(container or pod)
        return self.telemetry.log_lines(rt, c, runs[index], index)

    def service_endpoint(self, namespace: str, service: str, port: Any, path: str) -> tuple[int, str, str]:
        svc = self.store.get("services", namespace, service)
        if svc is None:
            raise KeyError(service)
        port = str(port)
        target = None
        for p in (svc.get("spec") or {}).get("ports") or []:
            if port in (p.get("name"), str(p.get("port"))):
                target = p
        if target is None:
            return 404, "text/plain", "404 page not found\n"
        selector = (svc.get("spec") or {}).get("selector") or {}
        app = selector.get("app")
        pods = [rt for n in sorted(self.app_pods.get((namespace, app), ())) if app
                if (rt := self.pods.get((namespace, n))) is not None and rt.ready and not rt.terminating]
        if not pods:
            body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": f'no endpoints available for service "{service}"', "reason": "ServiceUnavailable",
                    "code": 503}
            return 503, "application/json", orjson.dumps(body).decode()
        rt = self.rng.choice(pods)
        path = path.split("?", 1)[0].rstrip("/") or "/"
        number = int(target.get("targetPort") or target.get("port") or 0) if str(
            target.get("targetPort", "")).isdigit() else int(target.get("port") or 0)
        if app not in self.telemetry.stats:
            return 502, "text/plain", f"error trying to reach service: dial tcp {rt.pod_ip}:{number}: " \
                                      "connection reset by peer\n"
        if number == o.HTTP_PORT:
            if path == "/health":
                code, body = self.telemetry.health(app, rt)
                return code, "application/json", orjson.dumps(body).decode()
            if path in ("/ready", "/live"):
                return 200, "text/plain", "ok\n"
        elif number == o.METRICS_PORT and path == "/metrics":
            self.telemetry.refresh()
            return 200, "text/plain; version=0.0.4; charset=utf-8", self.telemetry.metrics_text(app)
        return 404, "text/plain", "Cannot GET " + path + "\n"

    def _usage_items(self, namespace: str | None) -> list[tuple[PodRT, int, int]]:
        out = []
        for rt in self.pods.values():
            if namespace and rt.namespace != namespace:
                continue
            if rt.stage != "running" or not any(c.state == "running" for c in rt.containers):
                continue
            node = self.nodes.get(rt.node or "")
            if node is None or not node.kubelet_up:
                continue
            cpu, mem = self.telemetry.usage(rt)
            out.append((rt, cpu, mem))
        return out

    def pod_metrics(self, namespace: str | None = None) -> list[dict]:
        now = self.now()
        stamp = o.format_time(now - now % 15)
        created = o.format_time(now)
        items = []
        for rt, cpu, mem in sorted(self._usage_items(namespace), key=lambda x: x[0].key):
            pod = self.store.get("pods", rt.namespace, rt.name)
            labels = ((pod or {}).get("metadata") or {}).get("labels") or {}
            running = [c for c in rt.containers if c.state == "running"]
            share = max(1, len(running))
            items.append({
                "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {"name": rt.name, "namespace": rt.namespace, "creationTimestamp": created,
                             "labels": labels},
                "timestamp": stamp, "window": "15s",
                "containers": [{"name": c.name, "usage": {"cpu": f"{max(1, cpu // share)}m",
                                                          "memory": f"{max(1, mem // share)}Mi"}} for c in running],
            })
        return items

    def node_metrics(self) -> list[dict]:
        now = self.now()
        stamp = o.format_time(now - now % 15)
        totals: dict[str, list[int]] = {}
        for rt, cpu, mem in self._usage_items(None):
            t = totals.setdefault(rt.node or "", [0, 0])
            t[0] += cpu
            t[1] += mem
        items = []
        for name in sorted(self.nodes):
            node = self.nodes[name]
            if not node.kubelet_up:
                continue
            cpu, mem = totals.get(name, [0, 0])
            h = o.fast_hash(name) % 100
            items.append({
                "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {"name": name, "creationTimestamp": o.format_time(now),
                             "labels": {"kubernetes.io/hostname": name, "node-role.kubernetes.io/worker": "",
                                        "eks.amazonaws.com/nodegroup": node.pool}},
                "timestamp": stamp, "window": "20s",
                "usage": {"cpu": f"{cpu + 120 + h}m", "memory": f"{mem + 850 + 3 * h}Mi"},
            })
        return items
