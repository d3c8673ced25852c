"""The simulated default-scheduler: binds each new pod to a node, or says why it cannot.

It filters the nodes of the pod's node group (cordoned, NotReady or tainted, full) and binds
to the least loaded one that is left, as the real scheduler's default plugins mostly do; an
unschedulable pod gets a `FailedScheduling` Event worded as the real one and is retried every
ten seconds, and at once when a node comes back or is uncordoned. Binding writes
`spec.nodeName` and hands the pod to the kubelet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from irtui.sim.runtime import PodRT
    from irtui.sim.world import World


class Scheduler:
    """Pod placement, on timers; `pending` holds the pods that found no node."""

    def __init__(self, world: World):
        self.world = world
        self.pending: set[tuple[str, str]] = set()

    def forget(self, rt: PodRT) -> None:
        self.pending.discard(rt.key)

    def schedule(self, rt: PodRT) -> None:
        world = self.world
        if not world.kubelet.alive(rt) or rt.terminating or rt.stage not in ("new", "unschedulable"):
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
                world.kubelet.write(rt)
                world.events.emit(rt.ref(), "FailedScheduling", message, type_="Warning",
                                  component="default-scheduler")
            self.pending.add(rt.key)
            world.after(10.0, self.schedule, rt)
            return
        self.pending.discard(rt.key)
        self.bind(rt, best.name, announce=True)

    def retry_pending(self) -> None:
        for key in list(self.pending):
            rt = self.world.pods.get(key)
            if rt is not None:
                self.world.after(self.world.rng.uniform(0.1, 0.5), self.schedule, rt)

    def bind(self, rt: PodRT, node_name: str, *, announce: bool) -> None:
        """Place the pod on the node; `announce` is False for a pod created with spec.nodeName."""
        world = self.world
        node = world.nodes[node_name]
        now = world.now()
        rt.node, rt.host_ip, rt.stage = node_name, node.ip, "creating"
        rt.t_scheduled = rt.t_ready_change = now
        world.index_pod_node(rt)
        world.kubelet.write(rt, spec_node=True)
        if announce:
            world.events.emit(rt.ref(), "Scheduled", f"Successfully assigned {rt.namespace}/{rt.name} to {node_name}",
                              component="default-scheduler")
        world.after(world.rng.uniform(0.3, 0.8), world.kubelet.sandbox, rt)
