"""A hung API server, as a responder meets it: the simulator's process frozen (SIGSTOP).

A frozen server still accepts connections (the kernel completes them) and keeps the
watches open; it only sends nothing. The header must say so within the deadline, every
cluster pane must say its data is stale, and health checks through its proxy must be
"unknown", never FAILING: a frozen API server is not a total outage of the services. Once
it is thawed everything recovers by itself.
"""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from irtui.config import Config
from irtui.kube import liveness
from irtui.kube.client import connect
from irtui.kube.feed import ClusterFeed
from irtui.kube.state import LIVE, STALE, ClusterState, Silence, SourceStatus, Status
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)

# The deadlines scaled down (the same ratios as the real ones) so that a hang is seen in
# seconds: what is tested is how a silence is told, not how long the real deadline is.
NOT_ANSWERING_AFTER = 3.0


@pytest.fixture(autouse=True)
def short_deadlines(monkeypatch):
    monkeypatch.setattr(liveness, "NOT_ANSWERING_AFTER", NOT_ANSWERING_AFTER)
    monkeypatch.setattr(liveness, "PROBE_TIMEOUT", 0.9)
    monkeypatch.setattr(liveness, "QUIET", 1.5)


def _header(app) -> str:
    """The header line as the terminal shows it."""
    return screen_text(app).splitlines()[0]


def _health(app) -> dict[str, str]:
    pane = app.pane("health")
    return {service: result.state for service, result in pane.results.items()}


async def test_a_frozen_api_server_is_not_answering_and_services_are_unknown(sim, isolated):
    path = isolated / "config.toml"
    # Rounds only when asked (or re-asked after an unknown): the test decides when one runs.
    path.write_text("[health]\ninterval = 3600\n")
    config = Config.load(path)
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: "connected" in _header(app) and app.cluster.rows["pods"],
                        "connected, pods", pilot=pilot)
            await pilot.press("h")
            await until(lambda: app.active_pane == "health", "h to show the health pane", pilot=pilot)
            await until(lambda: set(_health(app).values()) == {"healthy"}, "every service healthy", pilot=pilot)
            await until(lambda: "all 5 services healthy" in screen_text(app), "healthy on screen", pilot=pilot)

            os.kill(sim.proc.pid, signal.SIGSTOP)
            try:
                # The deadline plus the probes' own timeouts, with room for a busy machine.
                await until(lambda: "API server not answering (no reply for" in _header(app),
                            "the header to say the API server is not answering", timeout=NOT_ANSWERING_AFTER + 30,
                            pilot=pilot)
                assert "connected" not in _header(app) and "UNREACHABLE" not in _header(app)
                for kind in ("pods", "nodes", "events"):  # the panes are told on their next refresh
                    await until(lambda: "API server not answering" in str(
                        app.query_one(f"#pane-{kind}").border_subtitle), f"the {kind} pane to say so", pilot=pilot)
                # A round of checks through the frozen proxy: nothing is known, nothing FAILS.
                await pilot.press("r")
                await until(lambda: set(_health(app).values()) == {"unknown"}, "every service unknown",
                            timeout=60, pilot=pilot)
                shown = screen_text(app)
                assert "FAILING" not in shown
                assert "5 unknown (API server not answering)" in shown
            finally:
                os.kill(sim.proc.pid, signal.SIGCONT)

            await until(lambda: "connected" in _header(app) and "not answering" not in _header(app),
                        "the header to say connected again", timeout=60, pilot=pilot)
            for kind in ("pods", "nodes", "events"):
                await until(lambda: "not answering" not in str(app.query_one(f"#pane-{kind}").border_subtitle),
                            f"the {kind} pane to be current again", pilot=pilot)
            await until(lambda: set(_health(app).values()) == {"healthy"},
                        "every service healthy again, without a key", timeout=60, pilot=pilot)
            await until(lambda: "all 5 services healthy" in screen_text(app), "healthy on screen again", pilot=pilot)
            assert "? unknown" not in screen_text(app)


def test_silence_marks_live_kinds_stale_and_lifts_by_itself():
    state = ClusterState("emrtask-prod")
    state.apply([Status(kind, SourceStatus(LIVE, last_ok=1000.0)) for kind in ("pods", "nodes", "events")]
                + [Status("deployments", SourceStatus(STALE, "403 Forbidden", last_ok=900.0))])
    assert state.connection() == ("connected", "")
    changes = state.apply([Silence(1005.0)])
    assert {"pods", "nodes", "events"} <= changes.status
    assert state.connection(now=1017.0) == ("not answering", "no reply for 12 s")
    assert state.connection(now=1190.0) == ("not answering", "no reply for 3 min 5 s")
    pods = state.status["pods"]
    assert (pods.state, pods.reason, pods.last_ok) == (STALE, "API server not answering", 1000.0)
    assert state.status["deployments"].reason == "403 Forbidden"  # its own trouble is kept
    state.apply([Silence(None)])
    assert state.connection() == ("connected", "")
    assert state.status["pods"] == SourceStatus(LIVE, last_ok=1000.0, since=state.reported["pods"].since)


def _kubeconfig(tmp_path, port: int) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: c, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: u, user: {}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u, namespace: emrtask-prod}}]\n")
    return str(path)


def _settle(feed, until, limit: float):
    """Apply what the sources hand over until `until(state)` holds or `limit` seconds pass."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        feed.apply_pending()
        if until(feed.state):
            return True
        time.sleep(0.1)
    return False


def test_a_server_that_accepts_and_never_answers_is_not_answering_and_a_refusing_one_unreachable(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)  # connections complete in the backlog; nothing is ever read
        (tmp_path / "silent").mkdir()
        kubeconfig = _kubeconfig(tmp_path / "silent", listener.getsockname()[1])
        feed = ClusterFeed(connect(kubeconfig=kubeconfig).api_client, "emrtask-prod")
        try:
            feed.start()
            assert _settle(feed, lambda s: s.connection()[0] == "not answering", NOT_ANSWERING_AFTER + 30)
            assert feed.state.connection()[1].startswith("no reply for ")
        finally:
            feed.stop()

    with socket.socket() as closed:  # bound, never listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        (tmp_path / "refused").mkdir()
        feed = ClusterFeed(connect(kubeconfig=_kubeconfig(tmp_path / "refused", closed.getsockname()[1])).api_client,
                           "emrtask-prod")
        try:
            feed.start()
            assert _settle(feed, lambda s: s.connection()[0] == "unreachable", 30)
            # Well past the deadline, refused is still refused: never taken for a hang.
            assert not _settle(feed, lambda s: s.silent_since is not None, NOT_ANSWERING_AFTER + 5)
            assert feed.state.connection() == ("unreachable", "connection refused")
        finally:
            feed.stop()
