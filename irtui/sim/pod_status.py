"""A pod's `status` as its kubelet (and, before binding, the scheduler) publishes it.

Rendered from the runtime state in `irtui.sim.runtime`: phase, the five pod conditions, and
each container's state, last state, readiness and restart count, in the shape and wording of
the real kubelet's status manager. Printers (kubectl's and irtui's) read their status words
from exactly these fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from irtui.sim import objects as o

if TYPE_CHECKING:
    from irtui.sim.runtime import PodRT, Run


def _cond(type_: str, status: bool | str, since: float, reason: str | None = None, message: str | None = None) -> dict:
    value = status if isinstance(status, str) else ("True" if status else "False")
    cond: dict[str, Any] = {"type": type_, "status": value, "lastProbeTime": None,
                            "lastTransitionTime": o.format_time(since)}
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def _terminated(run: Run) -> dict:
    return {"exitCode": run.exit_code, "reason": run.reason, "startedAt": o.format_time(run.started),
            "finishedAt": o.format_time(run.finished or run.started), "containerID": run.cid}


def render_status(rt: PodRT) -> dict:
    """The pod's `status` as the kubelet (and scheduler) report it."""
    status: dict[str, Any] = {"qosClass": rt.qos}
    if rt.stage in ("new", "unschedulable"):
        status["phase"] = "Pending"
        if rt.stage == "unschedulable":
            status["conditions"] = [_cond("PodScheduled", False, rt.t_unsched, "Unschedulable", rt.unsched_message)]
        return status

    all_started = all(c.ever_started for c in rt.containers)
    status["phase"] = "Running" if all_started else "Pending"
    if rt.stage == "done":
        failed = any(c.runs and c.runs[-1].exit_code != 0 for c in rt.containers)
        status["phase"] = "Failed" if failed else "Succeeded"
    unready = [c.name for c in rt.containers if not c.ready or rt.churn_unready]
    conditions = [
        _cond("PodReadyToStartContainers", rt.stage == "running" or rt.t_sandbox > 0, rt.t_sandbox or rt.t_scheduled),
        _cond("Initialized", True, rt.t_scheduled),
    ]
    if rt.stage == "done":
        conditions = [_cond("PodReadyToStartContainers", False, rt.t_ready_change), conditions[1],
                      _cond("Ready", False, rt.t_ready_change, "PodCompleted"),
                      _cond("ContainersReady", False, rt.t_ready_change, "PodCompleted")]
    elif rt.ready:
        conditions += [_cond("Ready", True, rt.t_ready_change), _cond("ContainersReady", True, rt.t_ready_change)]
    else:
        message = f"containers with unready status: [{' '.join(unready)}]" if unready else None
        reason = "ContainersNotReady" if unready else None
        conditions += [_cond("Ready", False, rt.t_ready_change, reason, message),
                       _cond("ContainersReady", False, rt.t_ready_change, reason, message)]
    conditions.append(_cond("PodScheduled", True, rt.t_scheduled))
    status["conditions"] = conditions
    status["hostIP"] = rt.host_ip
    status["hostIPs"] = [{"ip": rt.host_ip}]
    if rt.pod_ip:
        status["podIP"] = rt.pod_ip
        status["podIPs"] = [{"ip": rt.pod_ip}]
    status["startTime"] = o.format_time(rt.t_scheduled)
    statuses = []
    for c in rt.containers:
        cs: dict[str, Any] = {"name": c.name, "image": c.image,
                              "imageID": o.image_id(c.image) if c.pulled else "",
                              "ready": c.ready and not rt.churn_unready, "restartCount": c.restarts,
                              "started": c.state == "running", "lastState": {}}
        run = c.runs[-1] if c.runs else None
        if c.state == "running" and run:
            cs["state"] = {"running": {"startedAt": o.format_time(run.started)}}
            cs["containerID"] = run.cid
            if len(c.runs) > 1:
                cs["lastState"] = {"terminated": _terminated(c.runs[-2])}
        elif c.state == "terminated" and run:
            cs["state"] = {"terminated": _terminated(run)}
            cs["containerID"] = run.cid
            if len(c.runs) > 1:
                cs["lastState"] = {"terminated": _terminated(c.runs[-2])}
        else:
            waiting: dict[str, str] = {"reason": c.waiting_reason}
            if c.waiting_message:
                waiting["message"] = c.waiting_message
            cs["state"] = {"waiting": waiting}
            if run:
                cs["containerID"] = run.cid
                cs["lastState"] = {"terminated": _terminated(run)}
        statuses.append(cs)
    status["containerStatuses"] = statuses
    return status
