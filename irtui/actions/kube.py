"""The Kubernetes remediations of the runbook, as kubectl performs them.

Each class reproduces what the equivalent kubectl command sends (the same patch, the same
subresource, the same semantics), so the cluster ends in the state the runbook expects:
`rollout restart` stamps `kubectl.kubernetes.io/restartedAt`; `scale` patches the scale
subresource; `rollout undo` copies the previous ReplicaSet revision's template back into
the Deployment; `set env` merges by variable name into every container; `cordon` sets
`spec.unschedulable`; `drain` cordons then evicts (or deletes when the cluster has no
eviction API) every pod except DaemonSet and mirror pods. Every mutation is first sent
with dryRun=All. Nothing here asks, confirms or records: the executor does.
"""

from __future__ import annotations

import copy
import time
from datetime import datetime, timezone
from typing import Any, Mapping

from kubernetes.client.exceptions import ApiException

from irtui.actions.base import ActionEnv, Impl, ns_of
from irtui.actions.kubeapi import JSON_PATCH, MERGE, RBAC_RESOURCE, STRATEGIC, Kube, resource_path
from irtui.actions.model import AccessCheck, ActionError, Executed, NothingToDo, Prepared, Target, UndoPlan
from irtui.redact import shown

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
REVISION = "deployment.kubernetes.io/revision"
POD_TEMPLATE_HASH = "pod-template-hash"
# kubectl's rollback does not copy these from the ReplicaSet to the Deployment.
_ROLLBACK_SKIP_ANNOTATIONS = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration", REVISION,
    "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to",
})


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def kube_of(env: ActionEnv) -> Kube:
    """The session's cluster client. The executor only runs a step that `Impl.unavailable`
    let through, which needs a connection, so this raises only for a step called directly."""
    if env.kube is None:
        raise ActionError("not connected to a cluster")
    return env.kube


def _check(verb: str, kind: str, namespace: str | None, name: str | None = None, sub: str = "") -> AccessCheck:
    group, plural = RBAC_RESOURCE[kind]
    return AccessCheck(verb, plural, group, sub, namespace, name)


def _need_kind(target: Target, *kinds: str) -> None:
    if target.kind not in kinds:
        raise ActionError(f"{target.label} is not a {' or '.join(kinds)}")


def _workload_line(obj: dict) -> str:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return (f"replicas {spec.get('replicas', 1)} desired, {status.get('readyReplicas', 0)} ready, "
            f"{status.get('updatedReplicas', 0)} up to date")


# --- rollout restart ------------------------------------------------------------------------

def restart_patch() -> dict:
    return {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: _now()}}}}}


class RolloutRestart(Impl):
    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [_check("patch", target.kind, ns_of(env, target), target.name)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "deployment", "statefulset")
        ns = ns_of(env, target)
        path = resource_path(target.kind, ns, target.name)
        obj = kube_of(env).get(path)
        if (obj.get("spec") or {}).get("paused"):
            raise ActionError(f"{target.label} is paused; resume it before restarting (kubectl refuses too)")
        return Prepared(
            command=env.kubectl("rollout", "restart", f"{target.kind}/{target.name}", namespace=ns),
            summary=[f"{target.label}: {_workload_line(obj)}",
                     "every pod is replaced by a new one, following the rollout strategy"],
            targets=[target.label],
            state={"path": path, "patch": restart_patch()},
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], STRATEGIC, dry_run=True)
        return ["server accepted the restart patch (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        result = kube_of(env).patch(prepared.state["path"], prepared.state["patch"], STRATEGIC)
        generation = (result.get("metadata") or {}).get("generation")
        return f"{target.label} restarted" + (f" (generation {generation})" if generation else "")


class RolloutRestartAll(Impl):
    """`kubectl rollout restart deployment -n NS`: every Deployment of the namespace."""

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [_check("patch", "deployment", ns_of(env, target))]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        ns = target.name if target.kind == "namespace" else ns_of(env, target)
        deployments = kube_of(env).items(resource_path("deployment", ns))
        names = sorted((d.get("metadata") or {}).get("name", "") for d in deployments)
        if not names:
            raise NothingToDo(f"no deployments in namespace {ns}")
        paused = [(d["metadata"]["name"]) for d in deployments if (d.get("spec") or {}).get("paused")]
        patch = restart_patch()
        return Prepared(
            command=env.kubectl("rollout", "restart", "deployment", namespace=ns),
            summary=[f"{len(names)} deployments in {ns}: {', '.join(names)}",
                     "every pod of every deployment is replaced"],
            targets=[f"deployment/{n}" for n in names],
            state={"ns": ns, "names": [n for n in names if n not in paused], "patch": patch},
            typed_name=ns,
            warnings=[f"paused, skipped: {', '.join(paused)}"] if paused else [],
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        ns = prepared.state["ns"]
        for name in prepared.state["names"]:
            kube_of(env).patch(resource_path("deployment", ns, name), prepared.state["patch"], STRATEGIC, dry_run=True)
        return [f"server accepted the restart of {len(prepared.state['names'])} deployments (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        ns = prepared.state["ns"]
        done, failed = [], []
        for name in prepared.state["names"]:
            try:
                kube_of(env).patch(resource_path("deployment", ns, name), prepared.state["patch"], STRATEGIC)
                done.append(name)
            except ApiException as exc:
                if exc.status == 409:
                    raise
                from irtui.actions.kubeapi import api_message
                failed.append(f"{name}: {api_message(exc)}")
        if failed:
            raise ActionError(f"restarted {len(done)}; failed: {'; '.join(failed)}")
        return f"restarted {len(done)} deployments in {ns}", {"deployments": done}


# --- scale ------------------------------------------------------------------------------------

class Scale(Impl):
    """`kubectl scale`: a merge patch of the scale subresource."""

    fixed_replicas: int | None = None

    def replicas(self, params: Mapping[str, Any]) -> int:
        if self.fixed_replicas is not None:
            return self.fixed_replicas
        if params.get("replicas") is None:
            raise ActionError("how many replicas? (parameter 'replicas')")
        return int(params["replicas"])

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [_check("patch", target.kind, ns_of(env, target), target.name, "scale")]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "deployment", "statefulset")
        ns = ns_of(env, target)
        path = resource_path(target.kind, ns, target.name, "scale")
        scale = kube_of(env).get(path)
        current = int((scale.get("spec") or {}).get("replicas") or 0)
        wanted = self.replicas(params)
        if current == wanted:
            raise NothingToDo(f"{target.label} already has {wanted} replicas")
        summary = [f"{target.label}: {current} -> {wanted} replicas"]
        warnings = []
        if wanted == 0:
            warnings.append(f"{target.label} will have NO running pods: it stops serving entirely")
        return Prepared(
            command=env.kubectl("scale", f"{target.kind}/{target.name}", f"--replicas={wanted}", namespace=ns),
            summary=summary,
            targets=[target.label],
            state={"path": path, "patch": {"spec": {"replicas": wanted}}, "previous": current},
            undo=UndoPlan("kube.scale", target, {"replicas": current}, f"scale {target.label} back to {current}"),
            warnings=warnings,
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], MERGE, dry_run=True)
        return ["server accepted the new replica count (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        result = kube_of(env).patch(prepared.state["path"], prepared.state["patch"], MERGE)
        replicas = (result.get("spec") or {}).get("replicas", prepared.state["patch"]["spec"]["replicas"])
        return f"{target.label} scaled from {prepared.state['previous']} to {replicas}", {"previous": prepared.state["previous"], "replicas": replicas}


class Isolate(Scale):
    """The security playbook's first step: scale the compromised service to zero."""

    fixed_replicas = 0


# --- delete pod -------------------------------------------------------------------------------

class DeletePod(Impl):
    force = False

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [_check("delete", "pod", ns_of(env, target), target.name)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "pod")
        ns = ns_of(env, target)
        pod = kube_of(env).get(resource_path("pod", ns, target.name))
        owners = (pod.get("metadata") or {}).get("ownerReferences") or []
        controller = next((o for o in owners if o.get("controller")), None)
        summary = [f"pod/{target.name} on node {(pod.get('spec') or {}).get('nodeName') or '-'}"]
        warnings = []
        if controller:
            summary.append(f"{controller.get('kind')}/{controller.get('name')} will create a replacement")
        else:
            warnings.append("this pod has no controller: it will NOT be recreated")
        args = ["delete", "pod", target.name]
        if self.force:
            args += ["--force", "--grace-period=0"]
            warnings.append("force delete skips graceful shutdown; the container may still be running on its node")
        return Prepared(
            command=env.kubectl(*args, namespace=ns),
            summary=summary, targets=[target.label],
            state={"path": resource_path("pod", ns, target.name)},
            warnings=warnings,
        )

    def _delete(self, env: ActionEnv, prepared: Prepared, dry_run: bool) -> dict:
        if self.force:
            return kube_of(env).delete(prepared.state["path"], dry_run=dry_run, grace_period=0, propagation="Background")
        return kube_of(env).delete(prepared.state["path"], dry_run=dry_run)

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        self._delete(env, prepared, True)
        return ["server accepted the deletion (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        self._delete(env, prepared, False)
        return f"pod/{target.name} deleted" + (" (force, grace period 0)" if self.force else "")


class ForceDeletePod(DeletePod):
    force = True


# --- rollout undo -----------------------------------------------------------------------------

def _revision(obj: dict) -> int | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def owned_replicasets(kube: Kube, deployment: dict) -> list[dict]:
    """The Deployment's ReplicaSets: matched by its selector and owned by its uid."""
    meta = deployment.get("metadata") or {}
    labels = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or None
    rses = kube.items(resource_path("replicaset", meta.get("namespace")), labelSelector=selector)
    return [rs for rs in rses
            if any(o.get("uid") == meta.get("uid") for o in (rs.get("metadata") or {}).get("ownerReferences") or [])]


def previous_revision(deployment: dict, replicasets: list[dict]) -> tuple[dict, int]:
    """kubectl's `deploymentRevision(..., 0)`: the ReplicaSet with the second-highest revision."""
    latest, latest_rev, previous, previous_rev = None, -1, None, -1
    for rs in replicasets:
        rev = _revision(rs)
        if rev is None:
            continue
        if rev > latest_rev:
            previous, previous_rev = latest, latest_rev
            latest, latest_rev = rs, rev
        elif rev > previous_rev:
            previous, previous_rev = rs, rev
    if previous is None:
        raise ActionError(f"no rollout history found for deployment {deployment['metadata']['name']!r}")
    return previous, previous_rev


def _template_without_hash(template: dict | None) -> dict:
    template = copy.deepcopy(template or {})
    labels = (template.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(POD_TEMPLATE_HASH, None)
    return template


def _images(template: dict) -> str:
    return ", ".join(f"{c.get('name')}={c.get('image')}" for c in (template.get("spec") or {}).get("containers") or [])


class Rollback(Impl):
    """`kubectl rollout undo deployment/NAME`: a JSON patch replacing the pod template (and
    the annotations kubectl copies) with the previous revision's."""

    settle_seconds = 5.0

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        ns = ns_of(env, target)
        return [_check("list", "replicaset", ns), _check("patch", "deployment", ns, target.name)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "deployment")
        ns = ns_of(env, target)
        path = resource_path("deployment", ns, target.name)
        deployment = kube_of(env).get(path)
        if (deployment.get("spec") or {}).get("paused"):
            raise ActionError(f"cannot roll back a paused deployment; resume it first (kubectl rollout resume deployment/{target.name})")
        # Just after a change the deployment controller may not have made the new
        # ReplicaSet yet; "previous" must then mean what is running now, not the one before
        # it (kubectl rollout undo gets this wrong when run too quickly).
        deadline = time.monotonic() + self.settle_seconds
        while True:
            rses = owned_replicasets(kube_of(env), deployment)
            current = _template_without_hash((deployment.get("spec") or {}).get("template"))
            observed = any(_template_without_hash((rs.get("spec") or {}).get("template")) == current for rs in rses)
            if observed or time.monotonic() > deadline:
                break
            time.sleep(0.2)
            deployment = kube_of(env).get(path)
        notes = []
        if observed:
            rs, revision = previous_revision(deployment, rses)
        else:
            revisions = [(r, rev) for r in rses if (rev := _revision(r)) is not None]
            if not revisions:
                raise ActionError(f"no rollout history found for deployment {target.name!r}")
            rs, revision = max(revisions, key=lambda pair: pair[1])
            notes.append(f"the latest change has no ReplicaSet yet; rolling back to the running revision {revision}")
        template = _template_without_hash((rs.get("spec") or {}).get("template"))
        if template == current:
            raise NothingToDo(f"skipped rollback (current template already matches revision {revision})")
        dep_ann = (deployment.get("metadata") or {}).get("annotations") or {}
        annotations = {k: v for k, v in dep_ann.items() if k in _ROLLBACK_SKIP_ANNOTATIONS}
        annotations.update({k: v for k, v in ((rs.get("metadata") or {}).get("annotations") or {}).items()
                            if k not in _ROLLBACK_SKIP_ANNOTATIONS})
        patch = [
            {"op": "replace", "path": "/spec/template", "value": template},
            {"op": "replace", "path": "/metadata/annotations", "value": annotations},
        ]
        rv = (deployment.get("metadata") or {}).get("resourceVersion")
        if rv:
            # Stale read -> 409 from the server, and the executor retries with a fresh read,
            # so we never roll back to a revision chosen from an outdated history.
            patch.append({"op": "replace", "path": "/metadata/resourceVersion", "value": rv})
        current_rev = _revision(deployment)
        return Prepared(
            command=env.kubectl("rollout", "undo", f"deployment/{target.name}", namespace=ns),
            summary=[f"deployment/{target.name}: revision {current_rev if current_rev is not None else '?'} -> template of revision {revision}",
                     f"now:   {_images(current)}", f"after: {_images(template)}", *notes],
            targets=[target.label],
            state={"path": path, "patch": patch, "revision": revision},
            undo=UndoPlan("kube.rollback", target, {}, "roll back again (returns to the revision rolled back from)"),
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], JSON_PATCH, dry_run=True)
        return [f"server accepted the template of revision {prepared.state['revision']} (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], JSON_PATCH)
        return f"deployment/{target.name} rolled back to revision {prepared.state['revision']}", {"to_revision": prepared.state["revision"]}


# --- env --------------------------------------------------------------------------------------

def env_params(params: Mapping[str, Any]) -> tuple[str, str | None]:
    """(name, value) from `name`/`value`, or from a NAME=VALUE preset in `name`."""
    name = str(params.get("name") or "").strip()
    value = params.get("value")
    if "=" in name and value in (None, ""):
        name, value = name.split("=", 1)
    if not name:
        raise ActionError("which environment variable? (parameter 'name')")
    return name, (None if value is None else str(value))


def _containers(workload: dict) -> list[dict]:
    return ((((workload.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or [])


def _quoted(name: str, value: str) -> str:
    """`repr(value)`, or what the redaction policy lets the screen and the record show."""
    visible = shown(name, value)
    return repr(value) if visible == value else str(visible)


def _env_value(container: dict, name: str) -> tuple[bool, Any]:
    for item in container.get("env") or []:
        if item.get("name") == name:
            if "valueFrom" in item:
                return True, {"valueFrom": item["valueFrom"]}
            return True, item.get("value", "")
    return False, None


class SetEnv(Impl):
    """`kubectl set env deployment/NAME NAME=VALUE`: every container of the template.

    A credential's value (by the redaction policy) is sent to the cluster and kept in
    memory for the undo, but the command, the summary, the undo's description and the
    outcome show `[REDACTED]` in its place."""

    unset = False

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [_check("patch", target.kind, ns_of(env, target), target.name)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "deployment", "statefulset")
        name, value = env_params(params)
        if not self.unset and value is None:
            raise ActionError(f"a value for {name} is required")
        ns = ns_of(env, target)
        path = resource_path(target.kind, ns, target.name)
        workload = kube_of(env).get(path)
        containers = _containers(workload)
        if not containers:
            raise ActionError(f"{target.label} has no containers")
        before = {c.get("name"): _env_value(c, name) for c in containers}
        patch_containers = []
        for c in containers:
            present, old = before[c.get("name")]
            if self.unset:
                if present:
                    patch_containers.append({"name": c["name"], "env": [{"name": name, "$patch": "delete"}]})
            elif not present or old != value:
                patch_containers.append({"name": c["name"], "env": [{"name": name, "value": value}]})
        if not patch_containers:
            if self.unset:
                raise NothingToDo(f"{name} is not set on {target.label}")
            assert value is not None  # only unsetting goes without a value (checked above)
            raise NothingToDo(f"{name} is already {_quoted(name, value)} on every container of {target.label}")
        patch = {"spec": {"template": {"spec": {"containers": patch_containers}}}}
        rv = (workload.get("metadata") or {}).get("resourceVersion")
        if rv:
            # The undo is computed from this read: a concurrent change must make us re-read.
            patch["metadata"] = {"resourceVersion": rv}
        olds = {str(v) for p, v in before.values() if p}
        undo = None
        if self.unset:
            if len(olds) == 1 and all(isinstance(v, str) for p, v in before.values() if p):
                old = next(iter(olds))
                undo = UndoPlan("kube.set_env", target, {"name": name, "value": old}, f"set {name}={shown(name, old)} again")
            command = env.kubectl("set", "env", f"{target.kind}/{target.name}", f"{name}-", namespace=ns)
            summary = [f"remove {name} from {', '.join(c['name'] for c in patch_containers)}"]
        else:
            if not olds:
                undo = UndoPlan("kube.unset_env", target, {"name": name}, f"remove {name} again")
            elif len(olds) == 1 and all(isinstance(v, str) for p, v in before.values() if p) and all(p for p, _ in before.values()):
                old = next(iter(olds))
                undo = UndoPlan("kube.set_env", target, {"name": name, "value": old},
                                f"set {name} back to {_quoted(name, old)}")
            command = env.kubectl("set", "env", f"{target.kind}/{target.name}", f"{name}={shown(name, value)}", namespace=ns)
            summary = [f"{name}={shown(name, value)} on {', '.join(c['name'] for c in patch_containers)}"]
            for cname, (present, old) in before.items():
                if present:
                    summary.append(f"  {cname}: was {_quoted(name, old) if isinstance(old, str) else old!r}")
        summary.append("changing the pod template rolls every pod")
        return Prepared(command=command, summary=summary, targets=[target.label],
                        state={"path": path, "patch": patch, "name": name, "value": value}, undo=undo)

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], STRATEGIC, dry_run=True)
        return ["server accepted the template change (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], STRATEGIC)
        name, value = prepared.state["name"], prepared.state["value"]
        if self.unset:
            return f"{name} removed from {target.label}"
        return f"{name}={shown(name, value)} set on {target.label}"


class UnsetEnv(SetEnv):
    unset = True


# --- secrets ----------------------------------------------------------------------------------

class DeleteSecret(Impl):
    """Revoke a credential. The secret is never read: its values must not enter this process."""

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [_check("delete", "secret", ns_of(env, target), target.name)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "secret")
        ns = ns_of(env, target)
        return Prepared(
            command=env.kubectl("delete", "secret", target.name, namespace=ns),
            summary=[f"secret/{target.name} in {ns} is deleted; pods that mount it keep their copy until restarted"],
            targets=[target.label],
            state={"path": resource_path("secret", ns, target.name)},
            warnings=["there is no undo: the credential's value is not kept anywhere by irtui"],
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        kube_of(env).delete(prepared.state["path"], dry_run=True)
        return ["server accepted the deletion (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        kube_of(env).delete(prepared.state["path"])
        return f"secret/{target.name} deleted"


# --- nodes ------------------------------------------------------------------------------------

class Cordon(Impl):
    unschedulable = True

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [_check("patch", "node", None, target.name)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "node")
        path = resource_path("node", None, target.name)
        node = kube_of(env).get(path)
        already = bool((node.get("spec") or {}).get("unschedulable"))
        if already == self.unschedulable:
            raise NothingToDo(f"node/{target.name} already {'cordoned' if already else 'uncordoned'}")
        verb = "cordon" if self.unschedulable else "uncordon"
        undo = (UndoPlan("kube.uncordon", target, {}, f"uncordon node/{target.name}") if self.unschedulable
                else UndoPlan("kube.cordon", target, {}, f"cordon node/{target.name} again"))
        return Prepared(
            command=env.kubectl(verb, target.name),
            summary=[f"node/{target.name}: new pods {'will not' if self.unschedulable else 'may again'} be scheduled here; running pods stay"],
            targets=[target.label],
            state={"path": path, "patch": {"spec": {"unschedulable": self.unschedulable}}},
            undo=undo,
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], STRATEGIC, dry_run=True)
        return ["server accepted the change (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], STRATEGIC)
        return f"node/{target.name} {'cordoned' if self.unschedulable else 'uncordoned'}"


class Uncordon(Cordon):
    unschedulable = False


def _is_daemonset_pod(pod: dict) -> bool:
    return any(o.get("kind") == "DaemonSet" and o.get("controller")
               for o in (pod.get("metadata") or {}).get("ownerReferences") or [])


def _is_mirror_pod(pod: dict) -> bool:
    return "kubernetes.io/config.mirror" in ((pod.get("metadata") or {}).get("annotations") or {})


class Drain(Impl):
    """`kubectl drain NODE --ignore-daemonsets --delete-emptydir-data`."""

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [_check("patch", "node", None, target.name), _check("list", "pod", ""),
                AccessCheck("create", "pods", "", "eviction", "")]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "node")
        node_path = resource_path("node", None, target.name)
        kube_of(env).get(node_path)
        pods = kube_of(env).items("/api/v1/pods", fieldSelector=f"spec.nodeName={target.name}")
        # A server that ignores the field selector must not make us drain other nodes.
        pods = [p for p in pods if (p.get("spec") or {}).get("nodeName") == target.name]
        pods = [p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]
        ignored = [p for p in pods if _is_daemonset_pod(p) or _is_mirror_pod(p)]
        evict = [p for p in pods if p not in ignored]
        unmanaged = [p for p in evict if not any(o.get("controller") for o in (p.get("metadata") or {}).get("ownerReferences") or [])
                     and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        if unmanaged:
            lost = ", ".join(f"{p['metadata'].get('namespace')}/{p['metadata']['name']}" for p in unmanaged)
            raise ActionError(f"cannot drain: pods not managed by a controller would be lost: {lost} "
                              "(kubectl drain refuses these without --force)")
        eviction = self._eviction_supported(env)
        names = [f"{p['metadata'].get('namespace')}/{p['metadata']['name']}" for p in evict]
        return Prepared(
            command=env.kubectl("drain", target.name, "--ignore-daemonsets", "--delete-emptydir-data"),
            summary=[f"node/{target.name} is cordoned, then {len(evict)} pods are {'evicted' if eviction else 'deleted'}",
                     *(f"  {n}" for n in names[:20]), *([f"  ... and {len(names) - 20} more"] if len(names) > 20 else []),
                     *([f"{len(ignored)} DaemonSet/mirror pods stay"] if ignored else [])],
            targets=[target.label],
            state={"node_path": node_path, "pods": [(p["metadata"].get("namespace"), p["metadata"]["name"]) for p in evict],
                   "eviction": eviction},
            undo=UndoPlan("kube.uncordon", target, {}, f"uncordon node/{target.name} (evicted pods are not moved back)"),
        )

    @staticmethod
    def _eviction_supported(env: ActionEnv) -> bool:
        """kubectl's CheckEvictionSupport: does discovery list `pods/eviction`?"""
        try:
            resources = kube_of(env).get("/api/v1").get("resources") or []
        except ApiException:
            return False
        return any(r.get("name") == "pods/eviction" for r in resources)

    def _remove(self, env: ActionEnv, ns: str, name: str, eviction: bool, dry_run: bool) -> None:
        if eviction:
            body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": ns}}
            if dry_run:
                body["deleteOptions"] = {"dryRun": ["All"]}
            try:
                kube_of(env).create(resource_path("pod", ns, name, "eviction"), body, dry_run=dry_run)
            except ApiException as exc:
                if exc.status != 404:
                    raise
                # Gone already: that is what we wanted.
        else:
            try:
                kube_of(env).delete(resource_path("pod", ns, name), dry_run=dry_run)
            except ApiException as exc:
                if exc.status != 404:
                    raise

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        kube_of(env).patch(prepared.state["node_path"], {"spec": {"unschedulable": True}}, STRATEGIC, dry_run=True)
        for ns, name in prepared.state["pods"]:
            self._remove(env, ns, name, prepared.state["eviction"], True)
        return [f"server accepted the cordon and {len(prepared.state['pods'])} {'evictions' if prepared.state['eviction'] else 'deletions'} (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        kube_of(env).patch(prepared.state["node_path"], {"spec": {"unschedulable": True}}, STRATEGIC)
        removed = []
        for ns, name in prepared.state["pods"]:
            self._remove(env, ns, name, prepared.state["eviction"], False)
            removed.append(f"{ns}/{name}")
        how = "evicted" if prepared.state["eviction"] else "deleted"
        return f"node/{target.name} cordoned and drained: {len(removed)} pods {how}", {"pods": removed}


# --- configuration and rollout status -----------------------------------------------------

class SetConfigMapKey(Impl):
    """The database-failure playbook's "update connection strings": one key of a ConfigMap
    (what `kubectl edit configmap` is used for there), as a merge patch."""

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [AccessCheck("patch", "configmaps", "", "", ns_of(env, target), target.name)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "configmap")
        key, value = str(params.get("key") or "").strip(), params.get("value")
        if "=" in key and value in (None, ""):
            key, value = key.split("=", 1)
        if not key or value is None:
            raise ActionError("which key, and its new value? (KEY=VALUE)")
        ns = ns_of(env, target)
        path = resource_path("configmap", ns, target.name)
        cm = kube_of(env).get(path)
        data = cm.get("data") or {}
        if data.get(key) == value:
            raise NothingToDo(f"{key} is already {_quoted(key, str(value))} in configmap/{target.name}")
        patch = {"data": {key: str(value)}, "metadata": {"resourceVersion": cm["metadata"].get("resourceVersion")}}
        undo = (UndoPlan("kube.edit_configmap", target, {"key": key, "value": data[key]},
                         f"set {key} back to {_quoted(key, data[key])}") if key in data else None)
        before = _quoted(key, data[key]) if key in data else "<unset>"
        diff = [(key, shown(key, str(data[key])) if key in data else None, shown(key, str(value)) or "")]
        return Prepared(
            command=env.kubectl("patch", "configmap", target.name, "--type=merge", "-p",
                                f'{{"data":{{"{key}":"{shown(key, str(value))}"}}}}', namespace=ns),
            summary=[f"configmap/{target.name}: {key}: {before} -> {_quoted(key, str(value))}",
                     "pods read a ConfigMap at start: restart the workloads that use it"],
            targets=[target.label], state={"path": path, "patch": patch, "key": key}, undo=undo, diff=diff,
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], MERGE, dry_run=True)
        return ["server accepted the change (dryRun=All)"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        kube_of(env).patch(prepared.state["path"], prepared.state["patch"], MERGE)
        return f"configmap/{target.name}: {prepared.state['key']} updated"


def rollout_status_line(deployment: dict) -> tuple[bool, str]:
    """kubectl's `rollout status` sentence for a Deployment, and whether it is complete."""
    meta, spec, status = deployment.get("metadata") or {}, deployment.get("spec") or {}, deployment.get("status") or {}
    name = meta.get("name")
    if (status.get("observedGeneration") or 0) < (meta.get("generation") or 0):
        return False, "Waiting for deployment spec update to be observed..."
    for c in status.get("conditions") or []:
        if c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded":
            return False, f'deployment "{name}" exceeded its progress deadline'
    desired = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    total = status.get("replicas", 0)
    available = status.get("availableReplicas", 0)
    if updated < desired:
        return False, f'Waiting for deployment "{name}" rollout to finish: {updated} out of {desired} new replicas have been updated...'
    if total > updated:
        return False, f'Waiting for deployment "{name}" rollout to finish: {total - updated} old replicas are pending termination...'
    if available < updated:
        return False, f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} updated replicas are available...'
    return True, f'deployment "{name}" successfully rolled out'


class RolloutStatus(Impl):
    """Verify after a restart or rollback (read only)."""

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [_check("get", "deployment", ns_of(env, target), target.name)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        _need_kind(target, "deployment")
        ns = ns_of(env, target)
        return Prepared(command=env.kubectl("rollout", "status", f"deployment/{target.name}", namespace=ns),
                        targets=[target.label], state={"path": resource_path("deployment", ns, target.name)})

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        done, line = rollout_status_line(kube_of(env).get(prepared.state["path"]))
        return line, {"complete": done}
