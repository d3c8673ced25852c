"""kubectl's way of summarising objects, from raw JSON dicts.

These follow kubectl's printers (`printPod`, `printNode`, `HumanDuration`) so that what a
pane shows and what `kubectl get` prints are the same words. The simulator prints its
server-side Tables with its own code; both are checked against the Kubernetes project's
printer test cases in tests/golden/printers.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, NamedTuple


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 timestamp as the API writes it, or None (also for one that is not: an
    object's author can write anything there, and one object must not stop a list)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, TypeError, AttributeError):
        return None


def human_duration(seconds: float) -> str:
    """kubectl's `HumanDuration`: 45s, 3m20s, 17m, 5h3m, 20h, 3d4h, 40d, 3y12d."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def age(timestamp: str | datetime | None, now: datetime | None = None) -> str:
    """kubectl's AGE column for a timestamp; `<unknown>` when there is none."""
    when = parse_time(timestamp) if isinstance(timestamp, str) else timestamp
    if when is None:
        return "<unknown>"
    now = now or datetime.now(timezone.utc)
    return human_duration((now - when).total_seconds())


class PodSummary(NamedTuple):
    ready: str  # "1/2"
    status: str  # Running, CrashLoopBackOff, Init:0/1, Terminating ...
    restarts: int
    last_restart: datetime | None  # when the most recent counted restart's container finished


def _terminated_reason(state: dict[str, Any], prefix: str = "") -> str:
    if state.get("reason"):
        return prefix + state["reason"]
    if state.get("signal"):
        return f"{prefix}Signal:{state['signal']}"
    return f"{prefix}ExitCode:{state.get('exitCode', 0)}"


def _later(a: datetime | None, b: str | None) -> datetime | None:
    t = parse_time(b)
    if t is None:
        return a
    return t if a is None or t > a else a


def _finished(cs: dict[str, Any]) -> str | None:
    return ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")


def _is_sidecar(container: dict[str, Any] | None) -> bool:
    """A restartable init container: it runs beside the main containers, like one of them."""
    return container is not None and container.get("restartPolicy") == "Always"


def _condition_true(conditions: list[dict[str, Any]], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def pod_summary(pod: dict[str, Any]) -> PodSummary:
    """READY, STATUS and RESTARTS exactly as `kubectl get pods` derives them."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    meta = pod.get("metadata") or {}
    conditions = status.get("conditions") or []
    phase = status.get("phase") or ""
    init_specs = spec.get("initContainers") or []
    init_by_name = {c.get("name", ""): c for c in init_specs}
    total = len(spec.get("containers") or []) + sum(1 for c in init_specs if _is_sidecar(c))
    ready = 0
    restarts = 0
    last_restart: datetime | None = None
    # After initialization, of the init containers only the sidecars' restarts still count.
    sidecar_restarts = 0
    sidecar_last_restart: datetime | None = None
    reason = status.get("reason") or phase
    if any(c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated" for c in conditions):
        reason = "SchedulingGated"

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += cs.get("restartCount", 0)
        last_restart = _later(last_restart, _finished(cs))
        sidecar = _is_sidecar(init_by_name.get(cs.get("name", "")))
        if sidecar:
            sidecar_restarts += cs.get("restartCount", 0)
            sidecar_last_restart = _later(sidecar_last_restart, _finished(cs))
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and cs.get("started") is True:
            ready += 1 if cs.get("ready") else 0
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts, last_restart = sidecar_restarts, sidecar_last_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += cs.get("restartCount", 0)
            last_restart = _later(last_restart, _finished(cs))
            state = cs.get("state") or {}
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated and terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated is not None:
                reason = _terminated_reason(terminated)
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(conditions, "Ready") else "NotReady"

    if meta.get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"

    return PodSummary(f"{ready}/{total}", reason, restarts, last_restart if restarts else None)


def restarts_text(summary: PodSummary, now: datetime | None = None) -> str:
    """RESTARTS as kubectl prints it: `4 (37s ago)`."""
    if not summary.restarts or summary.last_restart is None:
        return str(summary.restarts)
    return f"{summary.restarts} ({age(summary.last_restart, now)} ago)"


def node_status(node: dict[str, Any]) -> str:
    """STATUS of `kubectl get nodes`: Ready, NotReady, Unknown, plus SchedulingDisabled."""
    conditions = (node.get("status") or {}).get("conditions") or []
    ready = None
    for c in conditions:
        if c.get("type") == "Ready":
            ready = c  # a repeated Ready condition is one word: the last one listed
    words = ["Unknown" if ready is None else "Ready" if ready.get("status") == "True" else "NotReady"]
    if (node.get("spec") or {}).get("unschedulable"):
        words.append("SchedulingDisabled")
    return ",".join(words)


def node_roles(node: dict[str, Any]) -> str:
    """ROLES of `kubectl get nodes`, from node-role.kubernetes.io/* labels."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    roles = sorted(
        {k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/") and "/" in k}
        | ({labels["kubernetes.io/role"]} if labels.get("kubernetes.io/role") else set())
    )
    return ",".join(r for r in roles if r) or "<none>"
