"""Server-side `Table` responses: the rows `kubectl get` prints.

kubectl asks for `as=Table;v=v1;g=meta.k8s.io` and prints the cells it is given, so the
words here must be the API server's: pods and nodes are printed by `irtui.sim.printing`,
written from the Kubernetes printers, and every AGE is its `since`. Columns with priority 1
are the ones `-o wide` adds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from irtui.sim.printing import PodWords, node_cells, pod_cells, pod_words, since

Column = tuple[str, str, int, str]  # name, type, priority, format


def _col(name: str, type_: str = "string", priority: int = 0, fmt: str = "") -> Column:
    return (name, type_, priority, fmt)


def _none(value: Any) -> str:
    return value if value else "<none>"


def _containers(template_spec: dict) -> tuple[str, str]:
    containers = template_spec.get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _selector_text(selector: dict | None) -> str:
    from irtui.sim.selectors import selector_from_match_labels
    return selector_from_match_labels(selector) or "<none>"


# uid -> (resourceVersion, PodWords): a pod's words change only when the pod does, and
# deriving them is most of the cost of a 10,000-row table.
_WORDS: dict[str, tuple[str, PodWords]] = {}
_WORDS_CACHE_LIMIT = 100_000


def _words(pod: dict) -> PodWords:
    meta = pod["metadata"]
    uid, rv = meta.get("uid"), meta.get("resourceVersion")
    cached = _WORDS.get(uid) if uid else None
    if cached is not None and cached[0] == rv:
        return cached[1]
    words = pod_words(pod)
    if uid and rv:
        if len(_WORDS) >= _WORDS_CACHE_LIMIT:
            _WORDS.clear()
        _WORDS[uid] = (rv, words)
    return words


def _pod_row(pod: dict, now: datetime) -> list:
    return pod_cells(pod, now, _words(pod))


def _deployment_row(d: dict, now: datetime) -> list:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    names, images = _containers(((spec.get("template") or {}).get("spec")) or {})
    return [
        d["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        status.get("updatedReplicas", 0), status.get("availableReplicas", 0),
        since(d["metadata"].get("creationTimestamp"), now), names, images, _selector_text(spec.get("selector")),
    ]


def _replicaset_row(rs: dict, now: datetime) -> list:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    names, images = _containers(((spec.get("template") or {}).get("spec")) or {})
    return [
        rs["metadata"]["name"], spec.get("replicas", 1), status.get("replicas", 0), status.get("readyReplicas", 0),
        since(rs["metadata"].get("creationTimestamp"), now), names, images, _selector_text(spec.get("selector")),
    ]


def _statefulset_row(s: dict, now: datetime) -> list:
    spec, status = s.get("spec") or {}, s.get("status") or {}
    names, images = _containers(((spec.get("template") or {}).get("spec")) or {})
    return [
        s["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        since(s["metadata"].get("creationTimestamp"), now), names, images,
    ]


def _service_ports(spec: dict) -> str:
    parts = []
    for p in spec.get("ports") or []:
        text = f"{p.get('port')}"
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        parts.append(f"{text}/{p.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def _service_row(svc: dict, now: datetime) -> list:
    spec, status = svc.get("spec") or {}, svc.get("status") or {}
    svc_type = spec.get("type", "ClusterIP")
    ingress = [i.get("ip") or i.get("hostname") for i in (status.get("loadBalancer") or {}).get("ingress") or []]
    external = spec.get("externalIPs") or ingress
    if external:
        external_text = ",".join(e for e in external if e)
    elif svc_type == "LoadBalancer":
        external_text = "<pending>"
    elif svc_type == "ExternalName":
        external_text = spec.get("externalName", "<none>")
    else:
        external_text = "<none>"
    selector = spec.get("selector") or {}
    return [
        svc["metadata"]["name"], svc_type, _none(spec.get("clusterIP")), external_text, _service_ports(spec),
        since(svc["metadata"].get("creationTimestamp"), now),
        ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>",
    ]


def _event_row(ev: dict, now: datetime) -> list:
    obj = ev.get("involvedObject") or {}
    source = ev.get("source") or {}
    last = ev.get("lastTimestamp") or ev.get("eventTime") or (ev.get("metadata") or {}).get("creationTimestamp")
    first = ev.get("firstTimestamp") or ev.get("eventTime") or (ev.get("metadata") or {}).get("creationTimestamp")
    count = ev.get("count") or 1
    if ev.get("series"):
        count = ev["series"].get("count", count)
    source_text = source.get("component", "") or ev.get("reportingComponent", "")
    if source.get("host"):
        source_text += f", {source['host']}"
    return [
        since(last, now), ev.get("type", ""), ev.get("reason", ""),
        f"{(obj.get('kind') or '').lower()}/{obj.get('name', '')}", obj.get("fieldPath", ""),
        source_text, ev.get("message", ""), since(first, now), count, ev["metadata"]["name"],
    ]


def _namespace_row(ns: dict, now: datetime) -> list:
    return [ns["metadata"]["name"], (ns.get("status") or {}).get("phase", "Active"),
            since(ns["metadata"].get("creationTimestamp"), now)]


def _secret_row(s: dict, now: datetime) -> list:
    return [s["metadata"]["name"], s.get("type", "Opaque"), len(s.get("data") or {}) + len(s.get("stringData") or {}),
            since(s["metadata"].get("creationTimestamp"), now)]


def _configmap_row(c: dict, now: datetime) -> list:
    return [c["metadata"]["name"], len(c.get("data") or {}) + len(c.get("binaryData") or {}),
            since(c["metadata"].get("creationTimestamp"), now)]


def _default_row(obj: dict, now: datetime) -> list:
    return [obj["metadata"]["name"], since(obj["metadata"].get("creationTimestamp"), now)]


_NAME = _col("Name", fmt="name")
_AGE = _col("Age")

PRINTERS: dict[str, tuple[list[Column], Callable[[dict, datetime], list]]] = {
    "pods": ([_NAME, _col("Ready"), _col("Status"), _col("Restarts"), _AGE, _col("IP", priority=1),
              _col("Node", priority=1), _col("Nominated Node", priority=1), _col("Readiness Gates", priority=1)], _pod_row),
    "nodes": ([_NAME, _col("Status"), _col("Roles"), _AGE, _col("Version"), _col("Internal-IP", priority=1),
               _col("External-IP", priority=1), _col("OS-Image", priority=1), _col("Kernel-Version", priority=1),
               _col("Container-Runtime", priority=1)], node_cells),
    "deployments": ([_NAME, _col("Ready"), _col("Up-to-date", "integer"), _col("Available", "integer"), _AGE,
                     _col("Containers", priority=1), _col("Images", priority=1), _col("Selector", priority=1)],
                    _deployment_row),
    "replicasets": ([_NAME, _col("Desired", "integer"), _col("Current", "integer"), _col("Ready", "integer"), _AGE,
                     _col("Containers", priority=1), _col("Images", priority=1), _col("Selector", priority=1)],
                    _replicaset_row),
    "statefulsets": ([_NAME, _col("Ready"), _AGE, _col("Containers", priority=1), _col("Images", priority=1)],
                     _statefulset_row),
    "services": ([_NAME, _col("Type"), _col("Cluster-IP"), _col("External-IP"), _col("Port(s)"), _AGE,
                  _col("Selector", priority=1)], _service_row),
    "events": ([_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"), _col("Subobject", priority=1),
                _col("Source", priority=1), _col("Message"), _col("First Seen", priority=1),
                _col("Count", "integer", priority=1), _col("Name", priority=1)], _event_row),
    "namespaces": ([_NAME, _col("Status"), _AGE], _namespace_row),
    "secrets": ([_NAME, _col("Type"), _col("Data", "integer"), _AGE], _secret_row),
    "configmaps": ([_NAME, _col("Data", "integer"), _AGE], _configmap_row),
}


def column_definitions(kind: str) -> list[dict]:
    columns, _ = PRINTERS.get(kind, ([_NAME, _AGE], _default_row))
    return [{"name": n, "type": t, "format": f, "description": "", "priority": p} for n, t, p, f in columns]


def row_cells(kind: str, obj: dict, now: datetime) -> list:
    _, printer = PRINTERS.get(kind, ([], _default_row))
    return printer(obj, now)


def partial_metadata(obj: dict) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def table(kind: str, objects: list[dict], now: datetime, *, include: str = "Metadata",
          resource_version: str = "", continue_token: str = "") -> dict:
    """A meta.k8s.io/v1 Table; include is kubectl's `includeObject`: None, Metadata or Object."""
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": row_cells(kind, obj, now)}
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = partial_metadata(obj)
        rows.append(row)
    meta: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": column_definitions(kind), "rows": rows}
