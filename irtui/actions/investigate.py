"""What the Investigate screens read: pod logs (whole, tailed, or followed as a stream) and
`kubectl describe`-style text for pods, deployments, statefulsets and nodes.

This module owns the requests and the text; the screens in `irtui.ui.screens` own the
display and run these functions in thread workers (everything here blocks). Only reads.
Formatting is pure (dict in, text out) so it is tested without a cluster.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from kubernetes.client.exceptions import ApiException

from irtui.actions.kubeapi import Kube, api_message, resource_path
from irtui.kube.lines import LineSplitter
from irtui.kube.printers import age, node_roles, node_status, pod_summary
from irtui.redact import REDACTED, is_secret_name

ERROR_LINE = re.compile(
    r"\b(ERROR|ERR|FATAL|PANIC|CRITICAL|SEVERE|Exception|Traceback)\b|\blevel=(error|fatal)\b|\"level\"\s*:\s*\"(error|fatal)\"",
)


def is_error_line(line: str) -> bool:
    return bool(ERROR_LINE.search(line))


# --- logs -----------------------------------------------------------------------------------

# The longest piece of a log line shown as one line. A container can write megabytes without
# a newline (a minified blob, binary output, a hostile pod); held back until the newline,
# that costs memory without bound and shows nothing. 64 KiB is far more than a screen row
# shows, and still whole for any JSON log line a person would read.
LOG_LINE_MAX = 64 << 10


class LogStream:
    """One log request. `lines()` yields batches of lines as they arrive; `close()` (from any
    thread) ends a follow by closing the response under the reading thread."""

    def __init__(self, kube: Kube, namespace: str, pod: str, container: str | None = None, *,
                 previous: bool = False, follow: bool = False, tail_lines: int | None = None,
                 limit_bytes: int | None = None) -> None:
        self.kube = kube
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.previous = previous
        self.follow = follow
        self.tail_lines = tail_lines
        self.limit_bytes = limit_bytes
        self._response = None
        self._closed = threading.Event()

    def query(self) -> list[tuple[str, Any]]:
        return [("container", self.container), ("follow", "true" if self.follow else None),
                ("previous", "true" if self.previous else None), ("tailLines", self.tail_lines),
                ("limitBytes", self.limit_bytes)]

    def lines(self, batch_lines: int = 2000) -> Iterator[list[str]]:
        """Batches of complete lines; a partial last line is yielded when the stream ends.
        A line longer than LOG_LINE_MAX comes in pieces of at most that, as it arrives."""
        # A followed log waits for lines as long as it is open: no read timeout. Kube.request's
        # annotation does not allow that None yet, hence the ignore.
        response = self.kube.request("GET", resource_path("pod", self.namespace, self.pod, "log"),
                                     query=self.query(), accept="text/plain, */*", stream=True,
                                     timeout=(10, None) if self.follow else 60)  # type: ignore[arg-type]
        self._response = response
        if self._closed.is_set():
            response.release_conn()
            return
        splitter = LineSplitter(LOG_LINE_MAX, cut=True)
        read = getattr(response, "read1", None) or response.read
        try:
            while not self._closed.is_set():
                try:
                    chunk = read(65536)
                except Exception:
                    if self._closed.is_set():
                        return
                    raise
                if not chunk:
                    break
                complete = splitter.feed(chunk)
                if not complete:
                    continue
                text = [line.decode("utf-8", "replace").rstrip("\r") for line in complete]
                for i in range(0, len(text), batch_lines):
                    yield text[i:i + batch_lines]
            rest = splitter.end()
            if rest and not self._closed.is_set():
                yield [rest[0].decode("utf-8", "replace").rstrip("\r")]
        finally:
            try:
                response.release_conn()
            except Exception:
                pass

    def close(self) -> None:
        self._closed.set()
        response = self._response
        if response is not None:
            try:
                response.shutdown() if hasattr(response, "shutdown") else response.close()
            except Exception:
                pass


def pod_containers(kube: Kube, namespace: str, pod: str) -> tuple[list[str], dict[str, int], str | None]:
    """(container names, init first; restart count by container; the first app container)."""
    obj = kube.get(resource_path("pod", namespace, pod))
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names = [c["name"] for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])]
    restarts = {c.get("name"): c.get("restartCount", 0)
                for c in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])}
    first = (spec.get("containers") or [{}])[0].get("name")
    return names, restarts, first


def pods_of(kube: Kube, kind: str, namespace: str, name: str) -> list[str]:
    """Pod names of a workload (by its selector), for opening logs from a deployment."""
    if kind == "pod":
        return [name]
    workload = kube.get(resource_path(kind, namespace, name))
    labels = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return sorted(p["metadata"]["name"] for p in kube.items(resource_path("pod", namespace), labelSelector=selector))


# --- describe -------------------------------------------------------------------------------

def _kv(pairs: dict | None, indent: str = "  ") -> list[str]:
    if not pairs:
        return [f"{indent}<none>"]
    return [f"{indent}{k}={v}" for k, v in sorted(pairs.items())]


def _state(state: dict | None) -> str:
    state = state or {}
    if "running" in state:
        return f"Running (since {(state['running'] or {}).get('startedAt', '?')})"
    if "waiting" in state:
        w = state["waiting"] or {}
        return f"Waiting: {w.get('reason', '')}" + (f" - {w['message']}" if w.get("message") else "")
    if "terminated" in state:
        t = state["terminated"] or {}
        return (f"Terminated: {t.get('reason', '')} (exit code {t.get('exitCode', '?')}"
                + (f", finished {t['finishedAt']}" if t.get("finishedAt") else "") + ")")
    return "<unknown>"


def _conditions(conditions: list[dict] | None) -> list[str]:
    if not conditions:
        return ["  <none>"]
    rows = [("Type", "Status", "Reason", "Message")]
    rows += [(c.get("type", ""), c.get("status", ""), c.get("reason", "") or "", c.get("message", "") or "") for c in conditions]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["  " + "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]


def event_time(event: dict) -> str:
    """When an event last happened, as the API gives it (core/v1 or events.k8s.io/v1)."""
    return (event.get("lastTimestamp") or event.get("eventTime")
            or (event.get("metadata") or {}).get("creationTimestamp") or "")


def events_section(events: list[dict], now: datetime | None = None) -> list[str]:
    if not events:
        return ["Events: <none>"]

    lines = ["Events:", "  Type     Reason             Age      Count  Message"]
    for e in sorted(events, key=event_time)[-50:]:
        lines.append(f"  {e.get('type', ''):<8} {e.get('reason', ''):<18} {age(event_time(e) or None, now):<8} "
                     f"{e.get('count', 1) or 1:<6} {(e.get('message') or '').strip()}")
    return lines


def describe_pod(pod: dict, events: list[dict], now: datetime | None = None) -> str:
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    summary = pod_summary(pod)
    owners = ", ".join(f"{o.get('kind')}/{o.get('name')}" for o in meta.get("ownerReferences") or []) or "<none>"
    lines = [
        f"Name:          {meta.get('name')}", f"Namespace:     {meta.get('namespace')}",
        f"Node:          {spec.get('nodeName') or '<none>'}",
        f"Start Time:    {status.get('startTime', '<unknown>')}",
        f"Status:        {summary.status}   Ready {summary.ready}   Restarts {summary.restarts}",
        f"IP:            {status.get('podIP') or '<none>'}", f"Controlled By: {owners}",
        "Labels:", *_kv(meta.get("labels")),
    ]
    statuses = {c.get("name"): c for c in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])}
    for title, containers in (("Init Containers:", spec.get("initContainers")), ("Containers:", spec.get("containers"))):
        if not containers:
            continue
        lines.append(title)
        for c in containers:
            cs = statuses.get(c.get("name"), {})
            lines += [f"  {c.get('name')}:", f"    Image:         {c.get('image')}",
                      f"    State:         {_state(cs.get('state'))}"]
            if cs.get("lastState"):
                lines.append(f"    Last State:    {_state(cs.get('lastState'))}")
            lines += [f"    Ready:         {cs.get('ready', False)}", f"    Restart Count: {cs.get('restartCount', 0)}"]
            resources = c.get("resources") or {}
            for key in ("limits", "requests"):
                if resources.get(key):
                    lines.append(f"    {key.title()}:{' ' * (14 - len(key))}" + ", ".join(f"{k}={v}" for k, v in resources[key].items()))
            env = c.get("env") or []
            if env:
                lines.append("    Environment:")
                for item in env:
                    value = item.get("value") if "value" in item else "<set from " + ", ".join((item.get("valueFrom") or {}).keys()) + ">"
                    if "value" in item and is_secret_name(item.get("name") or ""):
                        value = REDACTED
                    lines.append(f"      {item.get('name')}: {value}")
    lines += ["Conditions:", *_conditions(status.get("conditions"))]
    lines += events_section(events, now)
    return "\n".join(lines)


def describe_workload(obj: dict, replicasets: list[dict], events: list[dict], now: datetime | None = None) -> str:
    meta, spec, status = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    template = spec.get("template") or {}
    lines = [
        f"Name:               {meta.get('name')}", f"Namespace:          {meta.get('namespace')}",
        f"Kind:               {obj.get('kind', '')}",
        f"Selector:           {','.join(f'{k}={v}' for k, v in ((spec.get('selector') or {}).get('matchLabels') or {}).items())}",
        f"Replicas:           {spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | "
        f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | "
        f"{status.get('unavailableReplicas', 0)} unavailable",
        f"Strategy:           {(spec.get('strategy') or spec.get('updateStrategy') or {}).get('type', '')}",
        f"Revision:           {(meta.get('annotations') or {}).get('deployment.kubernetes.io/revision', '-')}",
        f"Paused:             {bool(spec.get('paused'))}",
        "Pod Template:",
        "  Annotations:", *_kv((template.get("metadata") or {}).get("annotations"), "    "),
        "  Containers:",
    ]
    for c in (template.get("spec") or {}).get("containers") or []:
        lines.append(f"    {c.get('name')}: {c.get('image')}")
        for item in c.get("env") or []:
            value = item.get("value", "<from ref>")
            if "value" in item and is_secret_name(item.get("name") or ""):
                value = REDACTED
            lines.append(f"      {item.get('name')}={value}")
    lines += ["Conditions:", *_conditions(status.get("conditions"))]
    if replicasets:
        lines.append("ReplicaSets (revision: name, ready/desired):")
        for rs in sorted(replicasets, key=lambda r: int(((r.get("metadata") or {}).get("annotations") or {}).get("deployment.kubernetes.io/revision", 0) or 0)):
            rmeta = rs.get("metadata") or {}
            lines.append(f"  {(rmeta.get('annotations') or {}).get('deployment.kubernetes.io/revision', '?')}: {rmeta.get('name')} "
                         f"{(rs.get('status') or {}).get('readyReplicas', 0)}/{(rs.get('spec') or {}).get('replicas', 0)}")
    lines += events_section(events, now)
    return "\n".join(lines)


def describe_node(node: dict, pods: list[dict], events: list[dict], now: datetime | None = None) -> str:
    meta, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
    lines = [
        f"Name:               {meta.get('name')}", f"Roles:              {node_roles(node)}",
        f"Status:             {node_status(node)}", f"Unschedulable:      {bool(spec.get('unschedulable'))}",
        f"Created:            {meta.get('creationTimestamp', '')} ({age(meta.get('creationTimestamp'), now)} ago)",
        "Taints:", *([f"  {t.get('key')}={t.get('value', '')}:{t.get('effect')}" for t in spec.get("taints") or []] or ["  <none>"]),
        "Conditions:", *_conditions(status.get("conditions")),
        "Capacity:", *_kv(status.get("capacity")), "Allocatable:", *_kv(status.get("allocatable")),
        f"Non-terminated Pods: ({len(pods)} in total)",
    ]
    for p in sorted(pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"]))[:200]:
        s = pod_summary(p)
        lines.append(f"  {p['metadata'].get('namespace', ''):<20} {p['metadata']['name']:<45} {s.status}")
    lines += events_section(events, now)
    return "\n".join(lines)


def _events_for(kube: Kube, namespace: str | None, kind: str, name: str) -> list[dict]:
    selector = f"involvedObject.name={name},involvedObject.kind={kind}"
    path = resource_path("event", namespace) if namespace else "/api/v1/events"
    try:
        events = kube.items(path, fieldSelector=selector)
    except ApiException:
        return []
    # A server that ignores field selectors must not show other objects' events.
    return [e for e in events if (e.get("involvedObject") or {}).get("name") == name
            and (e.get("involvedObject") or {}).get("kind", kind) == kind]


def describe(kube: Kube, kind: str, namespace: str | None, name: str) -> str:
    """`kubectl describe KIND NAME` as text; an API error becomes the text (never raised)."""
    try:
        if kind == "pod":
            pod = kube.get(resource_path("pod", namespace, name))
            return describe_pod(pod, _events_for(kube, namespace, "Pod", name))
        if kind in ("deployment", "statefulset"):
            obj = kube.get(resource_path(kind, namespace, name))
            obj.setdefault("kind", "Deployment" if kind == "deployment" else "StatefulSet")
            rses = []
            if kind == "deployment":
                from irtui.actions.kube import owned_replicasets

                rses = owned_replicasets(kube, obj)
            return describe_workload(obj, rses, _events_for(kube, namespace, obj["kind"], name))
        if kind == "node":
            node = kube.get(resource_path("node", None, name))
            pods = [p for p in kube.items("/api/v1/pods", fieldSelector=f"spec.nodeName={name}")
                    if (p.get("spec") or {}).get("nodeName") == name]
            return describe_node(node, pods, _events_for(kube, None, "Node", name))
        return f"describe: unsupported kind {kind!r}"
    except ApiException as exc:
        return f"Error from server: {api_message(exc)}"
    except Exception as exc:  # unreachable cluster: say so in the screen
        return f"Error: {type(exc).__name__}: {exc}"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


Fetcher = Callable[[], str]
