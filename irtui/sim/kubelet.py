"""The simulated kubelet: runs the containers of every pod bound to a node.

It pulls images, starts containers, probes readiness, crashes them when the scenarios say so
and restarts them with the kubelet's doubling back-off (CrashLoopBackOff), terminates pods
gracefully, and publishes each pod's status (`irtui.sim.pod_status`) and core/v1 Events as
it goes. A node whose kubelet is stopped leaves its pods as they were until it comes back.

What a container does once started (crash, stay unready, fail its pull) is asked of the
scenarios' `Faults`; this module has no fault logic. Work is driven by timers with an epoch
per container, so a stale timer gives up instead of scanning every pod on every tick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irtui.sim import objects as o
from irtui.sim.pod_status import render_status
from irtui.sim.runtime import BACKOFF_START, Container, PodRT, Run

if TYPE_CHECKING:
    from irtui.sim.runtime import NodeRT
    from irtui.sim.world import World

BACKOFF_CAP = 300.0
# A container that ran this long without crashing has its back-off forgotten (kubelet: 10 min).
BACKOFF_RESET_AFTER = 600.0


class Kubelet:
    """The life of every pod's containers, on timers."""

    def __init__(self, world: World):
        self.world = world

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
                world.scheduler.bind(rt, node, announce=False)
            else:
                world.after(world.rng.uniform(0.2, 0.8), world.scheduler.schedule, rt)
        elif rt.uid is None:
            rt.uid = meta.get("uid")
            world.index_pod(rt)
        if meta.get("deletionTimestamp") and not rt.terminating:
            self._begin_termination(rt)

    def _forget(self, rt: PodRT) -> None:
        world = self.world
        world.pods.pop(rt.key, None)
        world.scheduler.forget(rt)
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


    def sandbox(self, rt: PodRT) -> None:
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
        world.scheduler.forget(rt)
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
                world.after(0.5, self.sandbox, rt)
            else:
                for c in rt.containers:
                    if c.state == "running":
                        world.after(world.rng.uniform(0.5, 3.0), self._probe, rt, c, c.epoch)
                    elif c.state == "backoff":
                        world.after(1.0, self._restart, rt, c, c.epoch)
