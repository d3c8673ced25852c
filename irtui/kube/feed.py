"""One cluster feed: the state, the change buffer and the sources that fill it, together.

This module owns starting a connection's list+watch loops as early as possible. `irtui`
creates the feed right after connecting and before the UI toolkit is imported, so the
first lists are on the wire (and the API server is busy encoding them) while the
terminal UI is still loading; the app then adopts the feed and drains what arrived. The
app reads the cluster only through it, the namespace list for its picker included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from irtui.kube.sources import ClusterSources
from irtui.kube.state import ChangeBuffer, ChangeSet, ClusterState

if TYPE_CHECKING:
    from irtui.kube.rest import GuardedApiClient


class ClusterFeed:
    def __init__(self, api_client: GuardedApiClient, namespace: str | None, *, metrics_interval: float = 30.0,
                 spawn: Callable[[str, Callable[[], None]], Any] | None = None) -> None:
        self.state = ClusterState(namespace)
        self.buffer = ChangeBuffer()
        self.sources = ClusterSources(api_client, self.buffer, namespace, spawn=spawn,
                                      metrics_interval=metrics_interval)
        self.started = False

    def start(self, *, fork_first_list: tuple[str, ...] = ()) -> "ClusterFeed":
        """Start the loops (once). `fork_first_list`: kinds whose first list a forked helper
        fetches and parses (`irtui.kube.prelist`); only before this process has threads."""
        if not self.started:
            self.started = True
            self.sources.start(fork_first_list=fork_first_list)
        return self

    def set_wake(self, wake: Callable[[], None]) -> None:
        """Who to wake when changes arrive; wakes at once if some are already waiting."""
        self.buffer.wake = wake
        if len(self.buffer):
            wake()

    def apply_pending(self) -> ChangeSet:
        return self.state.apply(self.buffer.drain())

    def set_namespace(self, namespace: str | None) -> ChangeSet:
        # Stop the old loops, forget what they sent, clear, and only then start the new
        # ones: a fast first list must not be drained away with the old scope's leftovers.
        self.sources.set_namespace(namespace, start=False)
        self.buffer.drain()
        changes = self.state.clear(namespace)
        self.sources.start()
        return changes

    def namespaces(self) -> list[str]:
        """The cluster's namespaces, sorted: one small GET, blocking (call it from a thread).
        Empty when they cannot be listed (no right to, no answer, a malformed reply): the
        caller still has the feed's own namespace and "all namespaces" to offer."""
        try:
            doc = self.sources.raw.get_json("/api/v1/namespaces", timeout=(5, 10))
            return sorted(item["metadata"]["name"] for item in doc.get("items") or [])
        except Exception:
            return []

    def stop(self) -> None:
        self.sources.stop()
