"""Forensics collection: the security playbook's step 4, done completely and verifiably.

This module owns what is collected and how it is written: the logs of every container
(and of the previous instance of any that restarted), the events, and descriptions of the
objects involved, into a new timestamped folder (mode 0700) with a `SHA256SUMS` file
(`sha256sum -c` checks it) and a `MANIFEST.json` saying who collected what, from where,
when. Secret *values* never reach the disk: Secret `data`/`stringData` are replaced by
the size of the value, and everything else written (objects, describe text, events, logs)
passes through the redaction policy (`irtui.redact`). It only reads from the cluster.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from kubernetes.client.exceptions import ApiException

from irtui.actions.base import ActionEnv, Impl, ns_of
from irtui.actions.investigate import describe_pod, describe_workload, event_time
from irtui.actions.kube import kube_of
from irtui.actions.kubeapi import api_message, resource_path
from irtui.actions.model import AccessCheck, Executed, Prepared, Target
from irtui.files import private_dir, write_private
from irtui.kube.printers import age
from irtui.redact import REDACTED, redact, redact_text


def redact_secret(secret: dict) -> dict:
    """A Secret with every value replaced by its size: keys and types stay for the record."""
    out = json.loads(json.dumps(secret))
    for field in ("data", "stringData"):
        values = out.get(field)
        if isinstance(values, dict):
            out[field] = {k: f"{REDACTED} ({len(v or '')} bytes)" for k, v in values.items()}
    annotations = (out.get("metadata") or {}).get("annotations") or {}
    # kubectl apply keeps the whole object, values included, in this annotation.
    if "kubectl.kubernetes.io/last-applied-configuration" in annotations:
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = REDACTED
    return out


def _clean(obj: dict) -> dict:
    obj = dict(obj)
    meta = dict(obj.get("metadata") or {})
    meta.pop("managedFields", None)
    obj["metadata"] = meta
    if obj.get("kind") == "Secret" or ("data" in obj and "type" in obj and "spec" not in obj):
        return redact_secret(obj)
    return redact(obj)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def events_table(events: list[dict], now: datetime | None = None) -> str:
    """`kubectl get events` columns: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE."""
    rows = [("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")]
    for e in sorted(events, key=event_time):
        obj = e.get("involvedObject") or e.get("regarding") or {}
        rows.append((age(event_time(e) or None, now), e.get("type", ""), e.get("reason", ""),
                     f"{(obj.get('kind') or '').lower()}/{obj.get('name', '')}", (e.get("message") or e.get("note") or "").strip()))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("   ".join(r[i].ljust(widths[i]) for i in range(4)) + "   " + r[4] for r in rows) + "\n"


class Collector:
    """Collects into `root/<UTC stamp>-<context>-<namespace>[-<name>]/`."""

    def __init__(self, env: ActionEnv, root: Path | None = None, tail_lines: int | None = None) -> None:
        self.env = env
        self.root = Path(root or env.settings.forensics_root())
        self.tail_lines = tail_lines
        self.errors: list[str] = []
        self.files: dict[str, str] = {}

    def _write(self, folder: Path, rel: str, text: str) -> None:
        raw = redact_text(text).encode("utf-8")
        path = folder / rel
        private_dir(path.parent)
        write_private(path, raw, exclusive=True)
        self.files[rel] = hashlib.sha256(raw).hexdigest()

    def _get(self, path: str, **query: Any) -> Any:
        try:
            return kube_of(self.env).get(path, **query)
        except ApiException as exc:
            self.errors.append(f"GET {path}: {api_message(exc)}")
            return None

    def pods_for(self, target: Target, ns: str) -> tuple[list[dict], list[dict]]:
        """(pods, workload objects) for the target."""
        if target.kind == "pod":
            pod = self._get(resource_path("pod", ns, target.name))
            return ([pod] if pod else []), []
        if target.kind in ("deployment", "statefulset"):
            workload = self._get(resource_path(target.kind, ns, target.name))
            if not workload:
                return [], []
            labels = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
            selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
            pods = (self._get(resource_path("pod", ns), labelSelector=selector) or {}).get("items") or []
            objects = [{**workload, "kind": "Deployment" if target.kind == "deployment" else "StatefulSet"}]
            if target.kind == "deployment":
                rses = (self._get(resource_path("replicaset", ns), labelSelector=selector) or {}).get("items") or []
                objects += [{**rs, "kind": "ReplicaSet"} for rs in rses]
            return pods, objects
        pods = (self._get(resource_path("pod", ns)) or {}).get("items") or []
        objects = []
        # List items carry no `kind` in a real API server: name it, or a Deployment and the
        # Service of the same name would describe into one file.
        for kind, name in (("deployment", "Deployment"), ("statefulset", "StatefulSet"), ("service", "Service"),
                           ("configmap", "ConfigMap"), ("secret", "Secret")):
            objects += [{**o, "kind": name} for o in (self._get(resource_path(kind, ns)) or {}).get("items") or []]
        return pods, objects

    def collect(self, target: Target) -> tuple[Path, str]:
        """Write everything; returns (folder, sha256 of SHA256SUMS)."""
        ns = ns_of(self.env, target) if target.kind != "namespace" else target.name
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        parts = [stamp, self.env.context or "cluster", ns] + ([target.name] if target.kind != "namespace" else [])
        private_dir(self.root)
        folder = self.root / _safe("-".join(parts))
        n = 1
        while folder.exists():
            n += 1
            folder = self.root / _safe("-".join(parts) + f"-{n}")
        private_dir(folder)

        pods, objects = self.pods_for(target, ns)
        pods = [{**p, "kind": "Pod"} for p in pods]
        names: set[tuple[str | None, str | None]] = {("Pod", (p.get("metadata") or {}).get("name")) for p in pods}
        names |= {(o.get("kind"), (o.get("metadata") or {}).get("name")) for o in objects}
        for pod in pods:
            meta = pod.get("metadata") or {}
            name = meta.get("name", "?")
            self._write(folder, f"describe/pod-{_safe(name)}.json", json.dumps(_clean({**pod, "kind": "Pod"}), indent=2, sort_keys=True))
            statuses = {c.get("name"): c for c in ((pod.get("status") or {}).get("containerStatuses") or [])
                        + ((pod.get("status") or {}).get("initContainerStatuses") or [])}
            containers = [c.get("name") for c in ((pod.get("spec") or {}).get("initContainers") or [])
                          + ((pod.get("spec") or {}).get("containers") or [])]
            for container in containers:
                self._log(folder, ns, name, container, previous=False)
                if (statuses.get(container) or {}).get("restartCount", 0) > 0:
                    self._log(folder, ns, name, container, previous=True)
        for obj in objects:
            kind = obj.get("kind") or "Object"
            name = (obj.get("metadata") or {}).get("name", "?")
            self._write(folder, f"describe/{kind.lower()}-{_safe(name)}.json", json.dumps(_clean(obj), indent=2, sort_keys=True))
        nodes = sorted({node for p in pods if (node := (p.get("spec") or {}).get("nodeName"))})
        for node in nodes:
            obj = self._get(resource_path("node", None, node))
            if obj:
                self._write(folder, f"describe/node-{_safe(node)}.json", json.dumps(_clean({**obj, "kind": "Node"}), indent=2, sort_keys=True))

        events = (self._get(resource_path("event", ns)) or {}).get("items") or []
        by_object: dict[tuple[str, str], list[dict]] = {}
        for e in events:
            obj = e.get("involvedObject") or e.get("regarding") or {}
            by_object.setdefault((obj.get("kind", ""), obj.get("name", "")), []).append(e)
        for pod in pods:
            name = (pod.get("metadata") or {}).get("name", "?")
            self._write(folder, f"describe/pod-{_safe(name)}.txt", describe_pod(pod, by_object.get(("Pod", name), [])) + "\n")
        for obj in objects:
            if obj.get("kind") in ("Deployment", "StatefulSet"):
                name = (obj.get("metadata") or {}).get("name", "?")
                self._write(folder, f"describe/{obj['kind'].lower()}-{_safe(name)}.txt",
                            describe_workload(obj, [], by_object.get((obj["kind"], name), [])) + "\n")
        if target.kind != "namespace":
            prefixes = {n for _, n in names if n}
            events = [e for e in events if ((e.get("involvedObject") or e.get("regarding") or {}).get("name") in prefixes)]
        self._write(folder, "events.txt", events_table(events))
        self._write(folder, "events.json", json.dumps(redact(events), indent=2, sort_keys=True))

        manifest = {
            "collected_at": datetime.now(timezone.utc).isoformat(),
            "collected_by": self.env.actor, "context": self.env.context, "cluster": self.env.cluster_url,
            "namespace": ns, "target": target.label, "pods": len(pods), "objects": len(objects),
            "errors": self.errors, "secret_values": "redacted",
        }
        self._write(folder, "MANIFEST.json", json.dumps(manifest, indent=2, sort_keys=True))
        sums = "".join(f"{digest}  {rel}\n" for rel, digest in sorted(self.files.items()))
        self._write(folder, "SHA256SUMS", sums)
        return folder, hashlib.sha256(sums.encode()).hexdigest()

    def _log(self, folder: Path, ns: str, pod: str, container: str, previous: bool) -> None:
        rel = f"logs/{_safe(pod)}/{_safe(container)}{'.previous' if previous else ''}.log"
        try:
            text = kube_of(self.env).request(
                "GET", resource_path("pod", ns, pod, "log"),
                query=[("container", container), ("previous", "true" if previous else None),
                       ("tailLines", self.tail_lines)],
                accept="text/plain, */*", text=True,
            )
        except ApiException as exc:
            text = f"# irtui: logs not available: {api_message(exc)}\n"
            self.errors.append(f"logs {pod}/{container}{' (previous)' if previous else ''}: {api_message(exc)}")
        self._write(folder, rel, text)


def verify_folder(folder: Path) -> list[str]:
    """Files whose checksum no longer matches SHA256SUMS (empty when intact)."""
    bad = []
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, rel = line.split("  ", 1)
        if hashlib.sha256((folder / rel).read_bytes()).hexdigest() != digest:
            bad.append(rel)
    return bad


class CollectForensics(Impl):
    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        ns = target.name if target.kind == "namespace" else ns_of(env, target)
        return [AccessCheck("list", "pods", "", "", ns), AccessCheck("get", "pods", "", "log", ns),
                AccessCheck("list", "events", "", "", ns)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        ns = target.name if target.kind == "namespace" else ns_of(env, target)
        what = f"deployment/{target.name}" if target.kind == "deployment" else target.label
        return Prepared(
            command=env.kubectl("logs", what, "--all-containers", namespace=ns) + " > logs.txt; "
            + env.kubectl("get", "events", namespace=ns) + " > events.txt",
            summary=[f"into {env.settings.forensics_root()}/"], targets=[target.label],
        )

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        collector = Collector(env, params.get("root"))
        folder, digest = collector.collect(target)
        note = f" ({len(collector.errors)} items could not be read; see MANIFEST.json)" if collector.errors else ""
        return (f"forensics of {target.label} in {folder} ({len(collector.files)} files, SHA256SUMS {digest[:12]}){note}",
                {"path": str(folder), "sha256sums": digest, "files": len(collector.files), "errors": collector.errors})
