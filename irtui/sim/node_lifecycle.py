"""The simulated node lifecycle: kubelet heartbeats, the NotReady verdict, taints, eviction.

Each node's kubelet renews its conditions' heartbeats; when one goes silent the node
lifecycle controller waits out the grace period, marks the node's conditions Unknown, taints
it unreachable (NoSchedule, NoExecute) and, after the pods' default 300 s toleration, evicts
them. Cordon (spec.unschedulable) is mirrored as the NoSchedule taint, as the real controller
does. A kubelet that comes back clears all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irtui.sim import objects as o

if TYPE_CHECKING:
    from irtui.sim.runtime import NodeRT
    from irtui.sim.world import World

NODE_MONITOR_GRACE = 40.0


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
                world.scheduler.retry_pending()
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
        world.scheduler.retry_pending()
