"""Builders of Kubernetes-shaped dicts for the simulated world, and the platform they describe.

Everything here is pure: given names, times and numbers it returns the JSON objects a real
API server would store (Nodes, Deployments, ReplicaSets, Pods, Services, Events ...), with
the defaults the real admission chain adds, so `kubectl describe` and the official client
see familiar shapes. Nothing here touches the store or the clock; the controllers do.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import orjson

PLATFORM_NS = "emrtask-prod"
FILLER_NS = "load-test"
REGISTRY = "registry.emrtask.com/emrtask"
KUBELET_VERSION = "v1.29.10-eks-7f9249a"

# Kubernetes' rand.SafeEncodeString alphabet: no vowels, no ambiguous characters.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

# service -> replicas, image versions (oldest first; the last is live), requests, rates.
PLATFORM_SERVICES: dict[str, dict[str, Any]] = {
    "api-gateway": {"replicas": 3, "versions": ["2.6.0", "2.6.2", "2.7.1"], "cpu": "250m", "memory": "256Mi"},
    "task-service": {"replicas": 3, "versions": ["1.18.0", "1.19.0", "1.19.3"], "cpu": "250m", "memory": "384Mi"},
    "emr-service": {"replicas": 2, "versions": ["3.3.0", "3.4.0", "3.4.2"], "cpu": "200m", "memory": "384Mi"},
    "sync-service": {"replicas": 2, "versions": ["1.7.4", "1.8.0", "1.8.1"], "cpu": "100m", "memory": "256Mi"},
    "handover-service": {"replicas": 2, "versions": ["0.9.2", "1.0.0", "1.0.1"], "cpu": "100m", "memory": "192Mi"},
}
POSTGRES_IMAGE = "docker.io/library/postgres:15.8"
STATEFUL_SERVICES = ("postgres", "postgres-replica")

HTTP_PORT = 3000
METRICS_PORT = 9090


def format_time(t: float | datetime) -> str:
    """metav1.Time: RFC 3339, second precision, Z."""
    if isinstance(t, datetime):
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return _format_second(int(t // 1))


@lru_cache(maxsize=8192)
def _format_second(second: int) -> str:
    # Status rendering formats the same few seconds thousands of times under churn.
    return datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def safe_encode(text: str) -> str:
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in text)


def _canonical(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def template_hash(template: dict) -> str:
    """The pod-template-hash of a template, shaped like Kubernetes' (fnv32a, safe-encoded).

    The label itself is left out, so a ReplicaSet's template hashes to its own label and
    `kubectl rollout undo` (which strips the label) finds the same ReplicaSet again.
    """
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    labels.pop("pod-template-hash", None)
    labels.pop("controller-revision-hash", None)
    meta = {**(template.get("metadata") or {}), "labels": labels}
    return _fnv_encoded(_canonical({**template, "metadata": meta}))


@lru_cache(maxsize=4096)
def _fnv_encoded(data: bytes) -> str:
    # Controllers hash the same few templates on every reconcile: hash each once.
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(h))


def fast_hash(text: str) -> int:
    """A stable 64-bit hash (Python's `hash` of a str changes between processes)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def container_id(seed: str) -> str:
    return "containerd://" + hashlib.sha256(seed.encode()).hexdigest()


def image_id(image: str) -> str:
    repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    return f"{repo}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def owner_ref(kind: str, obj: dict, api_version: str = "apps/v1") -> dict:
    return {
        "apiVersion": api_version, "kind": kind, "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True,
    }


def controller_of(obj: dict) -> dict | None:
    for ref in obj.get("metadata", {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


# --- cluster scaffolding ---------------------------------------------------------------

def namespace(name: str, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name, **(labels or {})}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def node(name: str, ip: str, zone: str, *, pool: str, instance_type: str, cpu: str, memory_ki: int,
         pods: int, pod_cidr: str, now: float, since: float | None = None) -> dict:
    stamp = format_time(now)
    since_stamp = format_time(since if since is not None else now)
    allocatable_mem = memory_ki - 600 * 1024
    cpu_m = int(cpu) * 1000 - 90
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": name,
                "node-role.kubernetes.io/worker": "",
                "node.kubernetes.io/instance-type": instance_type,
                "topology.kubernetes.io/region": "us-east-1",
                "topology.kubernetes.io/zone": zone,
                "eks.amazonaws.com/nodegroup": pool,
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr], "providerID": f"aws:///{zone}/i-{fast_hash(name):016x}"[:40]},
        "status": {
            "capacity": {"cpu": cpu, "ephemeral-storage": "83873772Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                         "memory": f"{memory_ki}Ki", "pods": str(pods)},
            "allocatable": {"cpu": f"{cpu_m}m", "ephemeral-storage": "76224326324", "hugepages-1Gi": "0",
                            "hugepages-2Mi": "0", "memory": f"{allocatable_mem}Ki", "pods": str(pods)},
            "conditions": node_conditions(True, stamp, since_stamp),
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "InternalDNS", "address": name},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64", "bootID": _uuidish(name + "boot"),
                "containerRuntimeVersion": "containerd://1.7.22", "kernelVersion": "5.10.227-219.884.amzn2.x86_64",
                "kubeProxyVersion": KUBELET_VERSION, "kubeletVersion": KUBELET_VERSION,
                "machineID": f"{fast_hash(name + 'machine'):032x}"[:32], "operatingSystem": "linux",
                "osImage": "Amazon Linux 2", "systemUUID": _uuidish(name + "system"),
            },
            "images": [],
        },
    }


def _uuidish(seed: str) -> str:
    h = hashlib.md5(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


_NODE_CONDITIONS = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)


def node_conditions(ready: bool | None, heartbeat: str, transition: str, *, ready_since: str | None = None) -> list[dict]:
    """Node conditions; ready=None is the node controller's verdict on a silent kubelet."""
    conds = []
    if ready is None:
        for type_, _, _ in _NODE_CONDITIONS:
            conds.append({"type": type_, "status": "Unknown", "lastHeartbeatTime": heartbeat,
                          "lastTransitionTime": transition, "reason": "NodeStatusUnknown",
                          "message": "Kubelet stopped posting node status."})
        conds.append({"type": "Ready", "status": "Unknown", "lastHeartbeatTime": heartbeat,
                      "lastTransitionTime": transition, "reason": "NodeStatusUnknown",
                      "message": "Kubelet stopped posting node status."})
    else:
        for type_, reason, message in _NODE_CONDITIONS:
            conds.append({"type": type_, "status": "False", "lastHeartbeatTime": heartbeat,
                          "lastTransitionTime": ready_since or transition, "reason": reason, "message": message})
        conds.append({"type": "Ready", "status": "True", "lastHeartbeatTime": heartbeat,
                      "lastTransitionTime": transition, "reason": "KubeletReady",
                      "message": "kubelet is posting ready status"})
    return [{"type": "NetworkUnavailable", "status": "False", "lastHeartbeatTime": ready_since or transition,
             "lastTransitionTime": ready_since or transition, "reason": "RouteCreated",
             "message": "RouteController created a route"}] + conds


# --- workloads -------------------------------------------------------------------------

DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
]


def app_container(name: str, image: str, *, cpu: str, memory: str, env: list[dict] | None = None) -> dict:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [
            {"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"},
            {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
        ],
        "env": env or [],
        "resources": {"requests": {"cpu": cpu, "memory": memory},
                      "limits": {"memory": _double(memory)}},
        # /ready is shallow (the process serves); /health is deep (its dependencies), so a
        # broken dependency shows in /health without taking the pod out of the Service.
        "readinessProbe": {"httpGet": {"path": "/ready", "port": HTTP_PORT, "scheme": "HTTP"},
                           "initialDelaySeconds": 5, "periodSeconds": 10, "timeoutSeconds": 2,
                           "successThreshold": 1, "failureThreshold": 3},
        "livenessProbe": {"httpGet": {"path": "/live", "port": HTTP_PORT, "scheme": "HTTP"},
                          "initialDelaySeconds": 15, "periodSeconds": 20, "timeoutSeconds": 2,
                          "successThreshold": 1, "failureThreshold": 3},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def _double(quantity: str) -> str:
    number = int("".join(ch for ch in quantity if ch.isdigit()))
    unit = "".join(ch for ch in quantity if not ch.isdigit())
    return f"{number * 2}{unit}"


def pod_spec(containers: list[dict], *, pool: str, grace: int = 30, extra: dict | None = None) -> dict:
    return {
        "containers": containers,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": grace,
        "dnsPolicy": "ClusterFirst",
        "nodeSelector": {"eks.amazonaws.com/nodegroup": pool},
        "serviceAccountName": "default",
        "serviceAccount": "default",
        "securityContext": {},
        "schedulerName": "default-scheduler",
        "tolerations": [dict(t) for t in DEFAULT_TOLERATIONS],
        "priority": 0,
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        **(extra or {}),
    }


def service_env(name: str) -> list[dict]:
    env = [
        {"name": "NODE_ENV", "value": "production"},
        {"name": "PORT", "value": str(HTTP_PORT)},
        {"name": "METRICS_PORT", "value": str(METRICS_PORT)},
        {"name": "LOG_LEVEL", "value": "info"},
        {"name": "DB_HOST", "valueFrom": {"configMapKeyRef": {"name": "postgres-config", "key": "DB_HOST"}}},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "postgres-credentials", "key": "password"}}},
    ]
    if name == "task-service":
        env.append({"name": "DB_POOL_MAX", "value": "20"})
    if name == "emr-service":
        env.append({"name": "EMR_FHIR_BASE_URL",
                    "value": "https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4"})
        # The runbook's OAuth check posts these from inside the pod.
        env += [{"name": key.upper(), "valueFrom": {"secretKeyRef": {"name": "emr-oauth-client", "key": key}}}
                for key in ("client_id", "client_secret")]
    return env


def platform_template(name: str, version: str) -> dict:
    info = PLATFORM_SERVICES[name]
    labels = {"app": name, "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "emrtask",
              "app.kubernetes.io/version": version}
    container = app_container(name, f"{REGISTRY}/{name}:{version}", cpu=info["cpu"], memory=info["memory"],
                              env=service_env(name))
    return {
        "metadata": {"labels": labels, "annotations": {"prometheus.io/scrape": "true",
                                                       "prometheus.io/port": str(METRICS_PORT)}},
        "spec": pod_spec([container], pool="platform"),
    }


def filler_template(name: str) -> dict:
    container = {
        "name": "app", "image": "registry.emrtask.com/loadtest/echo:1.4.2", "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                           "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
    }
    return {"metadata": {"labels": {"app": name, "tier": "load-test"}},
            "spec": pod_spec([container], pool="load-test", grace=5)}


def deployment(namespace_: str, name: str, replicas: int, template: dict, *, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace_, "labels": labels or {"app": name},
                     "annotations": {"deployment.kubernetes.io/revision": "1"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": template,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": {},
    }


def replicaset(deploy: dict, template: dict, pod_hash: str, revision: int, replicas: int) -> dict:
    meta = deploy["metadata"]
    labels = {**(template.get("metadata", {}).get("labels") or {}), "pod-template-hash": pod_hash}
    rs_template = {**template, "metadata": {**template.get("metadata", {}), "labels": labels}}
    max_surge = surge_and_unavailable(deploy)[0]
    desired = deploy["spec"].get("replicas", 1)
    # The deployment controller copies the Deployment's annotations (change-cause and all).
    copied = {k: v for k, v in (meta.get("annotations") or {}).items()
              if not k.startswith("deployment.kubernetes.io/")
              and k != "kubectl.kubernetes.io/last-applied-configuration"}
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta['name']}-{pod_hash}", "namespace": meta["namespace"], "labels": labels,
            "annotations": {**copied, "deployment.kubernetes.io/desired-replicas": str(desired),
                            "deployment.kubernetes.io/max-replicas": str(desired + max_surge),
                            "deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [owner_ref("Deployment", deploy)],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {**deploy["spec"]["selector"].get("matchLabels", {}),
                                         "pod-template-hash": pod_hash}},
            "template": rs_template,
        },
        "status": {"replicas": 0},
    }


def _percent(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        fraction = int(text[:-1]) * total
        return -(-fraction // 100) if round_up else fraction // 100
    return int(text)


def surge_and_unavailable(deploy: dict) -> tuple[int, int]:
    """maxSurge rounds up, maxUnavailable down; both zero would deadlock, so unavailable is 1."""
    spec = deploy["spec"]
    desired = spec.get("replicas", 1)
    rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
    if (spec.get("strategy") or {}).get("type") == "Recreate":
        return 0, desired
    surge = _percent(rolling.get("maxSurge", "25%"), desired, True)
    unavailable = _percent(rolling.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def statefulset(namespace_: str, name: str, replicas: int, *, role: str) -> dict:
    labels = {"app": name, "app.kubernetes.io/name": "postgres", "app.kubernetes.io/part-of": "emrtask",
              "app.kubernetes.io/component": role}
    container = {
        "name": "postgres", "image": POSTGRES_IMAGE, "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "postgres", "containerPort": 5432, "protocol": "TCP"}],
        "env": [{"name": "POSTGRES_DB", "value": "emrtask"},
                {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
                {"name": "POSTGRES_PASSWORD",
                 "valueFrom": {"secretKeyRef": {"name": "postgres-credentials", "key": "password"}}}],
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
        "readinessProbe": {"exec": {"command": ["pg_isready", "-U", "postgres"]}, "initialDelaySeconds": 5,
                           "periodSeconds": 10, "timeoutSeconds": 5, "successThreshold": 1, "failureThreshold": 3},
        "livenessProbe": {"exec": {"command": ["pg_isready", "-U", "postgres"]}, "initialDelaySeconds": 30,
                          "periodSeconds": 10, "timeoutSeconds": 5, "successThreshold": 1, "failureThreshold": 6},
        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
    }
    template = {"metadata": {"labels": labels}, "spec": pod_spec([container], pool="platform", grace=60)}
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": namespace_, "labels": labels},
        "spec": {
            "replicas": replicas, "serviceName": name, "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": {"app": name}},
            "template": template,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "volumeClaimTemplates": [{
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                         "resources": {"requests": {"storage": "100Gi"}}, "volumeMode": "Filesystem"},
                "status": {"phase": "Pending"},
            }],
        },
        "status": {"replicas": 0, "availableReplicas": 0},
    }


def pod_from_template(template: dict, name: str, namespace_: str, owner: dict, *,
                      generate_name: str | None = None, extra_labels: dict | None = None,
                      extra_spec: dict | None = None) -> dict:
    """A pod as a controller creates it: the template, named, owned, not yet scheduled."""
    tmeta = template.get("metadata") or {}
    meta: dict[str, Any] = {"name": name, "namespace": namespace_,
                            "labels": {**(tmeta.get("labels") or {}), **(extra_labels or {})},
                            "ownerReferences": [owner]}
    if generate_name:
        meta["generateName"] = generate_name
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    spec = orjson.loads(orjson.dumps(template.get("spec") or {}))
    if extra_spec:
        spec.update(extra_spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
            "status": {"phase": "Pending", "qosClass": qos_class(spec)}}


def qos_class(spec: dict) -> str:
    containers = spec.get("containers") or []
    if not any((c.get("resources") or {}).get("requests") or (c.get("resources") or {}).get("limits")
               for c in containers):
        return "BestEffort"
    for c in containers:
        res = c.get("resources") or {}
        limits, requests = res.get("limits") or {}, res.get("requests") or {}
        if set(limits) != {"cpu", "memory"} or any(requests.get(k, limits[k]) != limits[k] for k in limits):
            return "Burstable"
    return "Guaranteed"


def service(namespace_: str, name: str, cluster_ip: str, ports: list[dict], selector: dict | None) -> dict:
    spec: dict[str, Any] = {
        "type": "ClusterIP", "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
        "ports": ports, "sessionAffinity": "None", "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster",
    }
    if selector:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace_, "labels": dict(selector or {"component": name})},
            "spec": spec, "status": {"loadBalancer": {}}}


def http_ports() -> list[dict]:
    return [{"name": "http", "port": HTTP_PORT, "targetPort": HTTP_PORT, "protocol": "TCP"},
            {"name": "metrics", "port": METRICS_PORT, "targetPort": METRICS_PORT, "protocol": "TCP"}]


def configmap(namespace_: str, name: str, data: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace_},
            "data": data}


def secret(namespace_: str, name: str, data: dict[str, str], type_: str = "Opaque") -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace_},
            "type": type_, "data": data}


def event(name: str, involved: dict, reason: str, message: str, *, type_: str, component: str,
          host: str | None, stamp: str) -> dict:
    source: dict[str, str] = {"component": component}
    if host:
        source["host"] = host
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": involved.get("namespace") or "default"},
        "involvedObject": involved,
        "reason": reason, "message": message, "source": source,
        "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1, "type": type_,
        "eventTime": None, "reportingComponent": component, "reportingInstance": host or "",
    }


def involved(obj: dict, field_path: str | None = None) -> dict:
    meta = obj["metadata"]
    ref = {"kind": obj.get("kind", ""), "namespace": meta.get("namespace"), "name": meta["name"],
           "uid": meta.get("uid", ""), "apiVersion": obj.get("apiVersion", "v1"),
           "resourceVersion": meta.get("resourceVersion", "")}
    if ref["namespace"] is None:
        ref.pop("namespace")
    if field_path:
        ref["fieldPath"] = field_path
    return ref
