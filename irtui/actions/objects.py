"""The objects the playbooks touch, listed for their views and pickers: ConfigMaps (one row
per key, values shown through the redaction policy), Secrets (names, types, key names and
ages; never a value), StatefulSets, and the recent changes of the Deployments (their
ReplicaSet revisions with the change-cause annotation and the images, and `helm history`
when helm is installed).

This module owns reading those lists and projecting each object to the few plain fields a
row shows. It only reads, through the session's `Kube` client (blocking: call it from a
thread), and imports nothing from the UI.

Secrets: the API has no way to list a Secret's key names without its values, so the list
response is parsed and each item is cut down to its name, type, key names and age at
once; the values are dropped with the response and never reach a row, a record or a log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from irtui.actions.kubeapi import Kube, resource_path
from irtui.kube.printers import age
from irtui.redact import shown

CHANGE_CAUSE = "kubernetes.io/change-cause"
REVISION = "deployment.kubernetes.io/revision"

# The views, by the kind they list: title and the kubectl command each stands for.
KINDS: dict[str, tuple[str, str]] = {
    "configmap": ("ConfigMaps", "kubectl get configmaps -n <namespace> -o yaml"),
    "secret": ("Secrets (never values)", "kubectl get secrets -n <namespace>"),
    "statefulset": ("StatefulSets", "kubectl get statefulsets -n <namespace> -o wide"),
    "revision": ("Recent changes", "kubectl rollout history deployment -n <namespace>"),
    "workload": ("Workloads", "kubectl get deployments,statefulsets -n <namespace>"),
}


@dataclass(frozen=True)
class ObjectRow:
    """One row of a view: the object it stands for (`kind`/`name`, which an action may
    target), the cells shown, and what a filter matches."""

    kind: str
    name: str
    namespace: str
    cells: tuple[str, ...]
    # Facts an action may use without reading again: a ConfigMap row's key and its value.
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        # The first cell tells rows of one object apart (a ConfigMap's key, a revision).
        return "/".join((self.kind, self.name, *self.cells[:1]))

    def matches(self, words: str) -> bool:
        text = " ".join((self.name, *self.cells)).lower()
        return all(word in text for word in words.lower().split())


@dataclass
class Listing:
    """What a view shows: its columns, its rows, and notes (helm missing, a read refused)."""

    kind: str
    namespace: str
    columns: tuple[str, ...]
    rows: list[ObjectRow]
    notes: list[str] = field(default_factory=list)


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _images(template: dict) -> str:
    return ", ".join(str(c.get("image")) for c in ((template or {}).get("spec") or {}).get("containers") or [])


def configmaps(kube: Kube, namespace: str, now: datetime | None = None) -> Listing:
    rows = []
    for cm in sorted(kube.items(resource_path("configmap", namespace)), key=lambda o: _meta(o).get("name", "")):
        name = _meta(cm).get("name", "")
        when = age(_meta(cm).get("creationTimestamp"), now)
        data = cm.get("data") or {}
        if not data:
            rows.append(ObjectRow("configmap", name, namespace, ("", "(no keys)", when)))
        for key in sorted(data):
            value = shown(key, str(data[key])) or ""
            rows.append(ObjectRow("configmap", name, namespace, (key, value, when),
                                  {"key": key, "value": value}))
    return Listing("configmap", namespace, ("CONFIGMAP", "KEY", "VALUE", "AGE"), rows)


def secret_summary(secret: dict) -> tuple[str, str, list[str], str | None]:
    """(name, type, key names, creation time) of a Secret: everything a row may show."""
    meta = _meta(secret)
    keys = sorted({*(secret.get("data") or {}), *(secret.get("stringData") or {})})
    return meta.get("name", ""), secret.get("type", "Opaque"), keys, meta.get("creationTimestamp")


def secrets(kube: Kube, namespace: str, now: datetime | None = None) -> Listing:
    raw = kube.request("GET", resource_path("secret", namespace), text=True)
    # Cut each item down where it is parsed: the values go out of scope with `raw`.
    summaries = [secret_summary(item) for item in (json.loads(raw or "{}").get("items") or [])]
    del raw
    rows = [ObjectRow("secret", name, namespace, (kind, ", ".join(keys) or "(no keys)", str(len(keys)), age(when, now)))
            for name, kind, keys, when in sorted(summaries)]
    return Listing("secret", namespace, ("SECRET", "TYPE", "KEYS", "DATA", "AGE"), rows,
                   ["values are never read into a view, the timeline or the report"])


def statefulsets(kube: Kube, namespace: str, now: datetime | None = None) -> Listing:
    rows = []
    for sts in sorted(kube.items(resource_path("statefulset", namespace)), key=lambda o: _meta(o).get("name", "")):
        meta, spec, status = _meta(sts), sts.get("spec") or {}, sts.get("status") or {}
        ready = f"{status.get('readyReplicas') or 0}/{spec.get('replicas', 0)}"
        role = (meta.get("labels") or {}).get("app.kubernetes.io/component", "")
        rows.append(ObjectRow("statefulset", meta.get("name", ""), namespace,
                              (ready, role, _images(spec.get("template") or {}), age(meta.get("creationTimestamp"), now))))
    return Listing("statefulset", namespace, ("STATEFULSET", "READY", "ROLE", "IMAGES", "AGE"), rows)


def workloads(kube: Kube, namespace: str, now: datetime | None = None) -> Listing:
    """Deployments and StatefulSets (what forensics and the other workload steps target),
    and, first, the namespace itself for a step that can take all of it."""
    rows = [ObjectRow("namespace", namespace, namespace, ("namespace: all of it", "", ""))]
    for kind in ("deployment", "statefulset"):
        for obj in sorted(kube.items(resource_path(kind, namespace)), key=lambda o: _meta(o).get("name", "")):
            meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
            ready = f"{status.get('readyReplicas') or 0}/{spec.get('replicas', 0)}"
            rows.append(ObjectRow(kind, meta.get("name", ""), namespace,
                                  (kind, ready, age(meta.get("creationTimestamp"), now))))
    return Listing("workload", namespace, ("NAME", "KIND", "READY", "AGE"), rows)


def _revision(obj: dict) -> int:
    try:
        return int((_meta(obj).get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


def revisions(kube: Kube, namespace: str, now: datetime | None = None, helm: Any = None,
              release: str = "") -> Listing:
    """Every Deployment's ReplicaSet revisions, newest change first, with the change-cause
    and images (`kubectl rollout history`), and `helm history` of the release when helm is
    installed; when it is not, a note says so."""
    deployments = {_meta(d).get("uid"): _meta(d).get("name", "") for d in kube.items(resource_path("deployment", namespace))}
    found = []
    for rs in kube.items(resource_path("replicaset", namespace)):
        meta = _meta(rs)
        owner = next((o for o in meta.get("ownerReferences") or [] if o.get("kind") == "Deployment"), None)
        if owner is None or owner.get("uid") not in deployments:
            continue
        template = (rs.get("spec") or {}).get("template") or {}
        cause = (meta.get("annotations") or {}).get(CHANGE_CAUSE) or "<none>"
        live = f"{(rs.get('status') or {}).get('readyReplicas') or 0}/{(rs.get('spec') or {}).get('replicas', 0)}"
        found.append((meta.get("creationTimestamp") or "", deployments[owner["uid"]], _revision(rs), cause,
                      _images(template), live))
    found.sort(key=lambda r: (r[0], r[2]), reverse=True)
    rows = [ObjectRow("deployment", dep, namespace, (str(rev), cause, images, pods, age(when or None, now)),
                      {"revision": rev})
            for when, dep, rev, cause, images, pods in found]
    notes = []
    if helm is None or not getattr(helm, "available", False):
        notes.append("helm is not on PATH: no helm history here (the rollout history above is the cluster's own)")
    else:
        try:
            history = helm.history(release, namespace)
            notes.append(f"helm history {release} -n {namespace}:")
            notes += [f"  {r.get('revision')}  {str(r.get('updated', ''))[:19]}  {r.get('status')}  "
                      f"{r.get('chart')}  {r.get('description', '')}" for r in history[-10:]]
        except Exception as exc:  # helm's own error, one line
            notes.append(f"helm history {release} -n {namespace}: {exc}")
    return Listing("revision", namespace, ("DEPLOYMENT", "REVISION", "CHANGE-CAUSE", "IMAGES", "PODS", "AGE"), rows, notes)


def listing(kind: str, kube: Kube, namespace: str, *, helm: Any = None, release: str = "") -> Listing:
    """The view of `kind` (a key of `KINDS`)."""
    if kind == "revision":
        return revisions(kube, namespace, helm=helm, release=release)
    readers: dict[str, Callable[[Kube, str], Listing]] = {
        "configmap": configmaps, "secret": secrets, "statefulset": statefulsets, "workload": workloads}
    return readers[kind](kube, namespace)
