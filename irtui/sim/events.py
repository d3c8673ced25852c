"""core/v1 Events as the cluster's components record them.

Every controller of the simulated cluster reports what it did through `EventRecorder.emit`,
as a real component does through client-go's event recorder: repeats are aggregated into one
Event, and Events expire an hour after their last update.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from irtui.sim import objects as o

if TYPE_CHECKING:
    from irtui.sim.world import World

EVENT_TTL = 3600.0


class EventRecorder:
    """core/v1 Events, aggregated the way client-go's correlator does it.

    An event that repeats (same object, reason, message, source) bumps `count` and
    `lastTimestamp` of the existing Event instead of creating a new one; Events expire an
    hour after their last update, as the API server's TTL does.
    """

    def __init__(self, world: World):
        self.world = world
        self._index: dict[tuple, str] = {}
        self._expiry: deque[tuple[float, str, str, tuple]] = deque()
        self.enabled = True

    def emit(self, ref: dict, reason: str, message: str, *, type_: str = "Normal",
             component: str = "kubelet", host: str | None = None) -> None:
        if not self.enabled:
            return
        world = self.world
        store = world.store
        ns = ref.get("namespace") or "default"
        key = (ns, ref.get("kind"), ref.get("name"), ref.get("uid"), ref.get("fieldPath"), reason, message, component)
        now = world.now()
        stamp = o.format_time(now)
        name = self._index.get(key)
        if name is not None:
            current = store.get("events", ns, name)
            if current is not None:
                world.write("events", {**current, "count": current.get("count", 1) + 1, "lastTimestamp": stamp})
                return
        name = f"{ref.get('name')}.{int(now * 1e9):x}"
        while store.get("events", ns, name) is not None:
            name = f"{ref.get('name')}.{int(now * 1e9) + world.rng.randrange(1, 1 << 20):x}"
        world.create("events", o.event(name, ref, reason, message, type_=type_, component=component,
                                       host=host, stamp=stamp))
        self._index[key] = name
        self._expiry.append((now, ns, name, key))

    def collect(self) -> None:
        """Delete Events whose last update is older than the TTL."""
        world = self.world
        cutoff = world.now() - EVENT_TTL
        queue = self._expiry
        requeue = []
        while queue and queue[0][0] < cutoff:
            _, ns, name, key = queue.popleft()
            current = world.store.get("events", ns, name)
            if current is None:
                if self._index.get(key) == name:
                    del self._index[key]
                continue
            last = o.parse_time(current.get("lastTimestamp"))
            last_t = last.timestamp() if last else 0.0
            if last_t >= cutoff:
                requeue.append((last_t, ns, name, key))
                continue
            world.remove("events", ns, name)
            if self._index.get(key) == name:
                del self._index[key]
        for item in sorted(requeue):
            queue.append(item)
