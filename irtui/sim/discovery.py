"""What the simulated cluster serves, and the discovery documents that announce it.

`RESOURCES` is the single registry: routing, RBAC, tables and discovery all read it, so a
resource exists for every part of the server or for none. The documents follow the shapes a
v1.32 API server sends (`APIVersions`, `APIGroupList`, `APIResourceList`); kubectl asks for
aggregated discovery first and, answered with these plain documents, falls back to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

K8S_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-irtui-sim",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-12-11T00:00:00Z",
    "goVersion": "go1.23.3",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_RW = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
_RO = ("get", "list")


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = _RW
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)  # name -> (kind, group/version, verbs)
    singular: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"


def _r(group, version, plural, kind, namespaced, **kw) -> Resource:
    return Resource(group, version, plural, kind, namespaced, singular=kind.lower(), **kw)


_SCALE = ("Scale", "autoscaling/v1", ("get", "patch", "update"))

RESOURCES: list[Resource] = [
    _r("", "v1", "namespaces", "Namespace", False, verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
       short_names=("ns",), subresources={"status": ("Namespace", "", ("get", "patch", "update"))}),
    _r("", "v1", "nodes", "Node", False, short_names=("no",),
       subresources={"status": ("Node", "", ("get", "patch", "update"))}),
    _r("", "v1", "pods", "Pod", True, short_names=("po",), categories=("all",),
       subresources={"log": ("Pod", "", ("get",)), "exec": ("PodExecOptions", "", ("create", "get")),
                     "status": ("Pod", "", ("get", "patch", "update"))}),
    _r("", "v1", "events", "Event", True, short_names=("ev",)),
    _r("", "v1", "services", "Service", True, short_names=("svc",), categories=("all",),
       verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
       subresources={"proxy": ("ServiceProxyOptions", "", ("create", "delete", "get", "patch", "update")),
                     "status": ("Service", "", ("get", "patch", "update"))}),
    _r("", "v1", "secrets", "Secret", True),
    _r("", "v1", "configmaps", "ConfigMap", True, short_names=("cm",)),
    _r("apps", "v1", "deployments", "Deployment", True, short_names=("deploy",), categories=("all",),
       subresources={"scale": _SCALE, "status": ("Deployment", "", ("get", "patch", "update"))}),
    _r("apps", "v1", "replicasets", "ReplicaSet", True, short_names=("rs",), categories=("all",),
       subresources={"scale": _SCALE, "status": ("ReplicaSet", "", ("get", "patch", "update"))}),
    _r("apps", "v1", "statefulsets", "StatefulSet", True, short_names=("sts",), categories=("all",),
       subresources={"scale": _SCALE, "status": ("StatefulSet", "", ("get", "patch", "update"))}),
    _r("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", True, verbs=_RO),
    _r("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", False, verbs=_RO),
    _r("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False, verbs=("create",)),
    _r("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False, verbs=("create",)),
    _r("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=("create",)),
]

BY_PATH: dict[tuple[str, str, str], Resource] = {(r.group, r.version, r.plural): r for r in RESOURCES}

# Group -> versions, in the order the groups are announced.
GROUPS: dict[str, list[str]] = {}
for _res in RESOURCES:
    if _res.group and _res.version not in GROUPS.setdefault(_res.group, []):
        GROUPS[_res.group].append(_res.version)


def lookup(group: str, version: str, plural: str) -> Resource | None:
    return BY_PATH.get((group, version, plural))


def store_kind(resource: Resource) -> str | None:
    """The store's kind for a resource, or None when it is computed, not stored."""
    if resource.group in ("", "apps"):
        return resource.plural
    return None


def api_versions(server_address: str) -> dict:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def api_group_list() -> dict:
    groups = []
    for group, versions in GROUPS.items():
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        groups.append({"name": group, "versions": gvs, "preferredVersion": gvs[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str) -> dict | None:
    versions = GROUPS.get(group)
    if not versions:
        return None
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gvs, "preferredVersion": gvs[0]}


def resource_list(group: str, version: str) -> dict | None:
    resources = [r for r in RESOURCES if r.group == group and r.version == version]
    if not resources:
        return None
    out = []
    for r in resources:
        entry = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                 "kind": r.kind, "verbs": list(r.verbs)}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.categories:
            entry["categories"] = list(r.categories)
        out.append(entry)
        for sub, (kind, gv, verbs) in r.subresources.items():
            sub_entry = {"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced,
                         "kind": kind, "verbs": list(verbs)}
            if gv:
                g, _, v = gv.rpartition("/")
                sub_entry["group"], sub_entry["version"] = g, v
            out.append(sub_entry)
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}
