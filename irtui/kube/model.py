"""Rows: the few fields each pane shows, projected from raw Kubernetes JSON.

This module owns the projection of API objects (plain dicts from `json.loads`) into small
immutable rows, and the quantity parsing behind CPU/MEM columns. Everything kubectl-visible
goes through `irtui.kube.printers` so a pane says what `kubectl get` says. Every text field
a row shows is made visible here (`irtui.text.visible`): whoever can write an object, an
event or a status can put escape sequences in it, and rows go on to panes, the incident
timeline and reports. Keys stay as the API spells them: they address objects. Time-dependent
text (AGE, "4 (37s ago)") is not stored: rows keep timestamps and the UI formats them when
it draws, so an idle cluster causes no row changes.

No I/O and no Textual here: sources call `project(kind, obj)` in their threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from irtui.kube.printers import PodSummary, node_roles, node_status, parse_time, pod_summary
from irtui.redact import redact_foreign
from irtui.text import first_line, visible

# Health ranks: sort order (unhealthy first) and colour.
BAD, WARN, OK = 0, 1, 2

# Container/pod reasons that mean "this is broken", not "this is on its way".
_BAD_REASONS = frozenset({
    "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "Error", "OOMKilled",
    "CreateContainerConfigError", "CreateContainerError", "InvalidImageName",
    "RunContainerError", "ContainerStatusUnknown", "Evicted", "Unknown", "NodeLost",
    "Failed", "DeadlineExceeded", "StartError", "ErrImageNeverPull", "PreStopHookError",
    "PostStartHookError", "NodeAffinity", "OutOfcpu", "OutOfmemory", "UnexpectedAdmissionError",
})
_OK_REASONS = frozenset({"Running", "Completed", "Succeeded"})

MESSAGE_LIMIT = 1000  # characters of an event's message a row keeps (the first line)

# Pod states worth an incident-timeline observation when a pod enters them.
ALARMING_POD_STATUSES = frozenset({
    "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "Error", "OOMKilled",
    "CreateContainerConfigError", "Init:CrashLoopBackOff", "Init:Error",
})

_PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


def pod_health(status: str, ready: str) -> int:
    """BAD, WARN or OK for a pod's kubectl STATUS and READY."""
    if status in _BAD_REASONS or status.startswith(("Init:Error", "Init:CrashLoop", "Init:ImagePull",
                                                    "Init:ErrImage", "Init:Signal", "Init:ExitCode",
                                                    "Init:OOM", "Signal:", "ExitCode:")):
        return BAD
    if status in _OK_REASONS:
        if status == "Running":
            have, _, want = ready.partition("/")
            if have != want:
                return WARN
        return OK
    return WARN


@dataclass(frozen=True, slots=True)
class PodRow:
    key: str  # "namespace/name"
    uid: str
    namespace: str
    name: str
    ready: str
    status: str
    restarts: int
    last_restart: datetime | None
    created: datetime | None
    node: str
    ip: str
    owner: str  # "ReplicaSet/task-service-7d9f" or ""
    workload: str  # "Deployment/task-service", "StatefulSet/postgres", "" when unowned
    containers: tuple[str, ...]
    health: int
    resource_version: str = field(default="", compare=False)  # not shown: heartbeats change only it

    @property
    def unhealthy(self) -> bool:
        return self.health != OK


@dataclass(frozen=True, slots=True)
class NodeRow:
    key: str  # the node name
    uid: str
    name: str
    status: str  # Ready / NotReady / Unknown, ",SchedulingDisabled"
    roles: str
    ready: bool
    unschedulable: bool
    pressures: tuple[str, ...]
    created: datetime | None
    cpu_alloc_m: int | None  # allocatable CPU in millicores
    mem_alloc_b: int | None  # allocatable memory in bytes
    version: str
    internal_ip: str
    health: int
    ready_since: str = ""  # lastTransitionTime of the Ready condition: one NotReady episode
    resource_version: str = field(default="", compare=False)  # not shown: heartbeats change only it


@dataclass(frozen=True, slots=True)
class EventRow:
    key: str  # "namespace/name"
    uid: str
    namespace: str
    type: str  # Normal / Warning
    reason: str
    message: str
    object: str  # "Pod/task-service-7d9f-abcde"
    count: int
    first: datetime | None
    last: datetime | None
    source: str
    resource_version: str = field(default="", compare=False)  # not shown: heartbeats change only it

    @property
    def warning(self) -> bool:
        return self.type == "Warning"


@dataclass(frozen=True, slots=True)
class WorkloadRow:
    """A Deployment or StatefulSet, enough to know it is short of ready replicas."""

    key: str  # "namespace/name"
    uid: str
    kind: str  # Deployment / StatefulSet
    namespace: str
    name: str
    desired: int
    ready: int
    updated: int
    available: int
    created: datetime | None
    generation: int
    observed_generation: int
    health: int
    resource_version: str = field(default="", compare=False)  # not shown: heartbeats change only it


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _owner(meta: dict[str, Any]) -> tuple[str, str]:
    """The controlling owner "Kind/name", and the workload a human would name."""
    refs = meta.get("ownerReferences") or ()
    ref = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    if not ref:
        return "", ""
    kind, name = ref.get("kind", ""), ref.get("name", "")
    owner = f"{kind}/{name}"
    if kind == "ReplicaSet":
        # A Deployment's ReplicaSet is "<deployment>-<pod-template-hash>".
        labels = meta.get("labels") or {}
        hash_ = labels.get("pod-template-hash")
        if hash_ and name.endswith("-" + hash_):
            return owner, f"Deployment/{name[: -len(hash_) - 1]}"
        return owner, owner
    return owner, owner


def _plain_pod_summary(spec: dict[str, Any], status: dict[str, Any], meta: dict[str, Any]) -> PodSummary | None:
    """`pod_summary` for the common pod (no init containers, not gated, not being deleted, no
    container waiting with a reason or terminated), or None for any other pod.

    At launch this runs for every pod of a large namespace, so the usual case skips the
    general walk. Anything unusual goes to `pod_summary`, which stays the one definition
    of what kubectl prints.
    """
    if status.get("initContainerStatuses") or meta.get("deletionTimestamp"):
        return None
    if not spec.get("nodeName") and any(c.get("reason") == "SchedulingGated" for c in status.get("conditions") or ()):
        return None  # only an unbound pod can be gated: bound ones skip the walk
    ready = restarts = 0
    last_restart = None
    for cs in status.get("containerStatuses") or ():
        state = cs.get("state") or {}
        if state.get("terminated") is not None:
            return None
        waiting = state.get("waiting")
        if waiting and waiting.get("reason"):
            return None
        restarts += cs.get("restartCount", 0)
        last = cs.get("lastState")
        if last:
            finished = parse_time((last.get("terminated") or {}).get("finishedAt"))
            if finished is not None and (last_restart is None or finished > last_restart):
                last_restart = finished
        if cs.get("ready") and state.get("running") is not None:
            ready += 1
    reason = status.get("reason") or status.get("phase") or ""
    if reason == "Completed" and ready:
        return None
    return PodSummary(f"{ready}/{len(spec.get('containers') or ())}", reason, restarts,
                      last_restart if restarts else None)


def project_pod(obj: dict[str, Any]) -> PodRow:
    meta = _meta(obj)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    summary = _plain_pod_summary(spec, status, meta) or pod_summary(obj)
    owner, workload = _owner(meta)
    ns, name = meta.get("namespace", ""), meta.get("name", "")
    return PodRow(
        key=f"{ns}/{name}",
        uid=meta.get("uid", ""),
        namespace=visible(ns),
        name=visible(name),
        ready=summary.ready,
        status=visible(summary.status),
        restarts=summary.restarts,
        last_restart=summary.last_restart,
        created=parse_time(meta.get("creationTimestamp")),
        node=visible(spec.get("nodeName")) or "<none>",
        ip=visible(status.get("podIP")) or "<none>",
        owner=visible(owner),
        workload=visible(workload),
        containers=tuple(visible(c.get("name", "")) for c in spec.get("containers") or ()),
        health=pod_health(summary.status, summary.ready),
        resource_version=meta.get("resourceVersion", ""),
    )


def project_node(obj: dict[str, Any]) -> NodeRow:
    meta = _meta(obj)
    status = obj.get("status") or {}
    spec = obj.get("spec") or {}
    text = node_status(obj)
    ready = text.split(",", 1)[0] == "Ready"
    pressures = tuple(
        c.get("type", "") for c in status.get("conditions") or ()
        if c.get("type") in _PRESSURES and c.get("status") == "True"
    )
    alloc = status.get("allocatable") or {}
    addresses = status.get("addresses") or ()
    ip = next((a.get("address", "") for a in addresses if a.get("type") == "InternalIP"), "")
    unschedulable = bool(spec.get("unschedulable"))
    ready_cond: dict[str, Any] = next((c for c in status.get("conditions") or () if c.get("type") == "Ready"), {})
    health = BAD if not ready else (WARN if unschedulable or pressures else OK)
    return NodeRow(
        key=meta.get("name", ""),
        uid=meta.get("uid", ""),
        name=visible(meta.get("name", "")),
        status=text,
        roles=visible(node_roles(obj)),
        ready=ready,
        unschedulable=unschedulable,
        pressures=pressures,
        created=parse_time(meta.get("creationTimestamp")),
        cpu_alloc_m=parse_cpu_millis(alloc.get("cpu")),
        mem_alloc_b=parse_bytes(alloc.get("memory")),
        version=visible((status.get("nodeInfo") or {}).get("kubeletVersion", "")),
        internal_ip=visible(ip),
        health=health,
        ready_since=visible(ready_cond.get("lastTransitionTime")),
        resource_version=meta.get("resourceVersion", ""),
    )


def project_event(obj: dict[str, Any]) -> EventRow:
    meta = _meta(obj)
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    series = obj.get("series") or {}
    last = (
        parse_time(obj.get("lastTimestamp"))
        or parse_time(series.get("lastObservedTime"))
        or parse_time(obj.get("eventTime"))
        or parse_time(meta.get("creationTimestamp"))
    )
    first = parse_time(obj.get("firstTimestamp")) or parse_time(obj.get("eventTime")) or last
    count = obj.get("count") or series.get("count") or 1
    source = obj.get("source") or {}
    ns, name = meta.get("namespace", ""), meta.get("name", "")
    return EventRow(
        key=f"{ns}/{name}",
        uid=meta.get("uid", ""),
        namespace=visible(ns),
        type=visible(obj.get("type")) or "Normal",
        reason=visible(obj.get("reason"), MESSAGE_LIMIT),
        # An event's message quotes what the workload said: secrets and patient data go here,
        # before the events pane, the detection rules or the timeline see it.
        message=redact_foreign(first_line(obj.get("message") or obj.get("note"), MESSAGE_LIMIT)),
        object=visible(f"{involved.get('kind', '')}/{involved.get('name', '')}"),
        count=int(count),
        first=first,
        last=last,
        source=visible(source.get("component") or obj.get("reportingComponent") or obj.get("reportingController")),
        resource_version=meta.get("resourceVersion", ""),
    )


def _project_workload(obj: dict[str, Any], kind: str) -> WorkloadRow:
    meta = _meta(obj)
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    desired = spec.get("replicas", 1)
    ready = status.get("readyReplicas") or 0
    updated = status.get("updatedReplicas") or 0
    available = status.get("availableReplicas") or (ready if kind == "StatefulSet" else 0)
    health = OK if ready >= desired else (BAD if ready == 0 and desired > 0 else WARN)
    ns, name = meta.get("namespace", ""), meta.get("name", "")
    return WorkloadRow(
        key=f"{ns}/{name}",
        uid=meta.get("uid", ""),
        kind=kind,
        namespace=visible(ns),
        name=visible(name),
        desired=desired,
        ready=ready,
        updated=updated,
        available=available,
        created=parse_time(meta.get("creationTimestamp")),
        generation=meta.get("generation") or 0,
        observed_generation=status.get("observedGeneration") or 0,
        health=health,
        resource_version=meta.get("resourceVersion", ""),
    )


def project_deployment(obj: dict[str, Any]) -> WorkloadRow:
    return _project_workload(obj, "Deployment")


def project_statefulset(obj: dict[str, Any]) -> WorkloadRow:
    return _project_workload(obj, "StatefulSet")


ROW_TYPES: dict[str, type] = {
    "pods": PodRow,
    "nodes": NodeRow,
    "events": EventRow,
    "deployments": WorkloadRow,
    "statefulsets": WorkloadRow,
}

PROJECTIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "pods": project_pod,
    "nodes": project_node,
    "events": project_event,
    "deployments": project_deployment,
    "statefulsets": project_statefulset,
}


def object_key(obj: dict[str, Any]) -> str:
    """The row key of a raw object: "namespace/name", or the name of a cluster-scoped one."""
    meta = _meta(obj)
    ns = meta.get("namespace")
    return f"{ns}/{meta.get('name', '')}" if ns else meta.get("name", "")


# --- quantities (metrics.k8s.io and allocatable) ------------------------------------------

_BINARY = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60}
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def _split_quantity(text: str) -> tuple[float, str]:
    i = len(text)
    while i and not (text[i - 1].isdigit() or text[i - 1] == "."):
        i -= 1
    return float(text[:i]), text[i:]


def parse_quantity(value: str | int | float | None) -> float | None:
    """A Kubernetes quantity ("250m", "1.5Gi", "12345678n", "2") as a float, or None."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        if "e" in text.lower() and text[-1].isdigit():
            return float(text)
        number, suffix = _split_quantity(text)
    except ValueError:
        return None
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    return None


def parse_cpu_millis(value: str | None) -> int | None:
    q = parse_quantity(value)
    return None if q is None else int(round(q * 1000))


def parse_bytes(value: str | None) -> int | None:
    q = parse_quantity(value)
    return None if q is None else int(q)


def cpu_text(millis: int | None) -> str:
    """CPU as `kubectl top` prints it: "3m", "1250m"."""
    return "-" if millis is None else f"{millis}m"


def mem_text(nbytes: int | None) -> str:
    """Memory as `kubectl top` prints it: "12Mi" (whole mebibytes)."""
    return "-" if nbytes is None else f"{nbytes // (1 << 20)}Mi"


@dataclass(frozen=True, slots=True)
class Usage:
    """One object's usage from metrics.k8s.io."""

    cpu_m: int
    mem_b: int


class UsageMap(dict):
    """"namespace/name" -> raw usage, turned into `Usage` only when asked (`get`).

    A pane asks for the few dozen rows on screen; converting every quantity of 10,000 pods
    on each poll would hold the interpreter for ~0.1 s and delay what the user sees.
    Equality compares the raw values, so an unchanged poll is recognised cheaply.
    """

    __slots__ = ("_cache", "_convert")

    def __init__(self, raw: dict[str, Any], convert: Callable[[Any], Usage]) -> None:
        super().__init__(raw)
        self._cache: dict[str, Usage] = {}
        self._convert = convert

    def get(self, key: str, default: Any = None) -> Usage | None:
        usage = self._cache.get(key)
        if usage is None:
            raw = dict.get(self, key)
            if raw is None:
                return default
            usage = self._cache[key] = self._convert(raw)
        return usage


def _pod_usage(containers: list[dict[str, Any]]) -> Usage:
    cpu = mem = 0
    for c in containers or ():
        usage = c.get("usage") or {}
        cpu += parse_cpu_millis(usage.get("cpu")) or 0
        mem += parse_bytes(usage.get("memory")) or 0
    return Usage(cpu, mem)


def _node_usage(usage: dict[str, Any]) -> Usage:
    return Usage(parse_cpu_millis(usage.get("cpu")) or 0, parse_bytes(usage.get("memory")) or 0)


def project_pod_metrics(items: list[dict[str, Any]]) -> UsageMap:
    """PodMetricsList items -> {"namespace/name": Usage}, summed over containers."""
    return UsageMap({object_key(item): item.get("containers") or [] for item in items}, _pod_usage)


def project_node_metrics(items: list[dict[str, Any]]) -> UsageMap:
    return UsageMap({object_key(item): item.get("usage") or {} for item in items}, _node_usage)
