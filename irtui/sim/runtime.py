"""What the simulated control loops know about pods and nodes beyond what the store holds.

A real kubelet keeps each container's process history, back-off and probe state in memory,
and the scheduler its view of every node; the store holds only what they publish. These
dataclasses are that memory, shared by the scheduler, the kubelet, the node lifecycle
controller, the telemetry and the scenarios. They hold state and the few facts derived from
it (a pod's key and object reference, a node's next pod IP); behaviour lives with the
controllers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A container's first crash-loop back-off (the kubelet's 10 s); the kubelet doubles it from there.
BACKOFF_START = 10.0


@dataclass(slots=True)
class Run:
    """One process lifetime of a container: what `logs` and `logs --previous` read."""

    started: float
    cid: str
    finished: float | None = None
    exit_code: int = 0
    reason: str = ""
    theme: str | None = None  # which failure its last log lines tell


@dataclass(slots=True)
class Container:
    """One container of a pod as its kubelet runs it: state, readiness, restarts, back-off."""

    name: str
    image: str
    state: str = "creating"  # creating | pullfail | running | terminated | backoff
    waiting_reason: str = "ContainerCreating"
    waiting_message: str = ""
    ready: bool = False
    probe_ok: bool = False
    restarts: int = 0
    runs: list[Run] = field(default_factory=list)
    backoff: float = BACKOFF_START
    epoch: int = 0  # bumped on every transition; stale timers compare and give up
    unready_reason: str = ""
    ever_started: bool = False
    pulled: bool = False
    probe_delay: float = 0.0  # readinessProbe.initialDelaySeconds; 0 without a probe


@dataclass(slots=True)
class PodRT:
    """What the kubelet and scheduler know about one pod."""

    namespace: str
    name: str
    uid: str | None
    app: str
    containers: list[Container]
    owner_kind: str | None = None
    owner_name: str | None = None
    owner_uid: str | None = None
    filler: bool = False
    env: dict[str, str] = field(default_factory=dict)
    grace: int = 30
    restart_policy: str = "Always"
    one_shot: bool = False  # runs its command and exits (restartPolicy Never/OnFailure with a command)
    node_selector: dict[str, str] = field(default_factory=dict)
    stage: str = "new"  # new | unschedulable | creating | running | done
    node: str | None = None
    host_ip: str | None = None
    pod_ip: str | None = None
    qos: str = "Burstable"
    created: float = 0.0
    t_scheduled: float = 0.0
    t_sandbox: float = 0.0
    t_ready_change: float = 0.0
    t_unsched: float = 0.0
    unsched_message: str = ""
    ready: bool = False
    node_lost: bool = False
    churn_unready: bool = False
    terminating: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    def ref(self, container: str | None = None) -> dict:
        ref = {"kind": "Pod", "namespace": self.namespace, "name": self.name, "uid": self.uid or "",
               "apiVersion": "v1"}
        if container:
            ref["fieldPath"] = f"spec.containers{{{container}}}"
        return ref


@dataclass(slots=True)
class NodeRT:
    """One node as the scheduler and the node lifecycle controller see it."""

    name: str
    ip: str
    pool: str
    index: int
    max_pods: int
    kubelet_up: bool = True
    ready: bool = True
    unschedulable: bool = False
    taints: list[dict] = field(default_factory=list)
    pods: set = field(default_factory=set)
    next_ip: int = 2
    t_ready_change: float = 0.0
    epoch: int = 0

    def pod_ip(self) -> str:
        base = 244 + self.index // 256
        ip = f"10.{base}.{self.index % 256}.{self.next_ip}"
        self.next_ip = self.next_ip + 1 if self.next_ip < 254 else 2
        return ip
