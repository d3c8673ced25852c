"""The header line: which cluster, as whom, in which namespace, and whether it answers.

This module owns the one-line `ClusterHeader`. It shows context, cluster URL, namespace,
the identity actions run as, the connection state with its reason ("unreachable: connection
refused · retry in 4s", or for a server that holds connections open and sends nothing,
"API server not answering (no reply for 12 s)"), and an "RO" badge when the session's guard
is read-only (a "WRITE" badge when `--write` overrode a context configured read-only). It is
redrawn only when one of those words changes.

While the shared incident store is unreachable or replaying, a badge says so and names a
provisional incident id as provisional (`store_badge`).
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.widget import Widget

from irtui.kube.printers import human_duration
from irtui.kube.state import ClusterState
from irtui.text import visible
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed


def store_badge(online: bool, waiting: int, incident_id: str | None, provisional: bool, read_only: bool = False) -> str:
    """What the header says about the shared incident store; "" while all is written there."""
    parts = []
    if not online:
        # A read-only screen writes nothing to keep; it only waits to show the timeline.
        parts.append("shared store unreachable: retrying" if read_only
                     else f"shared store unreachable: entries kept locally ({waiting} waiting)")
    elif waiting:
        parts.append(f"shared store: replaying {waiting} entries")
    if provisional and incident_id:
        parts.append(f"{incident_id} is provisional")
    return " · ".join(parts)


class ClusterHeader(Widget):
    DEFAULT_CSS = widget_css(__file__, "header.tcss")

    def __init__(self, *, context: str, cluster_url: str, user: str, actor: str, read_only: bool,
                 write_override: str = "", id: str | None = "header") -> None:
        super().__init__(id=id)
        self.context = context
        self.cluster_url = cluster_url
        self.user = user
        self.actor = actor
        self.read_only = read_only
        self.write_override = write_override
        self.namespace: str | None = None
        self.state = "connecting"
        self.reason = ""
        self.extra = ""  # e.g. "DEMO" from the demo app
        self.store = ""  # the shared incident store's badge (`store_badge`)
        self._text = Text()
        self._plain = ""

    def update_from(self, cluster: ClusterState) -> None:
        state, reason = cluster.connection()
        if state in ("unreachable", "degraded"):
            statuses = [cluster.status[k] for k in ("pods", "nodes", "events")]
            retry = min((s.retry_at for s in statuses if s.retry_at), default=None)
            stale = max((s.stale_for() or 0 for s in statuses), default=0)
            extras = []
            if stale:
                extras.append(f"data {human_duration(stale)} old")
            if retry:
                left = retry - time.time()
                extras.append(f"retry in {human_duration(left)}" if left >= 1 else "retrying")
            if extras:
                reason = f"{reason} · {' · '.join(extras)}" if reason else " · ".join(extras)
        self.set_state(cluster.namespace, state, reason)

    def set_state(self, namespace: str | None, state: str, reason: str) -> None:
        self.namespace = namespace
        self.state = state
        self.reason = reason
        self._rebuild()

    def set_store(self, badge: str) -> None:
        if badge != self.store:
            self.store = badge
            self._rebuild()

    def _rebuild(self) -> None:
        styles = {
            "connected": ("● connected", "bold $irtui-healthy"),
            "connecting": ("◌ connecting…", "$irtui-pending"),
            "degraded": ("◐ degraded", "bold $irtui-pending"),
            "unreachable": ("✖ UNREACHABLE", "bold $irtui-badge-foreground on $irtui-failing"),
            "not answering": ("⏸ API server not answering", "bold $irtui-badge-foreground on $irtui-pending"),
        }
        word, spec = styles.get(self.state, (self.state, ""))
        badge = "bold $irtui-badge-foreground on "
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.read_only:
            text.append(" RO ", themed(badge + "$irtui-read-only"))
            text.append(" ")
        elif self.write_override:
            text.append(" WRITE ", themed(badge + "$irtui-write"))
            text.append(" ")
        if self.extra:
            text.append(f" {self.extra} ", themed(badge + "$irtui-demo"))
            text.append(" ")
        if self.store:
            text.append(f" {self.store} ", themed(badge + "$irtui-store"))
            text.append(" ")
        text.append(word, themed(spec))
        # Every word here but the labels comes from a kubeconfig, a server or the OS.
        if self.reason and self.state == "not answering":
            text.append(f" ({visible(self.reason, 300)})", themed("$irtui-pending"))
        elif self.reason:
            text.append(f": {visible(self.reason, 300)}",
                        themed("$irtui-failing" if self.state == "unreachable" else "$irtui-pending"))
        text.append("  │ ", "dim")
        text.append("ctx ", "dim")
        text.append(visible(self.context, 100), "bold")
        text.append("  ns ", "dim")
        text.append(visible(self.namespace, 100) or "ALL", themed("bold $irtui-highlight"))
        text.append("  as ", "dim")
        text.append(visible(self.user, 100), "bold")
        text.append("  │ ", "dim")
        text.append(visible(self.cluster_url, 200), "dim")
        text.append("  │ ", "dim")
        text.append(visible(self.actor.split(" as ", 1)[0], 100), "dim")
        if text.markup != self._plain:  # markup: a new theme's colours are a change too
            self._plain = text.markup
            self._text = text
            self.refresh()

    def restyle(self) -> None:
        """Redraw in the app's new theme."""
        self._rebuild()

    def render(self) -> Text:
        return self._text
