"""The detection rules and the declaration they suggest, over plain rows and results."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from irtui.config import Config, ConfigError
from irtui.detect import Alerts, DetectSettings, Evidence, evaluate, suggest
from irtui.health.checks import DEGRADED, FAILING, HEALTHY, UNKNOWN, HealthResult
from irtui.kube.model import EventRow, NodeRow, PodRow
from irtui.metrics.model import MetricsSnapshot, ServicePoint
from irtui.runbook import load_runbook

NOW = datetime(2026, 11, 28, 5, 0, tzinfo=timezone.utc)
SERVICES = ("api-gateway", "task-service", "emr-service", "sync-service", "handover-service")
SETTINGS = DetectSettings()


def pod(name: str, workload: str, *, ready: str = "1/1", status: str = "Running", restarts: int = 0) -> PodRow:
    return PodRow(f"emrtask-prod/{name}", name + "-uid", "emrtask-prod", name, ready, status, restarts, None, None,
                  "worker-1", "10.0.0.1", "", workload, ("main",), 0)


def node(name: str, ready: bool = True) -> NodeRow:
    return NodeRow(name, name + "-uid", name, "Ready" if ready else "NotReady", "worker", ready, False, (), None,
                   None, None, "v1.32", "10.0.0.9", 0, "" if ready else "2026-11-28T04:58:00Z")


def warning(name: str, reason: str, count: int, age: float) -> EventRow:
    at = NOW - timedelta(seconds=age)
    return EventRow(f"emrtask-prod/{name}", name, "emrtask-prod", "Warning", reason, "", "Pod/x", count, at, at,
                    "kubelet")


def health(states: dict[str, str], detail: str = "") -> list[HealthResult]:
    return [HealthResult(s, 0.0, state, 503 if state == FAILING else 200, 0.01, detail if state == FAILING else "",
                         "") for s, state in states.items()]


def healthy_world() -> list[PodRow]:
    return [*(pod(f"{s}-abc", f"Deployment/{s}") for s in SERVICES), pod("postgres-0", "StatefulSet/postgres")]


def rules(evidence: Evidence, settings: DetectSettings = SETTINGS) -> dict[str, str]:
    return {f.key: f.reason for f in evaluate(evidence, settings)}


def test_a_healthy_world_fires_nothing():
    evidence = Evidence(healthy_world(), [node("w1")], [warning("e1", "BackOff", 3, 10)],
                        health({s: HEALTHY for s in SERVICES}),
                        MetricsSnapshot("prom", 0, {s: ServicePoint(5.0, 0.01, 0.2) for s in SERVICES}), NOW)
    assert evaluate(evidence, SETTINGS) == []
    assert suggest([], load_runbook()).answers == {}


def test_health_counts_failures_and_leaves_unknown_and_degraded_out():
    states = {"api-gateway": FAILING, "task-service": FAILING, "emr-service": DEGRADED, "sync-service": UNKNOWN,
              "handover-service": HEALTHY}
    assert rules(Evidence(health=health(states), now=NOW)) == {"health": "2/4 health checks fail"}
    assert rules(Evidence(health=health({s: FAILING for s in SERVICES}), now=NOW)) == {
        "health": "5/5 health checks fail"}
    assert rules(Evidence(health=health({s: UNKNOWN for s in SERVICES}), now=NOW)) == {}


def test_error_rate_and_p95_fire_at_their_thresholds():
    snapshot = MetricsSnapshot("prom", 0, {"api-gateway": ServicePoint(9, 0.70, 0.2),
                                           "task-service": ServicePoint(9, 0.049, 1.0),
                                           "emr-service": ServicePoint(9, 0.05, 0.999)})
    found = rules(Evidence(metrics=snapshot, now=NOW))
    assert found == {"error-rate": "error rate at or over 5 %: api-gateway 70 %, emr-service 5 %",
                     "latency": "p95 at or over 1000 ms: task-service 1000 ms"}
    strict = DetectSettings(error_pct=80, p95_ms=2000)
    assert rules(Evidence(metrics=snapshot, now=NOW), strict) == {}
    # A source that could not answer says nothing about the services.
    assert rules(Evidence(metrics=MetricsSnapshot("prom", 0, snapshot.services, error="refused"), now=NOW)) == {}


def test_crash_loops_are_one_finding_per_workload():
    pods = [pod("task-service-a", "Deployment/task-service", ready="0/1", status="CrashLoopBackOff", restarts=4),
            pod("task-service-b", "Deployment/task-service", ready="0/1", status="Error", restarts=1),
            pod("task-service-c", "Deployment/task-service"),
            pod("sync-service-a", "Deployment/sync-service", ready="0/1", status="Error", restarts=3)]
    assert rules(Evidence(pods, now=NOW)) == {
        "crashloop/Deployment/sync-service": "sync-service: 1/1 pods crash-looping (up to 3 restarts)",
        "crashloop/Deployment/task-service": "task-service: 1/3 pods crash-looping (up to 4 restarts)"}


def test_notready_nodes_and_the_primary_database():
    pods = [pod("postgres-0", "StatefulSet/postgres", ready="0/1"),
            pod("postgres-replica-0", "StatefulSet/postgres-replica", ready="0/1")]
    found = rules(Evidence(pods, [node("w1"), node("w2", ready=False)], now=NOW))
    assert found == {"node-notready/w2/2026-11-28T04:58:00Z": "node w2 is NotReady since 2026-11-28T04:58:00Z",
                     "database-primary": "primary database not ready: postgres-0 0/1 Running"}


def test_a_burst_of_warning_events_within_the_window():
    recent = [warning("a", "BackOff", 6, 10), warning("b", "Unhealthy", 4, 30)]
    assert rules(Evidence(events=recent, now=NOW)) == {
        "warning-burst": "10 Warning events in 60 s (BackOff x6, Unhealthy x4)"}
    assert rules(Evidence(events=[*recent[:1], warning("b", "Unhealthy", 4, 90)], now=NOW)) == {}


def test_a_finding_alerts_once_until_it_clears():
    alerts = Alerts()
    failing = evaluate(Evidence(health=health({"api-gateway": FAILING}), now=NOW), SETTINGS)
    assert [f.key for f in alerts.update(failing)[0]] == ["health"]
    assert alerts.update(failing) == ([], [])
    new, cleared = alerts.update([])
    assert new == [] and [f.key for f in cleared] == ["health"]
    assert [f.key for f in alerts.update(failing)[0]] == ["health"]


def test_complete_outage_suggests_p0_and_the_database_playbook():
    """A hung primary and every service failing its database check: the database playbook."""
    pods = [pod("postgres-0", "StatefulSet/postgres", ready="0/1")]
    results = health({s: FAILING for s in SERVICES}, detail="database unavailable")
    suggestion = suggest(evaluate(Evidence(pods, health=results, now=NOW), SETTINGS), load_runbook())
    assert suggestion.answers == {"services_available": "No"}
    assert suggestion.severity == "P0"
    assert suggestion.playbook == "database"
    assert suggestion.playbook_reason == ("primary database not ready: postgres-0 0/1 Running, "
                                          "and 5/5 failing services report the database")
    assert list(suggestion.services)[:5] == list(SERVICES)
    assert suggestion.services["api-gateway"] == "5/5 health checks fail"


def test_every_service_failing_without_the_database_is_the_outage_playbook():
    results = health({s: FAILING for s in SERVICES}, detail="HTTP 502")
    suggestion = suggest(evaluate(Evidence(healthy_world(), health=results, now=NOW), SETTINGS), load_runbook())
    assert (suggestion.severity, suggestion.playbook, suggestion.playbook_reason) == (
        "P0", "outage", "5/5 health checks fail")


def test_one_service_down_is_p1_and_a_slow_one_p2():
    runbook = load_runbook()
    down = [pod("task-service-a", "Deployment/task-service", ready="0/1", status="CrashLoopBackOff", restarts=4)]
    one = suggest(evaluate(Evidence(down, now=NOW), SETTINGS), runbook)
    assert one.answers == {"services_available": "Partial", "core_features": "No"}
    assert one.severity == "P1" and one.playbook is None
    assert one.answer_reasons["core_features"] == (
        "task-service: 1/1 pods crash-looping (up to 4 restarts): no pod serves")
    # One pod crash-looping beside one that runs but is not ready: still no pod serves.
    starting = [*down, pod("task-service-b", "Deployment/task-service", ready="0/1")]
    assert suggest(evaluate(Evidence(starting, now=NOW), SETTINGS), runbook).severity == "P1"
    serving = [*down, pod("task-service-c", "Deployment/task-service")]
    assert suggest(evaluate(Evidence(serving, now=NOW), SETTINGS), runbook).severity == "P2"
    slow = MetricsSnapshot("prom", 0, {"sync-service": ServicePoint(1, 0.0, 1.5)})
    two = suggest(evaluate(Evidence(metrics=slow, now=NOW), SETTINGS), runbook)
    assert two.severity == "P2" and list(two.services) == ["sync-service"]


def test_detect_config_is_validated_with_one_line(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text("[detect]\nerror_pct = 2\nnotify_terminal = false\n")
    settings = DetectSettings.from_config(Config.load(path))
    assert (settings.error_pct, settings.notify_terminal, settings.p95_ms) == (2.0, False, 1000.0)
    for bad in ("error_pct = 0", "primary_database = 'postgres'", "bogus = 1", "notify_terminal = 'yes'"):
        path.write_text(f"[detect]\n{bad}\n")
        with pytest.raises(ConfigError) as err:
            DetectSettings.from_config(Config.load(path))
        assert "\n" not in str(err.value) and "detect" in str(err.value)


def test_a_release_whose_image_cannot_be_pulled_fires_while_the_old_pods_serve():
    pods = [*healthy_world(), pod("api-gateway-new", "Deployment/api-gateway", ready="0/1", status="ImagePullBackOff")]
    assert rules(Evidence(pods, now=NOW)) == {
        "image-pull/Deployment/api-gateway": "api-gateway: 1/2 pods cannot pull their image (ImagePullBackOff)"}
    suggestion = suggest(evaluate(Evidence(pods, now=NOW), SETTINGS), load_runbook())
    assert (suggestion.severity, suggestion.playbook, list(suggestion.services)) == ("P2", None, ["api-gateway"])


def test_security_signals_fire_at_once_and_suggest_the_security_playbook_at_its_p0():
    """A breach answers every health check: the events are the only evidence."""
    pods = [*healthy_world(), pod("sync-service-x1", "Deployment/sync-service")]
    events = [
        EventRow("emrtask-prod/e1", "e1", "emrtask-prod", "Warning", "ExecIntoPod", "exec", "Pod/sync-service-x1",
                 1, NOW, NOW, "audit-monitor"),
        EventRow("emrtask-prod/e2", "e2", "emrtask-prod", "Warning", "SecretAccessed", "read",
                 "Secret/emr-oauth-client", 1, NOW, NOW, "audit-monitor"),
        EventRow("emrtask-prod/e3", "e3", "emrtask-prod", "Normal", "Pulled", "", "Pod/sync-service-x1", 1, NOW, NOW,
                 "kubelet"),
    ]
    findings = evaluate(Evidence(pods, events=events, now=NOW), SETTINGS)
    assert [(f.key, f.reason, f.services) for f in findings] == [
        ("security", "security signals: ExecIntoPod, SecretAccessed", ("sync-service",))]
    assert findings[0].facts["secrets"] == ["emr-oauth-client"]
    suggestion = suggest(findings, load_runbook())
    assert suggestion.playbook == "security"
    # The flowchart alone says P3 (everything answers); the playbook says P0.
    assert suggestion.severity == "P0"
    assert suggestion.severity_reason.endswith("P0: Security Breach (the playbook's severity)")
    quiet = DetectSettings(security_reasons=("SomethingElse",))
    assert evaluate(Evidence(pods, events=events, now=NOW), quiet) == []


def test_findings_read_cause_first():
    """A banner names three findings: the primary database must not hide behind error rates."""
    from irtui.detect import by_importance

    pods = [pod("postgres-0", "StatefulSet/postgres", ready="0/1", status="CrashLoopBackOff", restarts=3)]
    results = health({s: FAILING for s in SERVICES}, detail="database unavailable")
    slow = MetricsSnapshot("scrape", 0, {s: ServicePoint(10, 0.9, 2.0) for s in SERVICES})
    findings = evaluate(Evidence(pods, health=results, metrics=slow, now=NOW), SETTINGS)
    assert [f.rule for f in findings][:2] == ["health", "error-rate"]  # evaluate's fixed order
    assert [f.rule for f in by_importance(findings)][:3] == ["database-primary", "health", "crashloop"]
