"""List+watch against the simulator: initial list, live changes, 410 -> relist, namespace scope."""

from __future__ import annotations

import pytest

from irtui.kube.client import connect
from irtui.kube.errors import ApiError, Gone
from irtui.kube.feed import ClusterFeed
from irtui.kube.rest import RestClient
from irtui.kube.sources import SPECS, ListWatch
from irtui.kube.state import ChangeBuffer, Reset

from polling import TIMEOUT, until_sync

NS = "emrtask-prod"


def pump(feed: ClusterFeed, predicate, timeout: float = TIMEOUT, what: str = "condition"):
    """Apply what the sources hand over until `predicate()` holds."""
    def applied():
        feed.apply_pending()
        return predicate()

    until_sync(applied, lambda: f"{what}; status: {feed.state.status}", timeout=timeout, step=0.05)


def test_feed_lists_watches_and_switches_namespace(sim):
    connection = connect(kubeconfig=sim.kubeconfig)
    feed = ClusterFeed(connection.api_client, NS, metrics_interval=5).start()
    try:
        state = feed.state
        pump(feed, lambda: all(state.status[k].usable for k in ("pods", "nodes", "events", "deployments", "statefulsets")),
             what="every kind live")
        assert all(r.namespace == NS for r in state.rows["pods"].values())
        assert {"emrtask-prod/task-service", "emrtask-prod/api-gateway"} <= set(state.rows["deployments"])
        # A change made with kubectl arrives through the watch.
        victim = sorted(k for k in state.rows["pods"] if "/sync-service" in k)[0]
        result = sim.kubectl("delete", "pod", victim.split("/", 1)[1], "-n", NS, "--wait=false", check=False)
        assert result.returncode == 0 or "NotFound" in result.stderr, result.stderr
        pump(feed, lambda: victim not in state.rows["pods"], what="deleted pod gone")
        # All namespaces: the namespaced loops restart with a cluster-wide scope.
        feed.set_namespace(None)
        pump(feed, lambda: state.namespace is None and state.status["pods"].usable and state.rows["pods"],
             what="pods of every namespace")
        assert feed.sources.loops["pods"].namespace is None
    finally:
        feed.stop()


def _change_something(sim) -> None:
    names = sim.kubectl("get", "pods", "-n", NS, "-o", "name").stdout.split()
    victim = next(n for n in names if "handover-service" in n)
    sim.kubectl("delete", victim, "-n", NS, "--wait=false")


def test_expired_history_gives_410_and_the_loop_relists(sim):
    import threading

    from irtui.kube.state import Status

    connection = connect(kubeconfig=sim.kubeconfig)
    raw = RestClient(connection.api_client)
    probe = ListWatch(raw, SPECS["pods"], NS, lambda change: None)
    rv = probe._list()
    _change_something(sim)
    sim.control("POST", "/sim/compact")
    with pytest.raises(Gone):
        probe._watch(rv)

    # The loop, resuming from that expired version, lists again instead of failing.
    buffer = ChangeBuffer()
    loop = ListWatch(raw, SPECS["pods"], NS, buffer.put)
    thread = threading.Thread(target=loop.run, args=(rv,), daemon=True)
    thread.start()
    try:
        until_sync(lambda: loop.lists >= 1, "the loop to list again", step=0.05)
    finally:
        loop.stop()
        thread.join(timeout=10)
    assert loop.lists == 1
    changes = buffer.drain()
    resets = [c for c in changes if isinstance(c, Reset)]
    assert len(resets) == 1 and resets[0].rows
    assert {c.status.state for c in changes if isinstance(c, Status)} <= {"connecting", "live"}


def test_forbidden_is_reported_per_kind(sim):
    connection = connect(kubeconfig=sim.kubeconfig, context="sim-limited")
    raw = RestClient(connection.api_client)
    with pytest.raises(ApiError) as err:
        raw.get_json("/api/v1/nodes")
    assert err.value.state == "forbidden" and err.value.reason.startswith("403 Forbidden")
    assert raw.get_json(f"/api/v1/namespaces/{NS}/pods")["items"]


def test_watch_sockets_probe_a_silent_peer(sim):
    """A watch whose connection a load balancer forgot must fail in ~30 s, not at the read
    timeout: the client's sockets carry TCP keepalive at irtui's timings."""
    import socket

    from irtui.kube import client

    connection = connect(kubeconfig=sim.kubeconfig)
    api = RestClient(connection.api_client)
    response = api.open(SPECS["pods"].path(NS), {"watch": "true", "timeoutSeconds": 1})
    try:
        sock = response.connection.sock
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == client.KEEPALIVE_IDLE
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == client.KEEPALIVE_INTERVAL
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == client.KEEPALIVE_COUNT
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        response.release_conn()
