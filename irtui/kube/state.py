"""The cluster as the panes see it: plain rows by key, per-kind freshness, and observations.

This module owns `ClusterState` (rows per kind, keyed like kubectl names them; the status of
each kind's source, and whether the API server answers at all; metrics.k8s.io usage), the
`ChangeBuffer` through which source threads hand over changes so that a burst becomes one
application on the UI thread, and the producer side of cluster observations for the
incident timeline.

It is plain Python: no Textual, no sockets. Sources put changes into a `ChangeBuffer`;
whoever owns the state (the app, a test, a benchmark) drains the buffer and calls
`ClusterState.apply`, which returns a `ChangeSet` saying which rows moved.

Observations (the incident timeline's "something went wrong" entries) are produced here,
where every change passes exactly once:

    state.add_observer(observe)      # observe(key: str, text: str, details: dict) -> None

is called on the thread that applies changes (the UI thread in the app), with a key that is
stable for one occurrence so the consumer can deduplicate across relists and restarts:

    pod/<namespace>/<name>/<uid>/<STATUS>   a pod is in CrashLoopBackOff, ImagePullBackOff,
                                            ErrImagePull, Error, OOMKilled, ...
    node/<name>/NotReady/<transition time>  a node's Ready condition is False or Unknown
    events/<namespace>/warning-burst/<t>    at least `burst_threshold` Warning events within
                                            `burst_window` seconds (t: minute it began)
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, NamedTuple

from irtui.kube.model import ALARMING_POD_STATUSES, EventRow, NodeRow, PodRow, Usage
from irtui.text import plural

KINDS = ("pods", "nodes", "events", "deployments", "statefulsets")

# Source states, from best to worst. "stale" keeps the last data on screen, marked.
CONNECTING, LIVE, STALE, FORBIDDEN, UNAUTHORIZED, ERROR = (
    "connecting", "live", "stale", "forbidden", "unauthorized", "error",
)


# Why a kind's data is stale while the API server holds its watches open and sends nothing.
NOT_ANSWERING = "API server not answering"


def silence_words(seconds: float) -> str:
    """"12 s", "3 min 5 s": how long the server has been silent, to the second."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


# --- what sources hand over -------------------------------------------------------------

class Reset(NamedTuple):
    """A complete list: every row of the kind in scope (replaces what was there)."""

    kind: str
    rows: list
    resource_version: str


class Upsert(NamedTuple):
    kind: str
    row: Any


class Upserts(NamedTuple):
    """Several rows at once (a page of a first list, shown while later pages load)."""

    kind: str
    rows: list


class Delete(NamedTuple):
    kind: str
    key: str


class Status(NamedTuple):
    kind: str
    status: "SourceStatus"


class Silence(NamedTuple):
    """The API server sends nothing: `since` is when it was last heard (None: it answers again)."""

    since: float | None
    kind: str = "api"


class Metrics(NamedTuple):
    """A metrics.k8s.io poll: `usage` is None when metrics are unavailable (then `reason`)."""

    kind: str  # "pods" or "nodes"
    usage: dict[str, Usage] | None
    reason: str = ""


# What a source hands over for the state to apply.
Change = Reset | Upsert | Upserts | Delete | Status | Silence | Metrics


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """How current one kind's data is, and why not when it is not."""

    state: str = CONNECTING
    reason: str = ""  # "connection refused", "403 Forbidden: nodes is forbidden: ..."
    since: float = field(default_factory=time.time)  # wall time this state began
    last_ok: float | None = None  # wall time the data was last known to be current
    retry_at: float | None = None  # wall time of the next attempt

    @property
    def usable(self) -> bool:
        return self.state == LIVE

    def stale_for(self, now: float | None = None) -> float | None:
        """Seconds since the data was last known current, when it is not current now."""
        if self.state in (LIVE, CONNECTING) or self.last_ok is None:
            return None
        return (now or time.time()) - self.last_ok


class ChangeBuffer:
    """Thread-safe hand-over from source threads to the thread that owns the state.

    `wake` is called (from the producing thread) only when the buffer goes from empty to
    non-empty, so a burst of watch events costs one wake-up and one application.
    """

    def __init__(self, wake: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._items: list[Change] = []
        self.wake = wake

    def put(self, change: Change) -> None:
        with self._lock:
            first = not self._items
            self._items.append(change)
        if first and self.wake is not None:
            self.wake()

    def drain(self) -> list[Change]:
        with self._lock:
            items, self._items = self._items, []
        return items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


# --- what the state tells its readers ---------------------------------------------------

@dataclass
class KindDelta:
    reset: bool = False
    upserted: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return self.reset or bool(self.upserted) or bool(self.deleted)


@dataclass
class ChangeSet:
    kinds: dict[str, KindDelta] = field(default_factory=dict)
    status: set[str] = field(default_factory=set)  # kinds whose SourceStatus changed
    metrics: set[str] = field(default_factory=set)  # "pods"/"nodes" usage changed

    def delta(self, kind: str) -> KindDelta:
        return self.kinds.setdefault(kind, KindDelta())

    def touches(self, *kinds: str) -> bool:
        return any(self.kinds.get(k) for k in kinds) or bool(self.status & set(kinds)) or bool(self.metrics & set(kinds))


@dataclass(frozen=True, slots=True)
class Observation:
    key: str
    text: str
    details: dict


Observer = Callable[[str, str, dict], None]


class ClusterState:
    """Rows per kind, their sources' status, and usage; mutated only through `apply`."""

    def __init__(self, namespace: str | None = None, *, burst_threshold: int = 10, burst_window: float = 60.0) -> None:
        self.namespace = namespace  # None: all namespaces
        self.rows: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
        # What each kind's source reported, and what the panes are shown: the same, except
        # that while the API server does not answer, a source that still believes itself
        # live (its watch is open, only silent) is shown stale since the silence began.
        self.reported: dict[str, SourceStatus] = {k: SourceStatus() for k in KINDS}
        self.status: dict[str, SourceStatus] = dict(self.reported)
        self.silent_since: float | None = None
        self.resource_version: dict[str, str] = {k: "" for k in KINDS}
        self.pod_usage: dict[str, Usage] = {}
        self.node_usage: dict[str, Usage] = {}
        self.metrics_reason: dict[str, str] = {"pods": "", "nodes": ""}
        self.pods_per_node: Counter[str] = Counter()
        self.generation = 0  # bumped on every applied change; cheap "did anything change"
        self._observers: list[Observer] = []
        self.observations: deque[Observation] = deque(maxlen=200)
        self._seen_observations: set[str] = set()
        self.burst_threshold = burst_threshold
        self.burst_window = burst_window
        self._warnings: dict[str, deque[tuple[float, str]]] = {}  # (when, reason) per occurrence
        self._burst_quiet_until: dict[str, float] = {}

    # -- observers ---------------------------------------------------------------------

    def add_observer(self, observer: Observer) -> None:
        """Call `observer(key, text, details)` for each new cluster observation.

        Observations already made (e.g. before an incident was opened) are replayed to the
        new observer, newest 200 at most, so nothing seen at start-up is lost.
        """
        self._observers.append(observer)
        for obs in list(self.observations):
            self._call(observer, self._current(obs))

    def _current(self, obs: Observation) -> Observation:
        """A replayed pod observation counts the restarts the pod has now: written to the
        timeline at declaration, minutes after it was first seen, it must agree with the
        pods pane beside it (not say `0 restarts` where the pane says `2 (21s ago)`)."""
        d = obs.details
        if d.get("kind") != "Pod":
            return obs
        row = self.rows["pods"].get(f"{d['namespace']}/{d['name']}")
        if row is None or row.uid != d["uid"] or row.restarts == d["restarts"]:
            return obs
        return Observation(obs.key, *_pod_observation(row, d["status"]))

    def remove_observer(self, observer: Observer) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def _call(self, observer: Observer, obs: Observation) -> None:
        try:
            observer(obs.key, obs.text, obs.details)
        except Exception:  # an observer's failure must not stop the cluster view
            pass

    def _observe(self, key: str, text: str, details: dict) -> None:
        if key in self._seen_observations:
            return
        self._seen_observations.add(key)
        obs = Observation(key, text, details)
        self.observations.append(obs)
        for observer in list(self._observers):
            self._call(observer, obs)

    # -- applying changes --------------------------------------------------------------

    def apply(self, changes: Iterable[Change]) -> ChangeSet:
        out = ChangeSet()
        for change in changes:
            kind = change.kind
            if isinstance(change, Upsert):
                self._upsert(kind, change.row, out)
            elif isinstance(change, Upserts):
                for row in change.rows:
                    self._upsert(kind, row, out)
            elif isinstance(change, Delete):
                self._delete(kind, change.key, out)
            elif isinstance(change, Reset):
                self._reset(kind, change, out)
            elif isinstance(change, Status):
                self.reported[kind] = change.status
                self._show_status(kind, out)
            elif isinstance(change, Silence):
                self.silent_since = change.since
                for each in KINDS:
                    self._show_status(each, out)
            elif isinstance(change, Metrics):
                self._metrics(change, out)
        if out.kinds or out.status or out.metrics:
            self.generation += 1
        return out

    def _show_status(self, kind: str, out: ChangeSet) -> None:
        status = self.reported[kind]
        since = self.silent_since
        if since is not None and status.state == LIVE:
            status = SourceStatus(STALE, NOT_ANSWERING, since, min(status.last_ok or since, since))
        if self.status[kind] != status:
            self.status[kind] = status
            out.status.add(kind)

    def clear(self, namespace: str | None) -> ChangeSet:
        """Forget namespaced rows before a namespace switch (nodes stay)."""
        self.namespace = namespace
        out = ChangeSet()
        for kind in ("pods", "events", "deployments", "statefulsets"):
            self.rows[kind] = {}
            self.resource_version[kind] = ""
            self.reported[kind] = self.status[kind] = SourceStatus()
            out.delta(kind).reset = True
            out.status.add(kind)
        self.pods_per_node.clear()
        self.pod_usage = {}
        out.metrics.add("pods")
        self.generation += 1
        return out

    def _upsert(self, kind: str, row: Any, out: ChangeSet) -> None:
        table = self.rows[kind]
        old = table.get(row.key)
        table[row.key] = row
        out.delta(kind).upserted.add(row.key)
        out.delta(kind).deleted.discard(row.key)
        if kind == "pods":
            self._count_node(old, -1)
            self._count_node(row, +1)
            self._check_pod(old, row)
        elif kind == "nodes":
            self._check_node(old, row)
        elif kind == "events":
            self._check_event(old, row)

    def _delete(self, kind: str, key: str, out: ChangeSet) -> None:
        old = self.rows[kind].pop(key, None)
        if old is None:
            return
        delta = out.delta(kind)
        delta.upserted.discard(key)
        delta.deleted.add(key)
        if kind == "pods":
            self._count_node(old, -1)

    def _reset(self, kind: str, change: Reset, out: ChangeSet) -> None:
        old_table = self.rows[kind]
        new_table = {row.key: row for row in change.rows}
        self.rows[kind] = new_table
        self.resource_version[kind] = change.resource_version
        delta = out.delta(kind)
        delta.reset = True
        if kind == "pods":
            self.pods_per_node = Counter(r.node for r in new_table.values() if r.node != "<none>")
            for key, row in new_table.items():
                self._check_pod(old_table.get(key), row)
        elif kind == "nodes":
            for key, row in new_table.items():
                self._check_node(old_table.get(key), row)
        elif kind == "events":
            for key, row in new_table.items():
                self._check_event(old_table.get(key), row)

    def _metrics(self, change: Metrics, out: ChangeSet) -> None:
        usage = change.usage or {}
        if change.kind == "pods":
            if usage != self.pod_usage or self.metrics_reason["pods"] != change.reason:
                self.pod_usage = usage
                out.metrics.add("pods")
        else:
            if usage != self.node_usage or self.metrics_reason["nodes"] != change.reason:
                self.node_usage = usage
                out.metrics.add("nodes")
        self.metrics_reason[change.kind] = change.reason

    def _count_node(self, row: PodRow | None, step: int) -> None:
        if row is None or row.node == "<none>":
            return
        self.pods_per_node[row.node] += step
        if self.pods_per_node[row.node] <= 0:
            del self.pods_per_node[row.node]

    # -- observation rules -------------------------------------------------------------

    def _check_pod(self, old: PodRow | None, new: PodRow) -> None:
        if new.status not in ALARMING_POD_STATUSES:
            return
        if old is not None and old.status == new.status and old.uid == new.uid:
            return
        self._observe(f"pod/{new.namespace}/{new.name}/{new.uid}/{new.status}", *_pod_observation(new, new.status))

    def _check_node(self, old: NodeRow | None, new: NodeRow) -> None:
        if new.ready:
            return
        if old is not None and not old.ready and old.uid == new.uid:
            return
        word = new.status.split(",", 1)[0]
        since = new.ready_since or "unknown"
        self._observe(
            f"node/{new.name}/NotReady/{since}",
            f"Node {new.name} is {word}" + (f" (since {since})" if new.ready_since else ""),
            {"kind": "Node", "name": new.name, "status": new.status, "since": new.ready_since,
             "pressures": list(new.pressures), "pods": self.pods_per_node.get(new.name, 0)},
        )

    def _check_event(self, old: EventRow | None, new: EventRow) -> None:
        if not new.warning:
            return
        occurrences = new.count - (old.count if old is not None else 0)
        if occurrences <= 0:
            return
        now = time.time()
        last = new.last.timestamp() if new.last else now
        if now - last > self.burst_window:
            return  # an old event seen at (re)list time is not a burst happening now
        window = self._warnings.setdefault(new.namespace, deque())
        window.extend([(last, new.reason)] * min(occurrences, self.burst_threshold))
        while window and window[0][0] < now - self.burst_window:
            window.popleft()
        if len(window) < self.burst_threshold or now < self._burst_quiet_until.get(new.namespace, 0):
            return
        started = datetime.fromtimestamp(window[0][0], timezone.utc).replace(second=0, microsecond=0)
        # Counted from the same occurrences as the total, so the parts add up to it.
        reasons = Counter(reason for _, reason in window)
        named = reasons.most_common(3)
        parts = [f"{reason} x{n}" for reason, n in named]
        rest = len(window) - sum(n for _, n in named)
        if rest:
            parts.append(f"+{rest} more")
        top = ", ".join(parts)
        ns = new.namespace or "the cluster"
        self._burst_quiet_until[new.namespace] = now + 5 * self.burst_window
        self._observe(
            f"events/{new.namespace}/warning-burst/{started.strftime('%Y-%m-%dT%H:%MZ')}",
            f"{len(window)} Warning events in {int(self.burst_window)}s in {ns}" + (f" ({top})" if top else ""),
            {"kind": "Events", "namespace": new.namespace, "count": len(window),
             "window_seconds": self.burst_window, "reasons": dict(reasons)},
        )
        window.clear()

    # -- reading -----------------------------------------------------------------------

    def connection(self, now: float | None = None) -> tuple[str, str]:
        """One word for the header and why: ("connected"|"connecting"|"unreachable"|"degraded"|
        "not answering", reason). Not answering (the server holds connections open and sends
        nothing) is told apart from unreachable (refused, reset, no route)."""
        if self.silent_since is not None:
            return "not answering", f"no reply for {silence_words((now or time.time()) - self.silent_since)}"
        states = self.status
        core = [states[k] for k in ("pods", "nodes", "events")]
        broken = [s for s in core if s.state in (STALE, UNAUTHORIZED, ERROR)]
        if broken and len(broken) == sum(1 for s in core if s.state != FORBIDDEN):
            worst = broken[0]
            return "unreachable", worst.reason
        if broken:
            return "degraded", broken[0].reason
        if any(s.state == CONNECTING for s in core):
            return "connecting", ""
        return "connected", ""


def _pod_observation(row: PodRow, status: str) -> tuple[str, dict]:
    """The text and details of "pod `row` is in `status`", with its restarts as of `row`."""
    owner = f" ({row.workload})" if row.workload else ""
    return (f"Pod {row.namespace}/{row.name}{owner} is {status}, {plural(row.restarts, 'restart')}, on {row.node}",
            {"kind": "Pod", "namespace": row.namespace, "name": row.name, "uid": row.uid,
             "status": status, "ready": row.ready, "restarts": row.restarts,
             "node": row.node, "workload": row.workload})
