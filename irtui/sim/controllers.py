"""The simulated cluster's control loops: scheduler, kubelet, node lifecycle, workload controllers.

Each class here plays one real component against the store, as that component does against
the API server: the scheduler binds pods, the kubelet runs their containers (pulls, starts,
probes, crash back-off, termination), the node lifecycle controller notices a silent kubelet
and evicts, and the Deployment / ReplicaSet / StatefulSet controllers reconcile owners with
their pods. They write only through the store and emit core/v1 Events through `EventRecorder`.

Work is driven by timers and dirty sets, never by scanning every pod on every tick, so the
world stays cheap at 10,000 pods. What a container does when it starts (crash, never become
ready, fail its pull) is asked of the scenarios' `Faults`; this module has no fault logic.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irtui.sim import objects as o
from irtui.sim.store import AlreadyExists

if TYPE_CHECKING:
    from irtui.sim.world import World

BACKOFF_START = 10.0
BACKOFF_CAP = 300.0
# A container that ran this long without crashing has its back-off forgotten (kubelet: 10 min).
BACKOFF_RESET_AFTER = 600.0
NODE_MONITOR_GRACE = 40.0
EVENT_TTL = 3600.0


# --- runtime state ---------------------------------------------------------------------

@dataclass(slots=True)
class Run:
    """One process lifetime of a container: what `logs` and `logs --previous` read."""

    started: float
    cid: str
    finished: float | None = None
    exit_code: int = 0
    reason: str = ""
    theme: str | None = None  # which failure its last log lines tell


@dataclass(slots=True)
class Container:
    name: str
    image: str
    state: str = "creating"  # creating | pullfail | running | terminated | backoff
    waiting_reason: str = "ContainerCreating"
    waiting_message: str = ""
    ready: bool = False
    probe_ok: bool = False
    restarts: int = 0
    runs: list[Run] = field(default_factory=list)
    backoff: float = BACKOFF_START
    epoch: int = 0  # bumped on every transition; stale timers compare and give up
    unready_reason: str = ""
    ever_started: bool = False
    pulled: bool = False
    probe_delay: float = 0.0  # readinessProbe.initialDelaySeconds; 0 without a probe


@dataclass(slots=True)
class PodRT:
    """What the kubelet and scheduler know about one pod."""

    namespace: str
    name: str
    uid: str | None
    app: str
    containers: list[Container]
    owner_kind: str | None = None
    owner_name: str | None = None
    owner_uid: str | None = None
    filler: bool = False
    env: dict[str, str] = field(default_factory=dict)
    grace: int = 30
    restart_policy: str = "Always"
    one_shot: bool = False  # runs its command and exits (restartPolicy Never/OnFailure with a command)
    node_selector: dict[str, str] = field(default_factory=dict)
    stage: str = "new"  # new | unschedulable | creating | running | done
    node: str | None = None
    host_ip: str | None = None
    pod_ip: str | None = None
    qos: str = "Burstable"
    created: float = 0.0
    t_scheduled: float = 0.0
    t_sandbox: float = 0.0
    t_ready_change: float = 0.0
    t_unsched: float = 0.0
    unsched_message: str = ""
    ready: bool = False
    node_lost: bool = False
    churn_unready: bool = False
    terminating: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    def ref(self, container: str | None = None) -> dict:
        ref = {"kind": "Pod", "namespace": self.namespace, "name": self.name, "uid": self.uid or "",
               "apiVersion": "v1"}
        if container:
            ref["fieldPath"] = f"spec.containers{{{container}}}"
        return ref


@dataclass(slots=True)
class NodeRT:
    name: str
    ip: str
    pool: str
    index: int
    max_pods: int
    kubelet_up: bool = True
    ready: bool = True
    unschedulable: bool = False
    taints: list[dict] = field(default_factory=list)
    pods: set = field(default_factory=set)
    next_ip: int = 2
    t_ready_change: float = 0.0
    epoch: int = 0

    def pod_ip(self) -> str:
        base = 244 + self.index // 256
        ip = f"10.{base}.{self.index % 256}.{self.next_ip}"
        self.next_ip = self.next_ip + 1 if self.next_ip < 254 else 2
        return ip


# --- events ----------------------------------------------------------------------------

class EventRecorder:
    """core/v1 Events, aggregated the way client-go's correlator does it.

    An event that repeats (same object, reason, message, source) bumps `count` and
    `lastTimestamp` of the existing Event instead of creating a new one; Events expire an
    hour after their last update, as the API server's TTL does.
    """

    def __init__(self, world: World):
        self.world = world
        self._index: dict[tuple, str] = {}
        self._expiry: deque[tuple[float, str, str, tuple]] = deque()
        self.enabled = True

    def emit(self, ref: dict, reason: str, message: str, *, type_: str = "Normal",
             component: str = "kubelet", host: str | None = None) -> None:
        if not self.enabled:
            return
        world = self.world
        store = world.store
        ns = ref.get("namespace") or "default"
        key = (ns, ref.get("kind"), ref.get("name"), ref.get("uid"), ref.get("fieldPath"), reason, message, component)
        now = world.now()
        stamp = o.format_time(now)
        name = self._index.get(key)
        if name is not None:
            current = store.get("events", ns, name)
            if current is not None:
                world.write("events", {**current, "count": current.get("count", 1) + 1, "lastTimestamp": stamp})
                return
        name = f"{ref.get('name')}.{int(now * 1e9):x}"
        while store.get("events", ns, name) is not None:
            name = f"{ref.get('name')}.{int(now * 1e9) + world.rng.randrange(1, 1 << 20):x}"
        world.create("events", o.event(name, ref, reason, message, type_=type_, component=component,
                                       host=host, stamp=stamp))
        self._index[key] = name
        self._expiry.append((now, ns, name, key))

    def collect(self) -> None:
        """Delete Events whose last update is older than the TTL."""
        world = self.world
        cutoff = world.now() - EVENT_TTL
        queue = self._expiry
        requeue = []
        while queue and queue[0][0] < cutoff:
            _, ns, name, key = queue.popleft()
            current = world.store.get("events", ns, name)
            if current is None:
                if self._index.get(key) == name:
                    del self._index[key]
                continue
            last = o.parse_time(current.get("lastTimestamp"))
            last_t = last.timestamp() if last else 0.0
            if last_t >= cutoff:
                requeue.append((last_t, ns, name, key))
                continue
            world.remove("events", ns, name)
            if self._index.get(key) == name:
                del self._index[key]
        for item in sorted(requeue):
            queue.append(item)


# --- pod status ------------------------------------------------------------------------

def _cond(type_: str, status: bool | str, since: float, reason: str | None = None, message: str | None = None) -> dict:
    value = status if isinstance(status, str) else ("True" if status else "False")
    cond: dict[str, Any] = {"type": type_, "status": value, "lastProbeTime": None,
                            "lastTransitionTime": o.format_time(since)}
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def _terminated(run: Run) -> dict:
    return {"exitCode": run.exit_code, "reason": run.reason, "startedAt": o.format_time(run.started),
            "finishedAt": o.format_time(run.finished or run.started), "containerID": run.cid}


def render_status(rt: PodRT) -> dict:
    """The pod's `status` as the kubelet (and scheduler) report it."""
    status: dict[str, Any] = {"qosClass": rt.qos}
    if rt.stage in ("new", "unschedulable"):
        status["phase"] = "Pending"
        if rt.stage == "unschedulable":
            status["conditions"] = [_cond("PodScheduled", False, rt.t_unsched, "Unschedulable", rt.unsched_message)]
        return status

    all_started = all(c.ever_started for c in rt.containers)
    status["phase"] = "Running" if all_started else "Pending"
    if rt.stage == "done":
        failed = any(c.runs and c.runs[-1].exit_code != 0 for c in rt.containers)
        status["phase"] = "Failed" if failed else "Succeeded"
    unready = [c.name for c in rt.containers if not c.ready or rt.churn_unready]
    conditions = [
        _cond("PodReadyToStartContainers", rt.stage == "running" or rt.t_sandbox > 0, rt.t_sandbox or rt.t_scheduled),
        _cond("Initialized", True, rt.t_scheduled),
    ]
    if rt.stage == "done":
        conditions = [_cond("PodReadyToStartContainers", False, rt.t_ready_change), conditions[1],
                      _cond("Ready", False, rt.t_ready_change, "PodCompleted"),
                      _cond("ContainersReady", False, rt.t_ready_change, "PodCompleted")]
    elif rt.ready:
        conditions += [_cond("Ready", True, rt.t_ready_change), _cond("ContainersReady", True, rt.t_ready_change)]
    else:
        message = f"containers with unready status: [{' '.join(unready)}]" if unready else None
        reason = "ContainersNotReady" if unready else None
        conditions += [_cond("Ready", False, rt.t_ready_change, reason, message),
                       _cond("ContainersReady", False, rt.t_ready_change, reason, message)]
    conditions.append(_cond("PodScheduled", True, rt.t_scheduled))
    status["conditions"] = conditions
    status["hostIP"] = rt.host_ip
    status["hostIPs"] = [{"ip": rt.host_ip}]
    if rt.pod_ip:
        status["podIP"] = rt.pod_ip
        status["podIPs"] = [{"ip": rt.pod_ip}]
    status["startTime"] = o.format_time(rt.t_scheduled)
    statuses = []
    for c in rt.containers:
        cs: dict[str, Any] = {"name": c.name, "image": c.image,
                              "imageID": o.image_id(c.image) if c.pulled else "",
                              "ready": c.ready and not rt.churn_unready, "restartCount": c.restarts,
                              "started": c.state == "running", "lastState": {}}
        run = c.runs[-1] if c.runs else None
        if c.state == "running" and run:
            cs["state"] = {"running": {"startedAt": o.format_time(run.started)}}
            cs["containerID"] = run.cid
            if len(c.runs) > 1:
                cs["lastState"] = {"terminated": _terminated(c.runs[-2])}
        elif c.state == "terminated" and run:
            cs["state"] = {"terminated": _terminated(run)}
            cs["containerID"] = run.cid
            if len(c.runs) > 1:
                cs["lastState"] = {"terminated": _terminated(c.runs[-2])}
        else:
            waiting: dict[str, str] = {"reason": c.waiting_reason}
            if c.waiting_message:
                waiting["message"] = c.waiting_message
            cs["state"] = {"waiting": waiting}
            if run:
                cs["containerID"] = run.cid
                cs["lastState"] = {"terminated": _terminated(run)}
        statuses.append(cs)
    status["containerStatuses"] = statuses
    return status


# --- scheduler + kubelet ---------------------------------------------------------------

class Kubelet:
    """Scheduling and the life of every pod's containers, on timers."""

    def __init__(self, world: World):
        self.world = world
        self.pending: set[tuple[str, str]] = set()

    # -- registration ------------------------------------------------------------------

    def runtime_for(self, pod: dict) -> PodRT:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        labels = meta.get("labels") or {}
        owner = o.controller_of(pod)
        containers = [Container(c.get("name", ""), c.get("image", ""),
                                probe_delay=float((c.get("readinessProbe") or {}).get("initialDelaySeconds", 0)))
                      for c in spec.get("containers") or []]
        env = {}
        for c in spec.get("containers") or []:
            for e in c.get("env") or []:
                if "value" in e:
                    env[e["name"]] = str(e["value"])
        restart_policy = spec.get("restartPolicy") or "Always"
        one_shot = restart_policy != "Always" and any(c.get("command") or c.get("args")
                                                      for c in spec.get("containers") or [])
        return PodRT(
            restart_policy=restart_policy, one_shot=one_shot,
            namespace=meta.get("namespace", "default"), name=meta["name"], uid=meta.get("uid"),
            app=labels.get("app") or labels.get("app.kubernetes.io/name") or meta["name"],
            containers=containers,
            owner_kind=owner.get("kind") if owner else None, owner_name=owner.get("name") if owner else None,
            owner_uid=owner.get("uid") if owner else None,
            filler=meta.get("namespace") == o.FILLER_NS, env=env,
            grace=int(spec.get("terminationGracePeriodSeconds", 30)),
            node_selector=dict(spec.get("nodeSelector") or {}),
            qos=(pod.get("status") or {}).get("qosClass") or o.qos_class(spec),
        )

    def on_pod(self, type_: str, pod: dict) -> None:
        world = self.world
        meta = pod["metadata"]
        key = (meta.get("namespace", "default"), meta["name"])
        rt = world.pods.get(key)
        if type_ == "DELETED":
            if rt is not None and (rt.uid is None or rt.uid == meta.get("uid")):
                self._forget(rt)
            return
        if rt is None or (rt.uid is not None and rt.uid != meta.get("uid")):
            if rt is not None:
                self._forget(rt)
            rt = self.runtime_for(pod)
            rt.created = world.now()
            world.pods[key] = rt
            world.index_pod(rt)
            node = (pod.get("spec") or {}).get("nodeName")
            if node and node in world.nodes:
                self._bind(rt, node, announce=False)
            else:
                world.after(world.rng.uniform(0.2, 0.8), self._schedule, rt)
        elif rt.uid is None:
            rt.uid = meta.get("uid")
            world.index_pod(rt)
        if meta.get("deletionTimestamp") and not rt.terminating:
            self._begin_termination(rt)

    def _forget(self, rt: PodRT) -> None:
        world = self.world
        world.pods.pop(rt.key, None)
        self.pending.discard(rt.key)
        world.unindex_pod(rt)
        for c in rt.containers:
            c.epoch += 1
        world.faults.on_pod_gone(rt)
        world.telemetry.forget_pod(rt)
        if rt.owner_kind == "ReplicaSet":
            world.dirty_rs.add((rt.namespace, rt.owner_name))
        elif rt.owner_kind == "StatefulSet":
            world.dirty_sts.add((rt.namespace, rt.owner_name))

    def alive(self, rt: PodRT) -> bool:
        return self.world.pods.get(rt.key) is rt

    def write(self, rt: PodRT, *, spec_node: bool = False) -> None:
        """Publish the pod's status (and, on binding, spec.nodeName)."""
        world = self.world
        stored = world.store.get("pods", rt.namespace, rt.name)
        if stored is None or stored["metadata"].get("uid") != rt.uid:
            return
        new = {**stored, "status": render_status(rt)}
        if spec_node:
            new["spec"] = {**stored["spec"], "nodeName": rt.node}
        world.write("pods", new)

    # -- scheduling --------------------------------------------------------------------

    def _schedule(self, rt: PodRT) -> None:
        world = self.world
        if not self.alive(rt) or rt.terminating or rt.stage not in ("new", "unschedulable"):
            return
        best, reasons = None, {}
        candidates = world.nodes_in_pool(rt.node_selector.get("eks.amazonaws.com/nodegroup"))
        for node in candidates:
            if node.unschedulable:
                why = "node(s) were unschedulable"
            elif not node.ready or any(t.get("effect") in ("NoSchedule", "NoExecute")
                                       and t.get("key") != "node.kubernetes.io/unschedulable" for t in node.taints):
                taint = next((t for t in node.taints if t.get("effect") in ("NoSchedule", "NoExecute")), None)
                why = ("node(s) had untolerated taint {%s: }" % taint["key"]) if taint else "node(s) were not ready"
            elif len(node.pods) >= node.max_pods:
                why = "Too many pods"
            else:
                if best is None or len(node.pods) < len(best.pods):
                    best = node
                continue
            reasons[why] = reasons.get(why, 0) + 1
        if best is None:
            total = len(world.nodes)
            others = total - len(candidates)
            if others:
                reasons["node(s) didn't match Pod's node affinity/selector"] = others
            detail = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items()))
            message = (f"0/{total} nodes are available: {detail}. preemption: 0/{total} nodes are available: "
                       f"{total} Preemption is not helpful for scheduling.")
            if rt.stage != "unschedulable" or rt.unsched_message != message:
                rt.stage, rt.t_unsched, rt.unsched_message = "unschedulable", world.now(), message
                self.write(rt)
                world.events.emit(rt.ref(), "FailedScheduling", message, type_="Warning",
                                  component="default-scheduler")
            self.pending.add(rt.key)
            world.after(10.0, self._schedule, rt)
            return
        self.pending.discard(rt.key)
        self._bind(rt, best.name, announce=True)

    def retry_pending(self) -> None:
        for key in list(self.pending):
            rt = self.world.pods.get(key)
            if rt is not None:
                self.world.after(self.world.rng.uniform(0.1, 0.5), self._schedule, rt)

    def _bind(self, rt: PodRT, node_name: str, *, announce: bool) -> None:
        world = self.world
        node = world.nodes[node_name]
        now = world.now()
        rt.node, rt.host_ip, rt.stage = node_name, node.ip, "creating"
        rt.t_scheduled = rt.t_ready_change = now
        world.index_pod_node(rt)
        self.write(rt, spec_node=True)
        if announce:
            world.events.emit(rt.ref(), "Scheduled", f"Successfully assigned {rt.namespace}/{rt.name} to {node_name}",
                              component="default-scheduler")
        world.after(world.rng.uniform(0.3, 0.8), self._sandbox, rt)

    # -- containers --------------------------------------------------------------------

    def _sandbox(self, rt: PodRT) -> None:
        world = self.world
        if not self.alive(rt) or rt.terminating:
            return
        node = world.nodes.get(rt.node or "")
        if node is None or not node.kubelet_up:
            return
        rt.t_sandbox = world.now()
        rt.pod_ip = node.pod_ip()
        self.write(rt)
        for c in rt.containers:
            self._pull(rt, c)

    def _pull(self, rt: PodRT, c: Container) -> None:
        world = self.world
        host = rt.node
        world.events.emit(rt.ref(c.name), "Pulling", f'Pulling image "{c.image}"', host=host)
        failure = world.faults.pull_failure(rt, c)
        if failure:
            epoch = c.epoch
            world.after(world.rng.uniform(1.0, 2.5), self._pull_failed, rt, c, epoch, failure)
            return
        took = world.rng.uniform(0.8, 3.0)
        world.after(took, self._pulled, rt, c, c.epoch, took)

    def _pull_failed(self, rt: PodRT, c: Container, epoch: int, failure: str) -> None:
        world = self.world
        if not self.alive(rt) or c.epoch != epoch or rt.terminating:
            return
        c.epoch += 1
        message = f'Failed to pull image "{c.image}": {failure}'
        c.state, c.waiting_reason, c.waiting_message = "pullfail", "ErrImagePull", message
        self.write(rt)
        ref = rt.ref(c.name)
        world.events.emit(ref, "Failed", message, type_="Warning", host=rt.node)
        world.events.emit(ref, "Failed", "Error: ErrImagePull", type_="Warning", host=rt.node)
        world.after(world.rng.uniform(1.0, 2.0), self._pull_backoff, rt, c, c.epoch)

    def _pull_backoff(self, rt: PodRT, c: Container, epoch: int) -> None:
        world = self.world
        if not self.alive(rt) or c.epoch != epoch or rt.terminating:
            return
        c.epoch += 1
        c.waiting_reason = "ImagePullBackOff"
        c.waiting_message = f'Back-off pulling image "{c.image}"'
        self.write(rt)
        ref = rt.ref(c.name)
        world.events.emit(ref, "BackOff", f'Back-off pulling image "{c.image}"', host=rt.node)
        world.events.emit(ref, "Failed", "Error: ImagePullBackOff", type_="Warning", host=rt.node)
        delay, c.backoff = c.backoff, min(c.backoff * 2, BACKOFF_CAP)
        world.after(delay, self._retry_pull, rt, c, c.epoch)

    def _retry_pull(self, rt: PodRT, c: Container, epoch: int) -> None:
        if self.alive(rt) and c.epoch == epoch and not rt.terminating:
            self._pull(rt, c)

    def _pulled(self, rt: PodRT, c: Container, epoch: int, took: float) -> None:
        world = self.world
        if not self.alive(rt) or c.epoch != epoch or rt.terminating:
            return
        c.pulled = True
        c.backoff = BACKOFF_START
        world.events.emit(rt.ref(c.name), "Pulled",
                          f'Successfully pulled image "{c.image}" in {took:.3f}s ({took:.3f}s including waiting)',
                          host=rt.node)
        self._start(rt, c, first=True)

    def _start(self, rt: PodRT, c: Container, *, first: bool) -> None:
        world = self.world
        now = world.now()
        c.epoch += 1
        if not first:
            c.restarts += 1
            world.events.emit(rt.ref(c.name), "Pulled", f'Container image "{c.image}" already present on machine',
                              host=rt.node)
        run = Run(started=now, cid=o.container_id(f"{rt.uid}/{c.name}/{len(c.runs)}/{now}"))
        c.runs.append(run)
        del c.runs[:-3]
        c.state, c.waiting_reason, c.waiting_message = "running", "", ""
        c.ever_started, c.ready, c.probe_ok = True, False, False
        if all(x.ever_started for x in rt.containers):
            rt.stage = "running"
        world.events.emit(rt.ref(c.name), "Created", f"Created container {c.name}", host=rt.node)
        world.events.emit(rt.ref(c.name), "Started", f"Started container {c.name}", host=rt.node)
        self._refresh_ready(rt, write=True)
        world.telemetry.container_started(rt, c)
        self.apply_fate(rt, c)

    def apply_fate(self, rt: PodRT, c: Container, *, delay: float | None = None) -> None:
        """Ask the faults what this running container does next, and arrange it."""
        world = self.world
        fate = world.faults.fate(rt, c)
        epoch = c.epoch
        if fate.crash_after is not None:
            world.after(fate.crash_after if delay is None else delay, self._crash, rt, c, epoch, fate.theme,
                        fate.exit_code, fate.exit_reason)
        first_probe = 0.0 if c.probe_ok else max(c.probe_delay, 0.5)
        world.after(first_probe if delay is None else min(first_probe, delay), self._probe, rt, c, epoch)

    def _probe(self, rt: PodRT, c: Container, epoch: int) -> None:
        world = self.world
        if not self.alive(rt) or c.epoch != epoch or c.state != "running":
            return
        fate = world.faults.fate(rt, c)
        ok = fate.ready
        if ok != c.probe_ok:
            c.probe_ok = ok
            self._refresh_ready(rt, write=True)
        if not ok:
            c.unready_reason = fate.unready_message
            world.events.emit(rt.ref(c.name), "Unhealthy", f"Readiness probe failed: {fate.unready_message}",
                              type_="Warning", host=rt.node)
            # Unready containers keep being probed, so a healed dependency makes them ready.
            world.after(10.0, self._probe, rt, c, epoch)

    def _crash(self, rt: PodRT, c: Container, epoch: int, theme: str | None, exit_code: int, reason: str) -> None:
        world = self.world
        if not self.alive(rt) or c.epoch != epoch or c.state != "running":
            return
        node = world.nodes.get(rt.node or "")
        if node is not None and not node.kubelet_up:
            return
        now = world.now()
        c.epoch += 1
        run = c.runs[-1]
        run.finished, run.exit_code, run.reason, run.theme = now, exit_code, reason, theme
        c.state, c.ready, c.probe_ok = "terminated", False, False
        if now - run.started > BACKOFF_RESET_AFTER:
            c.backoff = BACKOFF_START
        if rt.restart_policy == "Never" or (rt.restart_policy == "OnFailure" and exit_code == 0):
            if all(x.state == "terminated" for x in rt.containers):
                rt.stage = "done"
            self._refresh_ready(rt, write=True)
            world.owner_changed(rt)
            return
        self._refresh_ready(rt, write=True)
        if rt.terminating:
            return
        world.after(world.rng.uniform(0.5, 1.5), self._enter_backoff, rt, c, c.epoch)

    def _enter_backoff(self, rt: PodRT, c: Container, epoch: int) -> None:
        world = self.world
        if not self.alive(rt) or c.epoch != epoch or rt.terminating:
            return
        c.epoch += 1
        delay = c.backoff
        c.backoff = min(c.backoff * 2, BACKOFF_CAP)
        c.state, c.waiting_reason = "backoff", "CrashLoopBackOff"
        c.waiting_message = (f"back-off {int(delay)}s restarting failed container={c.name} "
                             f"pod={rt.name}_{rt.namespace}({rt.uid})")
        self.write(rt)
        world.events.emit(rt.ref(c.name), "BackOff",
                          f"Back-off restarting failed container {c.name} in pod {rt.name}_{rt.namespace}({rt.uid})",
                          type_="Warning", host=rt.node)
        finished = c.runs[-1].finished or world.now()
        world.at(finished + delay, self._restart, rt, c, c.epoch)

    def _restart(self, rt: PodRT, c: Container, epoch: int) -> None:
        if not self.alive(rt) or c.epoch != epoch or rt.terminating:
            return
        node = self.world.nodes.get(rt.node or "")
        if node is not None and not node.kubelet_up:
            return
        self._start(rt, c, first=False)

    def restart_container(self, rt: PodRT, c: Container, theme: str, exit_code: int = 137,
                          reason: str = "Error") -> None:
        """The process died now (e.g. a fault began): crash it at once."""
        if c.state == "running":
            self._crash(rt, c, c.epoch, theme, exit_code, reason)

    def _refresh_ready(self, rt: PodRT, *, write: bool) -> None:
        world = self.world
        for c in rt.containers:
            c.ready = c.state == "running" and c.probe_ok and not rt.node_lost
        ready = all(c.ready for c in rt.containers) and not rt.churn_unready and bool(rt.containers)
        if ready != rt.ready:
            rt.ready = ready
            rt.t_ready_change = world.now()
            world.owner_changed(rt)
        if write:
            self.write(rt)

    def set_node_lost(self, rt: PodRT, lost: bool) -> None:
        if rt.node_lost == lost:
            return
        rt.node_lost = lost
        self._refresh_ready(rt, write=True)
        if lost:
            self.world.events.emit(rt.ref(), "NodeNotReady", "Node is not ready", type_="Warning",
                                   component="node-controller")

    def churn(self, rt: PodRT) -> None:
        """Flip readiness of a filler pod: the benchmark's steady stream of real changes."""
        if rt.stage != "running" or rt.terminating:
            return
        rt.churn_unready = not rt.churn_unready
        ready = all(c.ready for c in rt.containers) and not rt.churn_unready
        if ready == rt.ready:
            return
        world = self.world
        rt.ready = ready
        rt.t_ready_change = world.now()
        world.lazy_owner_changed(rt)
        stored = world.store.get("pods", rt.namespace, rt.name)
        if stored is None or stored["metadata"].get("uid") != rt.uid:
            return
        # Only the two Ready conditions and the containers' ready flags change: patch those
        # rather than re-rendering the whole status, since this runs thousands of times a second.
        status = stored["status"]
        stamp = o.format_time(rt.t_ready_change)
        value = "True" if ready else "False"
        unready = [c.name for c in rt.containers]
        conditions = []
        for cond in status.get("conditions") or ():
            if cond["type"] in ("Ready", "ContainersReady"):
                cond = {"type": cond["type"], "status": value, "lastProbeTime": None, "lastTransitionTime": stamp}
                if not ready:
                    cond["reason"] = "ContainersNotReady"
                    cond["message"] = f"containers with unready status: [{' '.join(unready)}]"
            conditions.append(cond)
        statuses = [{**cs, "ready": ready} for cs in status.get("containerStatuses") or ()]
        world.write("pods", {**stored, "status": {**status, "conditions": conditions, "containerStatuses": statuses}})

    # -- termination -------------------------------------------------------------------

    def _begin_termination(self, rt: PodRT) -> None:
        world = self.world
        rt.terminating = True
        self.pending.discard(rt.key)
        world.owner_changed(rt)
        if rt.stage in ("new", "unschedulable") or rt.node is None:
            world.remove("pods", rt.namespace, rt.name)
            return
        for c in rt.containers:
            if c.state == "running":
                world.events.emit(rt.ref(c.name), "Killing", f"Stopping container {c.name}", host=rt.node)
        # Processes usually exit well before the grace period ends; the grace is the ceiling.
        shutdown = min(float(rt.grace), world.faults.shutdown_seconds(rt))
        world.after(shutdown, self._finish_termination, rt)

    def _finish_termination(self, rt: PodRT) -> None:
        world = self.world
        if not self.alive(rt):
            return
        node = world.nodes.get(rt.node or "")
        if node is not None and not node.kubelet_up:
            # Nobody can confirm the containers stopped: the pod stays Terminating until the
            # node comes back or someone force-deletes it, exactly as on a real cluster.
            return
        stored = world.store.get("pods", rt.namespace, rt.name)
        if stored is not None and stored["metadata"].get("uid") == rt.uid:
            world.remove("pods", rt.namespace, rt.name)

    def mark_for_deletion(self, rt: PodRT, grace: int | None = None) -> None:
        """What a graceful DELETE does: set deletionTimestamp, then the kubelet takes over."""
        world = self.world
        stored = world.store.get("pods", rt.namespace, rt.name)
        if stored is None or stored["metadata"].get("deletionTimestamp"):
            return
        grace = rt.grace if grace is None else grace
        if grace <= 0 or rt.node is None:
            world.remove("pods", rt.namespace, rt.name)
            return
        meta = {**stored["metadata"], "deletionTimestamp": o.format_time(world.now() + grace),
                "deletionGracePeriodSeconds": grace}
        world.write("pods", {**stored, "metadata": meta})

    def node_back(self, node: NodeRT) -> None:
        """The node's kubelet reports again: finish what waited for it."""
        world = self.world
        for key in list(node.pods):
            rt = world.pods.get(key)
            if rt is None:
                continue
            self.set_node_lost(rt, False)
            if rt.terminating:
                world.after(world.rng.uniform(0.5, 2.0), self._finish_termination, rt)
            elif rt.stage == "creating" and rt.t_sandbox == 0:
                world.after(0.5, self._sandbox, rt)
            else:
                for c in rt.containers:
                    if c.state == "running":
                        world.after(world.rng.uniform(0.5, 3.0), self._probe, rt, c, c.epoch)
                    elif c.state == "backoff":
                        world.after(1.0, self._restart, rt, c, c.epoch)


# --- nodes -----------------------------------------------------------------------------

class NodeLifecycle:
    """Kubelet heartbeats, the node controller's NotReady verdict, taints and eviction."""

    def __init__(self, world: World):
        self.world = world

    def heartbeat(self, node: NodeRT, interval: float) -> None:
        world = self.world
        if world.nodes.get(node.name) is not node:
            return
        if node.kubelet_up:
            stored = world.store.get("nodes", None, node.name)
            if stored is not None:
                stamp = o.format_time(world.now())
                conditions = [{**c, "lastHeartbeatTime": stamp} if c["type"] != "NetworkUnavailable" else c
                              for c in stored["status"].get("conditions") or []]
                world.write("nodes", {**stored, "status": {**stored["status"], "conditions": conditions}})
        world.after(interval * world.rng.uniform(0.9, 1.1), self.heartbeat, node, interval)

    def on_node(self, type_: str, obj: dict, own: bool) -> None:
        world = self.world
        name = obj["metadata"]["name"]
        node = world.nodes.get(name)
        if type_ == "DELETED":
            if node is not None:
                world.drop_node(node)
            return
        if node is None or own:
            return
        spec = obj.get("spec") or {}
        unschedulable = bool(spec.get("unschedulable"))
        taints = list(spec.get("taints") or [])
        if unschedulable != node.unschedulable:
            node.unschedulable = unschedulable
            # The node lifecycle controller mirrors cordon as a NoSchedule taint.
            key = "node.kubernetes.io/unschedulable"
            has = any(t.get("key") == key for t in taints)
            if unschedulable and not has:
                taints.append({"key": key, "effect": "NoSchedule", "timeAdded": o.format_time(world.now())})
            elif not unschedulable and has:
                taints = [t for t in taints if t.get("key") != key]
            world.write("nodes", {**obj, "spec": {**spec, "taints": taints} if taints else
                                  {k: v for k, v in spec.items() if k != "taints"}})
            world.events.emit(o.involved(obj), "NodeSchedulable" if not unschedulable else "NodeNotSchedulable",
                              f"Node {name} status is now: {'NodeNotSchedulable' if unschedulable else 'NodeSchedulable'}",
                              host=name)
            if not unschedulable:
                world.kubelet.retry_pending()
        node.taints = taints

    def stop_kubelet(self, node: NodeRT) -> None:
        """The kubelet goes silent; the node controller notices after the grace period."""
        if not node.kubelet_up:
            return
        node.kubelet_up = False
        node.epoch += 1
        self.world.after(NODE_MONITOR_GRACE, self._declare_lost, node, node.epoch)

    def _declare_lost(self, node: NodeRT, epoch: int) -> None:
        world = self.world
        if node.epoch != epoch or node.kubelet_up or world.nodes.get(node.name) is not node:
            return
        now = world.now()
        stamp = o.format_time(now)
        stored = world.store.get("nodes", None, node.name)
        if stored is None:
            return
        node.ready = False
        node.t_ready_change = now
        conditions = []
        for c in stored["status"].get("conditions") or []:
            if c["type"] == "NetworkUnavailable":
                conditions.append(c)
            else:
                conditions.append({**c, "status": "Unknown", "reason": "NodeStatusUnknown",
                                   "message": "Kubelet stopped posting node status.", "lastTransitionTime": stamp})
        spec = dict(stored.get("spec") or {})
        taints = [t for t in spec.get("taints") or [] if not t.get("key", "").startswith("node.kubernetes.io/unreachable")]
        taints += [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": stamp},
                   {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": stamp}]
        spec["taints"] = taints
        node.taints = taints
        world.write("nodes", {**stored, "spec": spec, "status": {**stored["status"], "conditions": conditions}})
        world.events.emit(o.involved(stored), "NodeNotReady", f"Node {node.name} status is now: NodeNotReady",
                          component="node-controller")
        for key in list(node.pods):
            rt = world.pods.get(key)
            if rt is not None:
                world.kubelet.set_node_lost(rt, True)
        # Pods tolerate node.kubernetes.io/unreachable:NoExecute for 300 s (DefaultTolerationSeconds).
        world.after(300.0, self._evict, node, node.epoch)

    def _evict(self, node: NodeRT, epoch: int) -> None:
        world = self.world
        if node.epoch != epoch or node.kubelet_up:
            return
        for key in sorted(node.pods):
            rt = world.pods.get(key)
            if rt is None or rt.terminating:
                continue
            world.events.emit(rt.ref(), "TaintManagerEviction", f"Marking for deletion Pod {rt.namespace}/{rt.name}",
                              component="taint-eviction-controller")
            world.kubelet.mark_for_deletion(rt)

    def start_kubelet(self, node: NodeRT) -> None:
        world = self.world
        if node.kubelet_up:
            return
        node.kubelet_up = True
        node.epoch += 1
        now = world.now()
        stamp = o.format_time(now)
        stored = world.store.get("nodes", None, node.name)
        if stored is not None and not node.ready:
            conditions = o.node_conditions(True, stamp, stamp)
            spec = dict(stored.get("spec") or {})
            taints = [t for t in spec.get("taints") or [] if t.get("key") != "node.kubernetes.io/unreachable"]
            if taints:
                spec["taints"] = taints
            else:
                spec.pop("taints", None)
            node.taints = taints
            world.write("nodes", {**stored, "spec": spec, "status": {**stored["status"], "conditions": conditions}})
            world.events.emit(o.involved(stored), "NodeReady", f"Node {node.name} status is now: NodeReady",
                              host=node.name)
        node.ready = True
        node.t_ready_change = now
        world.kubelet.node_back(node)
        world.kubelet.retry_pending()


# --- workloads -------------------------------------------------------------------------

def _revision(obj: dict) -> int:
    try:
        return int((obj["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "0"))
    except ValueError:
        return 0


def _status_int(obj: dict, field_: str) -> int:
    return int((obj.get("status") or {}).get(field_) or 0)


def _compact(status: dict, keep: tuple[str, ...] = ()) -> dict:
    """Drop zero counters, as the API's omitempty does."""
    return {k: v for k, v in status.items() if v not in (0, None) or k in keep}


class Workloads:
    """Deployment, ReplicaSet and StatefulSet controllers."""

    def __init__(self, world: World):
        self.world = world

    # -- ReplicaSet --------------------------------------------------------------------

    def reconcile_rs(self, ns: str, name: str) -> None:
        world = self.world
        rs = world.store.get("replicasets", ns, name)
        if rs is None or rs["metadata"].get("deletionTimestamp"):
            return
        uid = rs["metadata"]["uid"]
        pods = [world.pods[(ns, n)] for n in world.children.get(uid, ()) if (ns, n) in world.pods]
        active = [rt for rt in pods if not rt.terminating]
        want = int(rs["spec"].get("replicas", 1))
        diff = want - len(active)
        ref = o.involved(rs)
        if diff > 0:
            template = rs["spec"]["template"]
            owner = o.owner_ref("ReplicaSet", rs)
            for _ in range(diff):
                pod_name = world.unique_name(ns, f"{name}-")
                pod = o.pod_from_template(template, pod_name, ns, owner, generate_name=f"{name}-")
                world.create("pods", pod)
                world.events.emit(ref, "SuccessfulCreate", f"Created pod: {pod_name}",
                                  component="replicaset-controller")
            pods = [world.pods[(ns, n)] for n in world.children.get(uid, ()) if (ns, n) in world.pods]
            active = [rt for rt in pods if not rt.terminating]
        elif diff < 0:
            ranked = sorted(active, key=lambda rt: (rt.node is not None, rt.stage == "running", rt.ready,
                                                     -sum(c.restarts for c in rt.containers), -rt.created))
            for rt in ranked[:-diff]:
                world.kubelet.mark_for_deletion(rt)
                world.events.emit(ref, "SuccessfulDelete", f"Deleted pod: {rt.name}", component="replicaset-controller")
            active = [rt for rt in active if not rt.terminating]
        ready = sum(1 for rt in active if rt.ready)
        status = _compact({"replicas": len(active), "fullyLabeledReplicas": len(active), "readyReplicas": ready,
                           "availableReplicas": ready,
                           "observedGeneration": rs["metadata"].get("generation", 1)}, keep=("replicas",))
        if status != rs.get("status"):
            current = world.store.get("replicasets", ns, name)
            world.write("replicasets", {**current, "status": status})
            owner = o.controller_of(rs)
            if owner and owner.get("kind") == "Deployment":
                world.dirty_deploy.add((ns, owner["name"]))

    # -- Deployment --------------------------------------------------------------------

    def reconcile_deployment(self, ns: str, name: str) -> None:
        world = self.world
        store = world.store
        d = store.get("deployments", ns, name)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return
        uid = d["metadata"]["uid"]
        spec = d["spec"]
        desired = int(spec.get("replicas", 1))
        template = spec["template"]
        pod_hash = o.template_hash(template)
        rss = [rs for n in sorted(world.children_rs.get(uid, ()))
               if (rs := store.get("replicasets", ns, n)) is not None]
        new_rs = next((rs for rs in rss if (rs["metadata"].get("labels") or {}).get("pod-template-hash") == pod_hash),
                      None)
        olds = [rs for rs in rss if rs is not new_rs]
        max_old_rev = max((_revision(rs) for rs in olds), default=0)
        surge, unavailable = o.surge_and_unavailable(d)
        created_new = False
        if new_rs is None and not spec.get("paused"):
            total = sum(int(rs["spec"].get("replicas", 0)) for rs in olds)
            start = max(0, min(desired + surge - total, desired)) if olds else desired
            rs_obj = o.replicaset(d, template, pod_hash, max_old_rev + 1, start)
            try:
                new_rs = world.create("replicasets", rs_obj)
            except AlreadyExists:
                return
            created_new = True
            world.dirty_rs.add((ns, new_rs["metadata"]["name"]))
            if start:
                self._scaled_event(d, new_rs, start, 0)
        elif new_rs is not None and _revision(new_rs) <= max_old_rev:
            # Rolling back to an old template re-uses its ReplicaSet under a new revision.
            annotations = {**(new_rs["metadata"].get("annotations") or {}),
                           "deployment.kubernetes.io/revision": str(max_old_rev + 1)}
            new_rs = world.write("replicasets", {**new_rs, "metadata": {**new_rs["metadata"], "annotations": annotations}})
        if new_rs is not None and not spec.get("paused"):
            self._roll(d, new_rs, olds, desired, surge, unavailable)
            self._prune_history(d, new_rs, olds)
        self._deployment_status(d, new_rs, created_new)

    def _scaled_event(self, d: dict, rs: dict, to: int, frm: int) -> None:
        verb = "up" if to > frm else "down"
        self.world.events.emit(o.involved(d), "ScalingReplicaSet",
                               f"Scaled {verb} replica set {rs['metadata']['name']} to {to} from {frm}",
                               component="deployment-controller")

    def _scale_rs(self, d: dict, rs: dict, replicas: int) -> dict:
        world = self.world
        current = world.store.get("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"]) or rs
        before = int(current["spec"].get("replicas", 0))
        if before == replicas:
            return current
        surge, _ = o.surge_and_unavailable(d)
        desired = int(d["spec"].get("replicas", 1))
        annotations = {**(current["metadata"].get("annotations") or {}),
                       "deployment.kubernetes.io/desired-replicas": str(desired),
                       "deployment.kubernetes.io/max-replicas": str(desired + surge)}
        updated = world.write("replicasets", {**current, "metadata": {**current["metadata"], "annotations": annotations},
                                              "spec": {**current["spec"], "replicas": replicas}})
        world.dirty_rs.add((updated["metadata"]["namespace"], updated["metadata"]["name"]))
        self._scaled_event(d, updated, replicas, before)
        return updated

    def _roll(self, d: dict, new_rs: dict, olds: list[dict], desired: int, surge: int, unavailable: int) -> None:
        """One step of the RollingUpdate strategy, as deployment/rolling.go computes it."""
        spec_n = lambda rs: int(rs["spec"].get("replicas", 0))  # noqa: E731
        new_n = spec_n(new_rs)
        if new_n > desired:
            new_rs = self._scale_rs(d, new_rs, desired)
        elif new_n < desired:
            total = new_n + sum(spec_n(rs) for rs in olds)
            if total < desired + surge:
                up = min(desired + surge - total, desired - new_n)
                if up > 0:
                    new_rs = self._scale_rs(d, new_rs, new_n + up)
        old_total = sum(spec_n(rs) for rs in olds)
        if old_total == 0:
            return
        all_total = spec_n(new_rs) + old_total
        min_available = desired - unavailable
        new_unavailable = spec_n(new_rs) - _status_int(new_rs, "availableReplicas")
        max_down = all_total - min_available - new_unavailable
        if max_down <= 0:
            return
        olds = sorted(olds, key=lambda rs: rs["metadata"].get("creationTimestamp", ""))
        cleaned = 0
        for i, rs in enumerate(olds):
            if cleaned >= max_down:
                break
            n = spec_n(rs)
            unhealthy = n - _status_int(rs, "availableReplicas")
            if n == 0 or unhealthy <= 0:
                continue
            down = min(unhealthy, max_down - cleaned)
            olds[i] = self._scale_rs(d, rs, n - down)
            cleaned += down
        available = _status_int(new_rs, "availableReplicas") + sum(
            min(_status_int(rs, "availableReplicas"), spec_n(rs)) for rs in olds)
        if available <= min_available:
            return
        remaining = min(available - min_available, max_down - cleaned)
        for i, rs in enumerate(olds):
            if remaining <= 0:
                break
            n = spec_n(rs)
            if n == 0:
                continue
            down = min(n, remaining)
            olds[i] = self._scale_rs(d, rs, n - down)
            remaining -= down

    def _prune_history(self, d: dict, new_rs: dict, olds: list[dict]) -> None:
        limit = int(d["spec"].get("revisionHistoryLimit", 10))
        idle = [rs for rs in olds if int(rs["spec"].get("replicas", 0)) == 0 and _status_int(rs, "replicas") == 0]
        idle.sort(key=_revision)
        for rs in idle[:max(0, len(idle) - limit)]:
            self.world.remove("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"])

    def _deployment_status(self, d: dict, new_rs: dict | None, created_new: bool) -> None:
        world = self.world
        store = world.store
        ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
        d = store.get("deployments", ns, name)
        if d is None:
            return
        uid = d["metadata"]["uid"]
        rss = [rs for n in world.children_rs.get(uid, ()) if (rs := store.get("replicasets", ns, n)) is not None]
        if new_rs is not None:
            new_rs = store.get("replicasets", ns, new_rs["metadata"]["name"])
        desired = int(d["spec"].get("replicas", 1))
        _, unavailable_limit = o.surge_and_unavailable(d)
        spec_total = sum(int(rs["spec"].get("replicas", 0)) for rs in rss)
        available = sum(_status_int(rs, "availableReplicas") for rs in rss)
        ready = sum(_status_int(rs, "readyReplicas") for rs in rss)
        actual = sum(_status_int(rs, "replicas") for rs in rss)
        updated = _status_int(new_rs, "replicas") if new_rs else 0
        now_stamp = o.format_time(world.now())
        old_status = d.get("status") or {}
        old_conds = {c["type"]: c for c in old_status.get("conditions") or []}

        def cond(type_: str, status: str, reason: str, message: str, *, progress: bool = False) -> dict:
            prev = old_conds.get(type_)
            transition = now_stamp if prev is None or prev.get("status") != status else prev["lastTransitionTime"]
            last_update = now_stamp
            if prev is not None and prev.get("status") == status and prev.get("reason") == reason \
                    and prev.get("message") == message and not progress:
                last_update = prev.get("lastUpdateTime", now_stamp)
            return {"type": type_, "status": status, "lastUpdateTime": last_update,
                    "lastTransitionTime": transition, "reason": reason, "message": message}

        if available >= desired - unavailable_limit:
            available_cond = cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        else:
            available_cond = cond("Available", "False", "MinimumReplicasUnavailable",
                                  "Deployment does not have minimum availability.")
        rs_name = new_rs["metadata"]["name"] if new_rs else name
        complete = (new_rs is not None and updated == desired and actual == desired
                    and _status_int(new_rs, "availableReplicas") >= desired)
        prev_prog = old_conds.get("Progressing")
        prev_reason = prev_prog.get("reason") if prev_prog else None
        old_replicas_now = actual - updated
        old_replicas_before = old_status.get("replicas", 0) - old_status.get("updatedReplicas", 0)
        # deployment/util.DeploymentProgressing: what counts as progress.
        progressed = (updated > old_status.get("updatedReplicas", 0) or old_replicas_now < old_replicas_before
                      or ready > old_status.get("readyReplicas", 0)
                      or available > old_status.get("availableReplicas", 0))
        deadline = int(d["spec"].get("progressDeadlineSeconds", 600))
        if complete:
            progressing = cond("Progressing", "True", "NewReplicaSetAvailable",
                               f'ReplicaSet "{rs_name}" has successfully progressed.')
        elif created_new:
            progressing = cond("Progressing", "True", "NewReplicaSetCreated", f'Created new replica set "{rs_name}"',
                               progress=True)
            world.dirty_deploy_later(ns, name, deadline + 1)
        elif progressed:
            progressing = cond("Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.',
                               progress=True)
            world.dirty_deploy_later(ns, name, deadline + 1)
        elif prev_prog is None:
            progressing = cond("Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')
        elif prev_reason == "NewReplicaSetAvailable" and f'"{rs_name}"' not in prev_prog.get("message", ""):
            # An undo back to an older ReplicaSet is a rollout even before anything moved.
            progressing = cond("Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.',
                               progress=True)
            world.dirty_deploy_later(ns, name, deadline + 1)
        elif prev_reason in ("NewReplicaSetAvailable", "ProgressDeadlineExceeded"):
            # Pods failing after a finished rollout are not a stuck rollout; a timed-out one stays so.
            progressing = dict(prev_prog)
        else:
            last = o.parse_time(prev_prog.get("lastUpdateTime"))
            if last is not None and world.now() - last.timestamp() > deadline:
                # `kubectl rollout status` reports this as an error.
                progressing = cond("Progressing", "False", "ProgressDeadlineExceeded",
                                   f'ReplicaSet "{rs_name}" has timed out progressing.')
            else:
                progressing = dict(prev_prog)
                world.dirty_deploy_later(ns, name, deadline + 1)
        status = _compact({
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": actual, "updatedReplicas": updated, "readyReplicas": ready,
            "availableReplicas": available, "unavailableReplicas": max(0, spec_total - available),
        })
        status["conditions"] = [available_cond, progressing]
        meta = d["metadata"]
        annotations = dict(meta.get("annotations") or {})
        if new_rs is not None:
            annotations["deployment.kubernetes.io/revision"] = str(_revision(new_rs))
        new = {**d, "metadata": {**meta, "annotations": annotations}, "status": status}
        world.write("deployments", new)

    # -- StatefulSet -------------------------------------------------------------------

    def reconcile_sts(self, ns: str, name: str) -> None:
        world = self.world
        sts = world.store.get("statefulsets", ns, name)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return
        uid = sts["metadata"]["uid"]
        spec = sts["spec"]
        want = int(spec.get("replicas", 1))
        update_rev = f"{name}-{o.template_hash(spec['template'])}"
        old_status = sts.get("status") or {}
        current_rev = old_status.get("currentRevision") or update_rev
        pods: dict[int, PodRT] = {}
        for pod_name in world.children.get(uid, ()):
            rt = world.pods.get((ns, pod_name))
            suffix = pod_name.rsplit("-", 1)[-1]
            if rt is not None and suffix.isdigit():
                pods[int(suffix)] = rt
        ref = o.involved(sts)
        # OrderedReady: create the lowest missing ordinal once all before it are Running and Ready.
        for i in range(want):
            rt = pods.get(i)
            if rt is None:
                self._create_sts_pod(sts, i, update_rev)
                world.events.emit(ref, "SuccessfulCreate", f"create Pod {name}-{i} in StatefulSet {name} successful",
                                  component="statefulset-controller")
                break
            if not rt.ready or rt.terminating:
                break
        else:
            extra = sorted((i for i in pods if i >= want), reverse=True)
            if extra:
                rt = pods[extra[0]]
                if not rt.terminating:
                    world.kubelet.mark_for_deletion(rt)
                    world.events.emit(ref, "SuccessfulDelete", f"delete Pod {rt.name} in StatefulSet {name} successful",
                                      component="statefulset-controller")
            else:
                outdated = [i for i in sorted(pods, reverse=True)
                            if i < want and world.pod_revision(pods[i]) != update_rev]
                if outdated and not any(rt.terminating for rt in pods.values()):
                    rt = pods[outdated[0]]
                    world.kubelet.mark_for_deletion(rt)
                    world.events.emit(ref, "SuccessfulDelete", f"delete Pod {rt.name} in StatefulSet {name} successful",
                                      component="statefulset-controller")
        live = [rt for rt in pods.values() if not rt.terminating]
        ready = sum(1 for rt in live if rt.ready)
        updated = sum(1 for rt in live if world.pod_revision(rt) == update_rev)
        if updated == len(live) and len(live) == want:
            current_rev = update_rev
        current = sum(1 for rt in live if world.pod_revision(rt) == current_rev)
        status = {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(live),
                  "readyReplicas": ready, "currentReplicas": current, "updatedReplicas": updated,
                  "currentRevision": current_rev, "updateRevision": update_rev, "collisionCount": 0,
                  "availableReplicas": ready}
        status = _compact(status, keep=("replicas", "availableReplicas", "collisionCount"))
        if status != sts.get("status"):
            world.write("statefulsets", {**sts, "status": status})

    def _create_sts_pod(self, sts: dict, ordinal: int, revision: str) -> None:
        world = self.world
        name = sts["metadata"]["name"]
        ns = sts["metadata"]["namespace"]
        pod_name = f"{name}-{ordinal}"
        extra_labels = {"controller-revision-hash": revision, "statefulset.kubernetes.io/pod-name": pod_name,
                        "apps.kubernetes.io/pod-index": str(ordinal)}
        volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": f"data-{pod_name}"}}]
        pod = o.pod_from_template(sts["spec"]["template"], pod_name, ns, o.owner_ref("StatefulSet", sts),
                                  extra_labels=extra_labels,
                                  extra_spec={"hostname": pod_name, "subdomain": sts["spec"].get("serviceName", name),
                                              "volumes": volumes})
        try:
            world.create("pods", pod)
        except AlreadyExists:
            pass

