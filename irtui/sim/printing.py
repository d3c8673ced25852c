"""The words `kubectl get pods` and `kubectl get nodes` print, as the API server computes them.

Written from the Kubernetes project's printing rules: `printPod`, `printNode` and
`translateTimestampSince` in kubernetes/kubernetes pkg/printers/internalversion/printers.go,
and `HumanDuration` in k8s.io/apimachinery/pkg/util/duration. The simulator's server-side
Tables use these cells; nothing here comes from the application, so a test comparing a pane
with `kubectl get` against the simulator compares irtui with Kubernetes' rules, not with itself.
The project's own printer test cases, in tests/golden/printers, check this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from irtui.sim.objects import parse_time

NONE = "<none>"
UNKNOWN = "<unknown>"

# The node lifecycle controller's reason for a pod on a node that stopped reporting.
NODE_UNREACHABLE_POD_REASON = "NodeLost"
SCHEDULING_GATED = "SchedulingGated"
TERMINAL_PHASES = ("Succeeded", "Failed")


def human_duration(seconds: float) -> str:
    """apimachinery's HumanDuration: precise while short, coarser as the duration grows."""
    s = int(seconds)  # truncates toward zero, as Go's int(d.Seconds())
    if s < -1:
        # More than a second in the future is a clock problem worth showing.
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = hours // 24 // 365, (hours // 24) % 365
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{hours // 24 // 365}y"


def since(when: str | datetime | None, now: datetime) -> str:
    """translateTimestampSince: the AGE of a timestamp, `<unknown>` when there is none."""
    moment = parse_time(when) if isinstance(when, str) else when
    if moment is None:
        return UNKNOWN
    return human_duration((now - moment).total_seconds())


class PodWords(NamedTuple):
    """The cells of a pod's row that depend on the pod alone (not on the time of printing)."""

    ready: str  # "1/2"
    status: str  # Running, CrashLoopBackOff, Init:0/2, Terminating ...
    restarts: int
    last_restart: datetime | None  # when the most recently restarted container last finished


def _later(current: datetime | None, status: dict[str, Any]) -> datetime | None:
    last = status.get("lastState")
    if not last:
        return current
    finished = parse_time((last.get("terminated") or {}).get("finishedAt"))
    if finished is None or (current is not None and finished <= current):
        return current
    return finished


def _is_sidecar(container: dict[str, Any] | None) -> bool:
    """A restartable init container: it keeps running beside the main containers."""
    return container is not None and container.get("restartPolicy") == "Always"


def _terminated_words(terminated: dict[str, Any], prefix: str) -> str:
    if terminated.get("reason"):
        return prefix + terminated["reason"]
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _condition_true(conditions: list[dict[str, Any]], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def pod_words(pod: dict[str, Any]) -> PodWords:
    """READY, STATUS and RESTARTS of `kubectl get pods`, by printPod's rules."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    conditions = status.get("conditions") or []
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    # Only a pod not yet bound can be gated (a pod with scheduling gates may not name a node,
    # and binding makes PodScheduled true), so bound pods, nearly all of them, skip the walk.
    if not spec.get("nodeName"):
        for c in conditions:
            if c.get("reason") == SCHEDULING_GATED and c.get("type") == "PodScheduled":
                reason = SCHEDULING_GATED

    total = len(spec.get("containers") or ())
    init_specs = spec.get("initContainers") or ()
    by_name: dict[str, dict[str, Any]] = {}
    if init_specs:  # most pods have none, and a 10,000-row table prints every pod
        by_name = {c.get("name", ""): c for c in init_specs}
        total += sum(1 for c in init_specs if _is_sidecar(c))
    ready = 0
    restarts, last_restart = 0, None
    # Once the pod is initialized only sidecars' restarts still count among the init containers'.
    sidecar_restarts, sidecar_last_restart = 0, None

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += cs.get("restartCount", 0)
        last_restart = _later(last_restart, cs)
        sidecar = _is_sidecar(by_name.get(cs.get("name", "")))
        if sidecar:
            sidecar_restarts += cs.get("restartCount", 0)
            sidecar_last_restart = _later(sidecar_last_restart, cs)
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and cs.get("started") is True:
            ready += 1 if cs.get("ready") else 0
            continue
        if terminated is not None:
            reason = _terminated_words(terminated, "Init:")
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts, last_restart = sidecar_restarts, sidecar_last_restart
        has_running = False
        # Backwards, so that the first container's words are the ones left standing.
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            last_restart = _later(last_restart, cs)
            state = cs.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _terminated_words(terminated, "")
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(conditions, "Ready") else "NotReady"

    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        if status.get("reason") == NODE_UNREACHABLE_POD_REASON:
            reason = "Unknown"
        elif phase not in TERMINAL_PHASES:
            reason = "Terminating"

    return PodWords(f"{ready}/{total}", reason, restarts, last_restart)


def restarts_cell(words: PodWords, now: datetime) -> str:
    """RESTARTS: the count, and how long ago the last restart was when that is known."""
    if words.restarts and words.last_restart is not None:
        return f"{words.restarts} ({since(words.last_restart, now)} ago)"
    return str(words.restarts)


def _readiness_gates(gates: list[dict[str, Any]], status: dict[str, Any]) -> str:
    # The first condition of a type is the one that counts.
    first: dict[str, Any] = {}
    for c in status.get("conditions") or []:
        first.setdefault(c.get("type"), c.get("status"))
    passed = sum(1 for g in gates if first.get(g.get("conditionType")) == "True")
    return f"{passed}/{len(gates)}"


def pod_cells(pod: dict[str, Any], now: datetime, words: PodWords | None = None) -> list[str]:
    """A pod's row, wide columns included: NAME READY STATUS RESTARTS AGE IP NODE NOMINATED-NODE GATES."""
    if words is None:
        words = pod_words(pod)
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    # The printer reads podIPs[0]; in v1 the API server keeps podIP equal to it.
    ip = status.get("podIP") or next((p.get("ip") for p in status.get("podIPs") or ()), None) or NONE
    gates = spec.get("readinessGates")
    return [
        meta.get("name", ""), words.ready, words.status, restarts_cell(words, now),
        since(meta.get("creationTimestamp"), now),
        ip, spec.get("nodeName") or NONE, status.get("nominatedNodeName") or NONE,
        _readiness_gates(gates, status) if gates else NONE,
    ]


def node_status(node: dict[str, Any]) -> str:
    """STATUS of a node: its Ready condition's word, then SchedulingDisabled when cordoned."""
    ready = None
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            ready = c  # a repeated condition type counts once, the last one listed
    if ready is None:
        words = ["Unknown"]
    else:
        words = ["Ready" if ready.get("status") == "True" else "NotReady"]
    if (node.get("spec") or {}).get("unschedulable"):
        words.append("SchedulingDisabled")
    return ",".join(words)


def node_roles(node: dict[str, Any]) -> str:
    """ROLES: the node-role.kubernetes.io/<role> labels and the legacy kubernetes.io/role value."""
    roles = set()
    for key, value in ((node.get("metadata") or {}).get("labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/"):
            role = key.removeprefix("node-role.kubernetes.io/")
            if role:
                roles.add(role)
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles)) or NONE


def _first_address(status: dict[str, Any], kind: str) -> str:
    for address in status.get("addresses") or []:
        if address.get("type") == kind:
            return address.get("address") or NONE
    return NONE


def node_cells(node: dict[str, Any], now: datetime) -> list[str]:
    """A node's row, wide columns included: NAME STATUS ROLES AGE VERSION INTERNAL/EXTERNAL-IP OS KERNEL RUNTIME."""
    meta, status = node.get("metadata") or {}, node.get("status") or {}
    info = status.get("nodeInfo") or {}
    return [
        meta.get("name", ""), node_status(node), node_roles(node), since(meta.get("creationTimestamp"), now),
        info.get("kubeletVersion", ""),
        _first_address(status, "InternalIP"), _first_address(status, "ExternalIP"),
        info.get("osImage") or UNKNOWN, info.get("kernelVersion") or UNKNOWN,
        info.get("containerRuntimeVersion") or UNKNOWN,
    ]
