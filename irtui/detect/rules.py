"""Detection rules: what the panes already see, turned into findings with a reason.

`evaluate(evidence, settings)` is pure: it reads an `Evidence` (the cluster's rows, the last
health round, the last metrics snapshot) and returns the findings that hold now, each with a
stable key (the same occurrence keeps its key while it lasts), the services it touches and
one line saying why ("5/5 health checks fail"). `Alerts` remembers which keys were already
announced, so a finding alerts once until it clears.

Nothing here draws, rings or fetches: the app feeds it and shows what comes out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

from irtui.detect.settings import DetectSettings
from irtui.health.checks import FAILING, UNKNOWN, HealthResult
from irtui.kube.model import EventRow, NodeRow, PodRow
from irtui.metrics.model import MetricsSnapshot

# Rule names, also the first part of each finding's key.
HEALTH, ERRORS, LATENCY, CRASHLOOP, IMAGE_PULL, NODE, DATABASE, WARNING_BURST, SECURITY = (
    "health", "error-rate", "latency", "crashloop", "image-pull", "node-notready", "database-primary",
    "warning-burst", "security",
)

CRASH_STATUSES = frozenset({"CrashLoopBackOff", "Error", "OOMKilled", "Init:CrashLoopBackOff", "Init:Error"})
# A release whose image cannot be pulled: the old pods still serve, so nothing else fires.
PULL_STATUSES = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "Init:ErrImagePull",
                           "Init:ImagePullBackOff"})


@dataclass(frozen=True)
class Finding:
    rule: str
    key: str
    reason: str
    services: tuple[str, ...] = ()
    facts: dict = field(default_factory=dict, compare=False)  # numbers the suggestion reasons from


@dataclass
class Evidence:
    pods: Iterable[PodRow] = ()
    nodes: Iterable[NodeRow] = ()
    events: Iterable[EventRow] = ()
    health: list[HealthResult] = field(default_factory=list)
    metrics: MetricsSnapshot | None = None
    now: datetime | None = None


def evaluate(evidence: Evidence, settings: DetectSettings) -> list[Finding]:
    """Every finding that holds for `evidence`, in a fixed rule order."""
    pods = list(evidence.pods)
    return [
        *_health(evidence.health),
        *_metrics(evidence.metrics, settings),
        *_crash_loops(pods, settings),
        *_image_pulls(pods),
        *_nodes(evidence.nodes),
        *_primary(pods, settings),
        *_warnings(evidence.events, settings, evidence.now or datetime.now(timezone.utc)),
        *_security(evidence.events, pods, settings),
    ]


def _health(results: list[HealthResult]) -> list[Finding]:
    failing = [r for r in results if r.state == FAILING]
    if not failing:
        return []
    # An unknown answer is neither a pass nor a fail: it is left out of the count.
    known = [r for r in results if r.state != UNKNOWN]
    db = [r.service for r in failing if "database" in r.detail.lower()]
    return [Finding(HEALTH, HEALTH, f"{len(failing)}/{len(known)} health checks fail",
                    tuple(r.service for r in failing),
                    {"failing": len(failing), "checked": len(known), "database": db})]


def _metrics(snapshot: MetricsSnapshot | None, settings: DetectSettings) -> list[Finding]:
    if snapshot is None or snapshot.error:
        return []
    found = []
    errors = {s: p.error_rate * 100 for s, p in snapshot.services.items()
              if p.error_rate is not None and p.error_rate * 100 >= settings.error_pct}
    if errors:
        worst = sorted(errors.items(), key=lambda kv: -kv[1])
        listed = ", ".join(f"{s} {pct:.0f} %" for s, pct in worst)
        found.append(Finding(ERRORS, ERRORS, f"error rate at or over {settings.error_pct:g} %: {listed}",
                             tuple(s for s, _ in worst), {"services": dict(errors), "all": len(snapshot.services)}))
    slow = {s: p.p95 * 1000 for s, p in snapshot.services.items()
            if p.p95 is not None and p.p95 * 1000 >= settings.p95_ms}
    if slow:
        worst = sorted(slow.items(), key=lambda kv: -kv[1])
        listed = ", ".join(f"{s} {ms:.0f} ms" for s, ms in worst)
        found.append(Finding(LATENCY, LATENCY, f"p95 at or over {settings.p95_ms:g} ms: {listed}",
                             tuple(s for s, _ in worst), {"services": dict(slow)}))
    return found


def _workload_name(workload: str) -> str:
    return workload.split("/", 1)[-1]


def _crash_loops(pods: list[PodRow], settings: DetectSettings) -> list[Finding]:
    by_workload: dict[str, list[PodRow]] = defaultdict(list)
    for pod in pods:
        by_workload[pod.workload or f"Pod/{pod.name}"].append(pod)
    found = []
    for workload, members in sorted(by_workload.items()):
        looping = [p for p in members if p.status == "CrashLoopBackOff"
                   or (p.status in CRASH_STATUSES and p.restarts >= settings.crashloop_restarts)]
        if not looping:
            continue
        restarts = max(p.restarts for p in looping)
        name = _workload_name(workload)
        found.append(Finding(CRASHLOOP, f"{CRASHLOOP}/{workload}",
                             f"{name}: {len(looping)}/{len(members)} pods crash-looping (up to {restarts} restarts)",
                             (name,), {"workload": workload, "looping": len(looping), "pods": len(members),
                                       "ready": sum(1 for p in members if _ready(p))}))
    return found


def _image_pulls(pods: list[PodRow]) -> list[Finding]:
    by_workload: dict[str, list[PodRow]] = defaultdict(list)
    for pod in pods:
        by_workload[pod.workload or f"Pod/{pod.name}"].append(pod)
    found = []
    for workload, members in sorted(by_workload.items()):
        stuck = [p for p in members if p.status in PULL_STATUSES]
        if not stuck:
            continue
        name = _workload_name(workload)
        found.append(Finding(IMAGE_PULL, f"{IMAGE_PULL}/{workload}",
                             f"{name}: {len(stuck)}/{len(members)} pods cannot pull their image ({stuck[0].status})",
                             (name,), {"workload": workload, "stuck": len(stuck), "pods": len(members)}))
    return found


def _nodes(nodes: Iterable[NodeRow]) -> list[Finding]:
    return [Finding(NODE, f"{NODE}/{n.name}/{n.ready_since}",
                    f"node {n.name} is {n.status.split(',', 1)[0]}"
                    + (f" since {n.ready_since}" if n.ready_since else ""), (), {"node": n.name})
            for n in sorted(nodes, key=lambda n: n.name) if not n.ready]


def _ready(pod: PodRow) -> bool:
    have, _, want = pod.ready.partition("/")
    return bool(want) and have == want and pod.status == "Running"


def _primary(pods: list[PodRow], settings: DetectSettings) -> list[Finding]:
    primary = [p for p in pods if p.workload == settings.primary_database]
    down = [p for p in primary if not _ready(p)]
    if not down:
        return []
    shown = ", ".join(f"{p.name} {p.ready} {p.status}" for p in down)
    return [Finding(DATABASE, DATABASE, f"primary database not ready: {shown}",
                    (_workload_name(settings.primary_database),), {"pods": [p.name for p in down]})]


def _warnings(events: Iterable[EventRow], settings: DetectSettings, now: datetime) -> list[Finding]:
    cutoff = now.timestamp() - settings.warning_window
    recent = [e for e in events if e.warning and e.last is not None and e.last.timestamp() >= cutoff]
    # A series that began in the window counts every occurrence; an older one, its latest.
    count = sum(e.count if e.first is not None and e.first.timestamp() >= cutoff else 1 for e in recent)
    if count < settings.warning_burst:
        return []
    reasons: Counter[str] = Counter()
    for e in recent:
        reasons[e.reason] += e.count if e.first is not None and e.first.timestamp() >= cutoff else 1
    top = ", ".join(f"{reason} x{n}" for reason, n in reasons.most_common(3))
    reason = f"{count} Warning events in {settings.warning_window:g} s ({top})"
    return [Finding(WARNING_BURST, WARNING_BURST, reason, (), {"count": count, "reasons": dict(reasons)})]


def _security(events: Iterable[EventRow], pods: list[PodRow], settings: DetectSettings) -> list[Finding]:
    """Warning events whose reason is a security signal (audit trail, runtime security):
    one is enough, and a breach shows nowhere else (health and errors stay green)."""
    signals = [e for e in events if e.warning and e.reason in settings.security_reasons]
    if not signals:
        return []
    reasons: Counter[str] = Counter()
    for e in signals:
        reasons[e.reason] += max(e.count, 1)
    workloads = {p.name: _workload_name(p.workload) for p in pods if p.workload}
    services = []
    for e in signals:
        kind, _, name = e.object.partition("/")
        service = workloads.get(name) if kind == "Pod" else None
        if service and service not in services:
            services.append(service)
    secrets = sorted({e.object.partition("/")[2] for e in signals if e.object.startswith("Secret/")})
    listed = ", ".join(f"{reason} x{n}" if n > 1 else reason for reason, n in reasons.most_common())
    return [Finding(SECURITY, SECURITY, f"security signals: {listed}", tuple(services),
                    {"reasons": dict(reasons), "secrets": secrets})]


# The order a responder should read findings in: what names a cause or a breach first, the
# symptoms everyone already sees after (a banner shows only its first few).
IMPORTANCE = (SECURITY, DATABASE, HEALTH, NODE, CRASHLOOP, IMAGE_PULL, ERRORS, LATENCY, WARNING_BURST)


def by_importance(findings: list[Finding]) -> list[Finding]:
    """`findings` most telling first; the same rule's findings keep their order."""
    rank = {rule: i for i, rule in enumerate(IMPORTANCE)}
    return sorted(findings, key=lambda f: rank.get(f.rule, len(rank)))


class Alerts:
    """Which findings were announced: a finding alerts once, and again only after it cleared."""

    def __init__(self) -> None:
        self.active: dict[str, Finding] = {}

    def update(self, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
        """(new since the last update, cleared since the last update); `active` follows."""
        now = {f.key: f for f in findings}
        new = [f for key, f in now.items() if key not in self.active]
        cleared = [f for key, f in self.active.items() if key not in now]
        self.active = now  # a finding that holds keeps its place but shows its latest reason
        return new, cleared
