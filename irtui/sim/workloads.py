"""The simulated workload controllers: ReplicaSets, Deployments and StatefulSets.

Each reconciles an owner with its children as kube-controller-manager does: a ReplicaSet
creates and deletes pods to match its replicas; a Deployment creates a ReplicaSet per pod
template and rolls from old to new by the RollingUpdate arithmetic of deployment/rolling.go,
keeps the revision history and reports Available / Progressing (with the progress deadline);
a StatefulSet creates its ordinals in order, deletes from the highest, and replaces outdated
pods one at a time. They are called for the objects the world marked dirty, never by scanning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irtui.sim import objects as o
from irtui.sim.store import AlreadyExists

if TYPE_CHECKING:
    from irtui.sim.runtime import PodRT
    from irtui.sim.world import World


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
