"""Layouts that keep the signal: which columns a narrow pane gives up, values that keep their
unit, timeline kinds that are never cut, counts that add up, and the main screen during a
crash loop at 80x24, 160x45 and 220x60."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from irtui.config import Config
from irtui.health.transport import ServiceProxy
from irtui.incident.model import Actor, Entry
from irtui.kube.client import connect
from irtui.kube.model import project_event, project_pod
from irtui.kube.state import ClusterState, Upsert
from irtui.metrics.scrape import ScrapeSource
from irtui.metrics.settings import MetricsSettings
from irtui.safety import Guard
from irtui.ui.incident.entries import KIND_LABELS, entry_text
from irtui.ui.main import open_connection
from irtui.ui.panes.metrics import MetricsPane
from irtui.ui.panes.pods import COLUMNS as POD_COLUMNS
from irtui.ui.panes.pods import restarts_cell
from irtui.ui.widgets.virtual_table import CellTable, VirtualTable, whole_words
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import control, isolated, war_args  # noqa: F401 (isolated: a fixture)

# -- columns in their order of importance ---------------------------------------------

CRASHING = {"name": "task-service-79f7964498-4ntwf", "ready": "0/1", "status": "CrashLoopBackOff",
            "restarts": "12 (3m10s ago)", "age": "5d23h", "node": "ip-10-0-1-201.ec2.internal",
            "cpu": "106m", "mem": "212Mi"}


class PodsTableApp(App):
    """The pods pane's own column declarations over one crash-looping row."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def compose(self) -> ComposeResult:
        table = VirtualTable(POD_COLUMNS, lambda key: [(CRASHING[c.key], None) for c in POD_COLUMNS])
        table.styles.width = self.width
        table.index.rebuild([("crashing", (0,))])
        yield table


def _header_and_row(app: App) -> tuple[str, str]:
    lines = screen_text(app).splitlines()
    return lines[0], lines[1]


@pytest.mark.parametrize("width", [56, 61, 78, 91, 120])
async def test_a_narrow_pods_pane_keeps_status_and_restarts_whole(width):
    """Usage, node and age go before the name is clipped; READY, STATUS and RESTARTS stay."""
    app = PodsTableApp(width)
    async with app.run_test(size=(140, 6)):
        header, row = _header_and_row(app)
        for title in ("NAME", "READY", "STATUS", "RESTARTS"):
            assert title in header, (width, header)
        assert "CrashLoopBackOff" in row and "12 (3m10s ago)" in row, (width, row)


async def test_pods_columns_go_least_important_first():
    shown = {}
    for width in (120, 91, 78, 61):
        app = PodsTableApp(width)
        async with app.run_test(size=(140, 6)):
            shown[width] = _header_and_row(app)[0].split()
    assert shown[120] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE", "CPU", "MEM"]
    assert shown[91] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE", "CPU"]
    assert shown[78] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert shown[61] == ["NAME", "READY", "STATUS", "RESTARTS"]


async def test_status_is_the_last_column_to_go():
    app = PodsTableApp(40)
    async with app.run_test(size=(140, 6)):
        header, row = _header_and_row(app)
        assert header.split() == ["NAME", "STATUS"] and "CrashLoopBackOff" in row


def test_a_value_with_a_unit_is_cut_at_whole_words():
    assert whole_words("4951 ms", 7) == "4951 ms"
    assert whole_words("4951 ms", 6) == "4951"
    assert whole_words("2 (21s ago)", 9) == "2"  # never "2 (21s" without its close
    assert whole_words("2 (21s ago)", 11) == "2 (21s ago)"


class MetricsTableApp(App):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def compose(self) -> ComposeResult:
        table = CellTable()
        table.styles.width = self.width
        for key, label, width, drop in (("service", "Service", 18, 0), ("rate", "req/s", 9, 0),
                                        ("rate_chart", "", 12, 4), ("p95", "p95", 8, 0), ("p95_chart", "", 12, 5)):
            table.add_column(label, key=key, width=width, drop=drop)
        yield table

    def on_mount(self) -> None:
        self.query_one(CellTable).add_row(Text("task-service"), Text("7.4"), Text("▁▂▃▄▅▆▇█▇▆▅▄"), Text("4951 ms"),
                                           Text("▁▂▃▄▅▆▇█▇▆▅▄"), key="task-service")


@pytest.mark.parametrize("width", [40, 50, 61])
async def test_a_narrow_metrics_table_leaves_out_charts_not_units(width):
    app = MetricsTableApp(width)
    async with app.run_test(size=(100, 4)):
        row = screen_text(app).splitlines()[1]
        assert "4951 ms" in row and "7.4" in row, row


async def test_a_wide_metrics_table_shows_its_charts():
    app = MetricsTableApp(100)
    async with app.run_test(size=(100, 4)):
        assert screen_text(app).splitlines()[1].count("▁▂▃") == 2


# -- the timeline and observations ------------------------------------------------------

@pytest.mark.parametrize("kind", [*KIND_LABELS, "a_kind_from_a_newer_irtui"])
def test_timeline_kinds_are_never_cut_mid_word(kind):
    entry = Entry(incident_id="INC-1", entry_id="e", ts=datetime(2026, 1, 1, tzinfo=timezone.utc),
                  actor=Actor("pat", "laptop"), kind=kind, text="something happened", seq=1)
    line = entry_text(entry).plain
    label = KIND_LABELS.get(kind, kind.replace("_", " "))
    assert f" {label} " in line and "action_starte " not in line, line


def _warning(name: str, reason: str) -> dict:
    now = datetime.now(timezone.utc)
    ts = lambda s: (now - timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    return {"metadata": {"name": name, "namespace": "emrtask-prod", "uid": f"uid-{name}"},
            "type": "Warning", "reason": reason, "message": "m",
            "involvedObject": {"kind": "Pod", "name": f"task-service-{name}"},
            "count": 1, "lastTimestamp": ts(1), "firstTimestamp": ts(1)}


def test_a_warning_burst_names_every_event_it_counts():
    seen: list[str] = []
    state = ClusterState("emrtask-prod", burst_threshold=10, burst_window=60)
    state.add_observer(lambda key, text, details: seen.append(text))
    reasons = ["Unhealthy"] * 3 + ["BackOff"] * 3 + ["Failed"] * 2 + ["FailedMount", "Evicted"]
    state.apply([Upsert("events", project_event(_warning(f"e{i}", r))) for i, r in enumerate(reasons)])
    assert len(seen) == 1
    text = seen[0]
    assert text.startswith("10 Warning events"), text
    named = sum(int(n) for n in re.findall(r" x(\d+)", text)) + sum(int(n) for n in re.findall(r"\+(\d+) more", text))
    assert named == 10, text


def _crash_looping_pod(restarts: int) -> dict:
    ts = (datetime.now(timezone.utc) - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    last = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ts}} if restarts else {}
    return {"metadata": {"name": "task-service-7d9f-abcde", "namespace": "emrtask-prod", "uid": "uid-t",
                         "creationTimestamp": ts},
            "spec": {"nodeName": "node-1", "containers": [{"name": "app"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "app", "ready": False, "restartCount": restarts, "lastState": last,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}


def test_a_crash_loop_replayed_at_declaration_counts_the_restarts_the_pane_shows():
    state = ClusterState("emrtask-prod")
    state.apply([Upsert("pods", project_pod(_crash_looping_pod(0)))])  # first seen before any restart
    state.apply([Upsert("pods", project_pod(_crash_looping_pod(2)))])
    restarts_shown = restarts_cell(state.rows["pods"]["emrtask-prod/task-service-7d9f-abcde"],
                                   datetime.now(timezone.utc))
    written: list[tuple[str, dict]] = []
    state.add_observer(lambda key, text, details: written.append((text, details)))  # an incident opens
    (text, details), = written
    assert restarts_shown.startswith("2 ") and "CrashLoopBackOff, 2 restarts" in text and details["restarts"] == 2, text


# -- the main screen during a crash loop -------------------------------------------------

HEADER = re.compile(r"NAME\s+READY\s+STATUS\s+RESTARTS")
CRASH_ROW = re.compile(r"task-s\S*\s+0/1\s+CrashLoopBackOff\s+([1-9]\d*)( \(\S+ ago\))?")


def _crash_loop_on_screen(app) -> re.Match | None:
    text = screen_text(app)
    return CRASH_ROW.search(text) if HEADER.search(text) else None


async def test_the_main_screen_keeps_the_crash_loop_signal_at_every_size(sim_factory, isolated):
    sim = sim_factory()
    config = Config.empty()
    args = war_args(sim, isolated)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: "task-ser" in screen_text(app), "the pods pane", pilot=pilot)
            await control(sim, "POST", "/sim/scenarios/crashloop-task-service")
            await control(sim, "POST", "/sim/advance", json={"seconds": 20})
            for size in ((160, 45), (80, 24), (220, 60)):
                await pilot.resize_terminal(*size)
                match = await until(lambda: _crash_loop_on_screen(app),
                                    f"READY, STATUS and RESTARTS of a crash loop at {size}", pilot=pilot)
                pods = [row for row in app.cluster.rows["pods"].values() if row.name.startswith("task-service")]
                assert int(match.group(1)) in {row.restarts for row in pods}
                # 160x45 is the size the sidebar shares with the panes
                assert app.query_one("#sidebar").display == (size[0] >= 140), size


# -- a service scaled to 0 --------------------------------------------------------------

class MetricsPaneApp(App):
    def __init__(self, pane: MetricsPane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


def _metrics_row(app: App, service: str) -> str:
    return next((line for line in screen_text(app).splitlines() if line.startswith(service)), "")


async def _poll_until(pilot, pane: MetricsPane, condition, what: str, attempts: int = 60):
    """Poll the pane (its own interval is an hour here) until `condition()` holds."""
    for _ in range(attempts):
        polls = pane.polls
        pane.poll()
        await until(lambda: pane.polls > polls, "a poll", pilot=pilot)
        await pilot.pause()
        if condition():
            return
        await pilot.pause(0.5)
    raise AssertionError(f"never saw {what}\n{screen_text(pilot.app)}")


async def test_a_service_scaled_to_zero_shows_no_rate(sim):
    kube = connect(kubeconfig=sim.kubeconfig, context="sim-sre", guard=Guard(read_only=True))
    settings = MetricsSettings(source="scrape", interval=3600)
    pane = MetricsPane(ScrapeSource(settings, ServiceProxy(kube.api_client, "emrtask-prod")), settings,
                       autostart=False)
    try:
        async with MetricsPaneApp(pane).run_test(size=(120, 12)) as pilot:
            app = pilot.app
            await _poll_until(pilot, pane, lambda: re.match(r"emr-service\s+\d+\.\d", _metrics_row(app, "emr-service")),
                              "a request rate for emr-service")
            sim.kubectl("-n", "emrtask-prod", "scale", "deployment/emr-service", "--replicas=0", context="sim-sre")
            await _poll_until(pilot, pane, lambda: "emr-service" in pane.latest.down, "emr-service without endpoints")
            row = _metrics_row(app, "emr-service")
            # its counters' last minute still holds samples: a rate could be computed, and must not be shown
            assert pane.latest.services["emr-service"].request_rate is not None
            assert re.match(r"emr-service\s+—", row) and not re.search(r"\d+\.\d", row), row
    finally:
        await pane.source.aclose()
        kube.api_client.close()


async def test_at_80x24_the_clock_bar_names_the_incident_its_severity_and_clocks(sim, isolated):
    from test_hostile_views import _declare  # the declare form driven by keys alone

    config = Config.empty()
    args = war_args(sim, isolated)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: "task-ser" in screen_text(app), "the pods pane", pilot=pilot)
            incident_id = await _declare(pilot, app, "task-service crash loop")
            severity = app.session.state.severity
            bar = await until(lambda: next((line for line in screen_text(app).splitlines()
                                           if line.strip().startswith(incident_id)), None),
                              "the clock bar with the incident id", pilot=pilot)
            assert re.match(rf"\s*{incident_id} {severity}\s*\|\s*T\+\d", bar), bar
            assert "resp " in bar and ("update " in bar or "upd " in bar), bar


async def test_a_cell_changed_after_a_resize_is_repainted():
    """A resize drops the table's cached lines after the screen has drawn them: the next
    change of a cell must still reach the screen (the health pane kept showing FAILING under
    a summary that said every service was healthy)."""
    app = MetricsTableApp(100)
    async with app.run_test(size=(100, 4)) as pilot:
        table = app.query_one(CellTable)
        await pilot.resize_terminal(90, 5)
        await pilot.pause()
        table.update_cell("task-service", "p95", Text("12 ms"))
        await pilot.pause()
        assert "12 ms" in screen_text(app).splitlines()[1], screen_text(app)
