"""The cluster panes against the simulator: what a responder sees when things break.

Each test drives the real app headless (`run_test`) against `irtui sim` over HTTP(S), through
the kubeconfig the simulator wrote, exactly as against a real cluster.
"""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import pytest

from polling import screen_text, until
from ui_helpers import control, make_app, shown_rows
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)

NS = "emrtask-prod"


def _kubectl_pods(sim) -> dict[str, tuple[str, str, str]]:
    """NAME -> (READY, STATUS, RESTARTS count) from `kubectl get pods`."""
    out = sim.kubectl("get", "pods", "-n", NS, "--no-headers").stdout
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        rows[parts[0]] = (parts[1], parts[2], parts[3])
    return rows


def _pane_pods(app) -> dict[str, tuple[str, str, str]]:
    return {cells[0]: (cells[1], cells[2], cells[3].split(" ", 1)[0]) for cells in shown_rows(app.pods_pane)}


def _status_of(app, prefix: str) -> list[tuple[str, ...]]:
    return [cells for cells in shown_rows(app.pods_pane) if cells[0].startswith(prefix)]


async def test_crashloop_shows_with_restarts_and_matches_kubectl(sim):
    observed = []
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        app.cluster.add_observer(lambda key, text, details: observed.append((key, text)))
        await until(lambda: len(app.cluster.rows["pods"]) > 0 and app.cluster.status["pods"].usable,
                    what="pods listed", pilot=pilot)
        # Equal to kubectl, row for row (names, READY, STATUS, RESTARTS), before any fault.
        await until(lambda: _pane_pods(app) == _kubectl_pods(sim), what="pane == kubectl", pilot=pilot)

        await control(sim, "POST", "/sim/scenarios/crashloop-task-service")
        await control(sim, "POST", "/sim/advance", json={"seconds": 20})

        # Unhealthy first: the crash-looping pods head the list. (The pane's rows are the
        # state's; its sorted index follows a moment later, so the order is waited for too.)
        def crashlooping():
            first = shown_rows(app.pods_pane)[0]
            rows = [c for c in _status_of(app, "task-service") if c[2] == "CrashLoopBackOff"]
            if first[0].startswith("task-service") and first[2] != "Running" and any(
                    int(c[3].split()[0]) > 0 for c in rows):
                return rows
            return None

        rows = await until(crashlooping, timeout=60, what="task-service in CrashLoopBackOff, first", pilot=pilot)
        assert "unhealthy" in app.query_one("#pane-pods").border_title
        # On screen too, once the next frame is drawn (the rows above are the pane's model).
        await until(lambda: "CrashLoopBackOff" in screen_text(app) and rows[0][0] in screen_text(app),
                    what="CrashLoopBackOff on screen", pilot=pilot)
        # "4 (37s ago)": kubectl's RESTARTS with the time of the last restart.
        assert "ago)" in rows[0][3]
        # The timeline producer saw it, with a stable key.
        await until(lambda: any(k.startswith("pod/emrtask-prod/task-service") for k, _ in observed),
                    what="a CrashLoopBackOff observation", pilot=pilot)
        # And still what kubectl says, once the simulator settles between two reads.
        await until(lambda: _pane_pods(app) == _kubectl_pods(sim), timeout=60, what="pane == kubectl", pilot=pilot)


async def test_deleted_pod_disappears_and_node_notready_shows(sim):
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.cluster.status["pods"].usable and app.cluster.status["nodes"].usable,
                    what="pods and nodes listed", pilot=pilot)
        victim = next(iter(sorted(k.split("/", 1)[1] for k in app.cluster.rows["pods"] if "api-gateway" in k)))
        await asyncio.to_thread(sim.kubectl, "delete", "pod", victim, "-n", NS, "--wait=false")
        await control(sim, "POST", "/sim/advance", json={"seconds": 35})  # past the grace period
        await until(lambda: victim not in _pane_pods(app), timeout=60, what=f"{victim} gone", pilot=pilot)

        await control(sim, "POST", "/sim/scenarios/node-notready")
        await control(sim, "POST", "/sim/advance", json={"seconds": 50})  # past the node-monitor grace period
        app.show_pane("nodes")
        # Not-ready nodes sort first (once the pane's index has caught up with its rows).
        notready = await until(
            lambda: [c for c in shown_rows(app.nodes_pane)[:1] if c[1].startswith("NotReady")],
            timeout=60, what="a NotReady node, sorted first", pilot=pilot)
        await until(lambda: notready[0][0] in screen_text(app), what="the NotReady node on screen", pilot=pilot)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
async def test_simulator_restart_goes_stale_then_recovers_without_ghosts(sim_factory, tmp_path):
    port = _free_port()
    first = sim_factory(name="first", port=port)
    # Each simulator makes a fresh self-signed certificate; a real API server keeps its own
    # across a restart. Skip verifying it (still TLS: a token is never sent in clear) so the
    # test is about reconnecting, not about a certificate that changed.
    unverified = tmp_path / "unverified-kubeconfig"
    text = Path(first.kubeconfig).read_text()
    unverified.write_text(re.sub(r"certificate-authority-data: \S+", "insecure-skip-tls-verify: true", text))
    app = make_app(first, kubeconfig=str(unverified))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.cluster.status["pods"].usable, what="pods listed", pilot=pilot)
        # The feed is usable a moment before the pane has drawn its rows: wait for what kubectl lists.
        await until(lambda: _pane_pods(app) == _kubectl_pods(first), what="pods on screen", pilot=pilot)
        before = set(_pane_pods(app))
        assert before
        # The command palette is open when the cluster goes away: the panes behind it
        # still take the change (a modal on top must not break the feed).
        await pilot.press("ctrl+p")
        await asyncio.to_thread(first.stop)
        await until(lambda: app.cluster.status["pods"].state == "stale", what="pods stale", pilot=pilot)
        await pilot.pause(0.5)
        await pilot.press("escape")
        await until(lambda: "UNREACHABLE" in screen_text(app), what="header says unreachable", pilot=pilot)
        assert set(_pane_pods(app)) == before  # the last data stays on screen, marked
        assert "stale" in (app.query_one("#pane-pods").border_subtitle or "")

        second = await asyncio.to_thread(sim_factory, name="second", port=port)
        expected = await asyncio.to_thread(_kubectl_pods, second)
        await until(lambda: app.cluster.status["pods"].usable, timeout=60, what="pods live again", pilot=pilot)
        await until(lambda: _pane_pods(app) == _kubectl_pods(second), timeout=60, what="recovered", pilot=pilot)
        names = [cells[0] for cells in shown_rows(app.pods_pane)]
        assert len(names) == len(set(names)) == len(expected)  # no duplicates, no ghosts
        await until(lambda: "connected" in screen_text(app), what="header says connected", pilot=pilot)


async def test_forbidden_nodes_show_in_their_pane_while_others_work(sim):
    app = make_app(sim, context="sim-limited")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.cluster.status["nodes"].state == "forbidden", what="nodes forbidden", pilot=pilot)
        await until(lambda: app.cluster.status["pods"].usable and app.cluster.status["events"].usable,
                    what="pods and events still listed", pilot=pilot)
        await until(lambda: len(shown_rows(app.pods_pane)) > 0, what="pods on screen", pilot=pilot)
        app.show_pane("nodes")
        await pilot.pause()
        text = screen_text(app)
        assert "403" in text and "cannot list nodes" in text
        assert "UNREACHABLE" not in text


async def test_small_terminal_renders_tabs_and_filter(sim):
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: app.cluster.status["pods"].usable, what="pods listed", pilot=pilot)
        await until(lambda: "total" in screen_text(app), what="pods title", pilot=pilot)
        text = screen_text(app)
        assert "1 Pods" in text and "2 Nodes" in text and "STATUS" in text
        assert all(len(line) <= 80 for line in text.splitlines())
        await pilot.press("slash", *"postgres", "enter")
        await until(lambda: all(c[0].startswith("postgres") for c in shown_rows(app.pods_pane)),
                    what="filtered to postgres", pilot=pilot)
        assert shown_rows(app.pods_pane)
        await pilot.press("escape")
        await pilot.press("3")
        await until(lambda: "REASON" in screen_text(app), what="events pane shown", pilot=pilot)


async def test_selection_freeze_and_all_namespaces(sim):
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        pods = app.pods_pane
        await until(lambda: app.cluster.status["pods"].usable and pods.selected() is not None,
                    what="a selected pod", pilot=pilot)
        await pilot.press("down", "down")
        chosen = pods.selected()
        assert chosen is not None and chosen.key == pods.table.cursor_key
        assert chosen.workload.startswith(("Deployment/", "StatefulSet/"))
        pods.freeze()
        await asyncio.to_thread(sim.kubectl, "delete", "pod", chosen.name, "-n", NS, "--wait=false")
        await control(sim, "POST", "/sim/advance", json={"seconds": 35})
        await until(lambda: chosen.key not in app.cluster.rows["pods"], what="pod deleted in the cluster", pilot=pilot)
        # Frozen: the row under the cursor is still the one the user chose, and says so.
        assert pods.selected() == chosen
        assert "FROZEN" in (app.query_one("#pane-pods").border_subtitle or "")
        pods.thaw()
        await until(lambda: pods.selected() is not None and pods.selected().key != chosen.key,
                    what="cursor moved off the deleted pod after thaw", pilot=pilot)
        assert chosen.key not in {k for k in pods.table.index}

        app.set_namespace(None)
        await until(lambda: app.cluster.status["pods"].usable and "NAMESPACE" in screen_text(app)
                    and "ns ALL" in screen_text(app), what="all namespaces with a NAMESPACE column", pilot=pilot)


async def test_namespace_key_offers_the_clusters_namespaces(sim):
    """n lists what the cluster has (through the feed), the current one marked; picking one
    moves the cluster panes there."""
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.cluster.status["pods"].usable, what="pods listed", pilot=pilot)
        await pilot.press("n")
        await until(lambda: "kube-system" in screen_text(app) and "emrtask-prod (current)" in screen_text(app),
                    what="the cluster's namespaces in the picker", pilot=pilot)
        await pilot.press(*"kube-public")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(lambda: app.cluster.namespace == "kube-public", what="the chosen namespace shown", pilot=pilot)


async def test_demo_key_starts_a_scenario(sim, isolated):
    from irtui.config import Config
    from irtui.ui.demo import DemoApp
    from irtui.ui.main import open_connection
    from irtui.ui.wiring import war_room

    config = Config.empty()
    args = war_args(sim, isolated)
    async with war_room(args, open_connection(args, config), config, app_class=DemoApp, workdir=isolated,
                        sim_url=sim.url) as app, app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.cluster.status["pods"].usable, what="pods listed", pilot=pilot)
        await pilot.press("x")
        await pilot.pause(0.5)
        await pilot.press(*"node-notready")
        await pilot.pause(0.5)
        await pilot.press("enter")

        async def active():
            doc = (await control(sim, "GET", "/sim/scenarios")).json()
            return "node-notready" in doc.get("active", [])

        await until(active, "the node-notready scenario to be active", step=0.2, pilot=pilot)


async def test_header_names_cluster_identity_and_read_only(sim, tmp_path):
    from irtui.config import Config
    from irtui.ui.main import open_connection
    from irtui.ui.wiring import build_app

    from ui_helpers import Args

    args = Args(sim.kubeconfig)
    args.read_only = True
    app = build_app(open_connection(args, Config.empty()), Config.empty(), args)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(lambda: "connected" in screen_text(app), what="connected", pilot=pilot)
        header = screen_text(app).splitlines()[0]
        assert header.lstrip().startswith("RO")
        assert "sim-sre" in header and "emrtask-prod" in header and sim.url.split("//")[1] in header

    # A token the server rejects: every pane and the header say 401, nothing crashes.
    bad = tmp_path / "bad-kubeconfig"
    bad.write_text(re.sub(r"token: \S+", "token: not-a-valid-token", Path(sim.kubeconfig).read_text()))
    app = make_app(sim, kubeconfig=str(bad))
    async with app.run_test(size=(120, 40)) as pilot:
        # While some kinds have not answered yet the header reads "degraded"; once all are
        # refused, unreachable.
        await until(lambda: "401 Unauthorized" in screen_text(app) and "UNREACHABLE" in screen_text(app),
                    what="401 and UNREACHABLE on screen", pilot=pilot)
        assert app.cluster.status["pods"].state == "unauthorized"


async def test_other_parts_plug_into_the_shell(sim):
    """A pane, a sidebar and a clock bar from elsewhere slot in with one argument each."""
    from textual.widgets import Static

    from irtui.ui.panes import PaneSpec, set_pane_title

    class TimelinePane(Static):
        def on_mount(self) -> None:
            self.update("timeline entries here")
            set_pane_title(self, "Timeline · 2 entries", badge="2")

    app = make_app(
        sim,
        panes=[PaneSpec("timeline", "Timeline", TimelinePane, key="t")],
        sidebar=lambda: Static("PHASE 1 Detect & Alert", id="checklist"),
        clock_bar=lambda: Static("since detection 00:04:12", id="clock-bar"),
    )
    async with app.run_test(size=(160, 40)) as pilot:
        await until(lambda: app.cluster.status["pods"].usable, what="pods listed", pilot=pilot)
        text = screen_text(app)
        assert "PHASE 1 Detect & Alert" in text and "since detection 00:04:12" in text
        await pilot.press("t")
        await until(lambda: "timeline entries here" in screen_text(app), what="the extra pane", pilot=pilot)
        assert "4 Timeline · 2 entries" in screen_text(app)
    async with make_app(sim, panes=[PaneSpec("timeline", "Timeline", TimelinePane)]).run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await until(lambda: "timeline entries here" in screen_text(pilot.app), what="pane 4 by number", pilot=pilot)
        assert "Timeline 2" in screen_text(pilot.app).splitlines()[2]  # the tab strip shows the badge
