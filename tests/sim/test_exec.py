"""The real `kubectl exec` against the simulator: the runbook's in-pod checks run, print and
exit as they would on the platform, following the simulated world; RBAC and the audit log
treat an exec as a create on `pods/exec`.
"""

from __future__ import annotations

import json
import re

import pytest

from api_helpers import NS, advance
from polling import until_sync

HEALTH = "http://localhost:3000/health"
FHIR = "https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4/Patient"
OAUTH = "https://fhir.epic.com/interconnect-fhir-oauth/oauth2/token"


@pytest.fixture(scope="module")
def healthy(module_sim):
    return module_sim


def _exec(sim, target: str, *argv: str, context: str | None = None):
    return sim.kubectl("exec", "-n", NS, target, "--", *argv, context=context, check=False)


@pytest.mark.parametrize("target, argv, code, needle", [
    ("deployment/api-gateway", ["curl", "-f", HEALTH], 0, '"status": "ok"'),
    ("deployment/task-service", ["curl", "-fsS", "-o", "/dev/null", "-w", "%{http_code}\\n",
                                 "http://emr-service:3000/health"], 0, "200\n"),
    ("deployment/api-gateway", ["sh", "-c", "curl -s localhost:9090/metrics | grep http_request_errors_total"],
     0, 'http_request_errors_total{service="api-gateway"}'),
    ("deployment/emr-service", ["curl", "-f", FHIR], 0, '"resourceType": "Bundle"'),
    ("deployment/emr-service", ["curl", "-fsS", "-X", "POST", OAUTH, "-d", "grant_type=client_credentials",
                                "-d", "client_id=drill", "-o", "/dev/null", "-w", "%{http_code}"], 0, "200"),
    ("statefulset/postgres", ["pg_isready"], 0, "/var/run/postgresql:5432 - accepting connections"),
    ("deployment/task-service", ["pg_isready", "-h", "postgres"], 0, "postgres:5432 - accepting connections"),
    ("statefulset/postgres", ["pg_controldata", "/var/lib/postgresql/data"], 0, "in production"),
    ("statefulset/postgres-replica", ["pg_controldata"], 0, "in archive recovery"),
    ("deployment/task-service", ["psql", "-h", "postgres", "-U", "postgres", "-c", "SELECT 1;"], 0, "(1 row)"),
    ("deployment/task-service", ["npm", "run", "verify:data"], 0, "data integrity verified"),
    ("deployment/task-service", ["netstat", "-tn"], 0, ":5432       ESTABLISHED"),
    ("deployment/task-service", ["sh", "-c", "netstat -an | grep 5432"], 0, "ESTABLISHED"),
    ("deployment/task-service", ["sh", "-c", "pg_isready -h postgres && echo 'db: ok' || echo 'db: down'"],
     0, "accepting connections\ndb: ok\n"),
    ("deployment/emr-service", ["sh", "-c", 'curl -fsS -o /dev/null -w "%{http_code}" -X POST ' + OAUTH
                                + ' -d "client_id=$CLIENT_ID" -d "client_secret=$CLIENT_SECRET"'], 0, "200"),
])
def test_runbook_commands_answer_like_the_healthy_platform(healthy, target, argv, code, needle):
    result = _exec(healthy, target, *argv)
    assert result.returncode == code, result.stderr
    assert needle in result.stdout


@pytest.mark.parametrize("target, argv, message", [
    ("deployment/task-service", ["frobnicate", "--now"], "sh: 1: frobnicate: not found"),
    ("deployment/api-gateway", ["pg_controldata"], "sh: 1: pg_controldata: not found"),
    ("statefulset/postgres", ["npm", "run", "verify:data"], "sh: 1: npm: not found"),
    ("deployment/task-service", ["sh", "-c", "nosuchtool -x"], "sh: 1: nosuchtool: not found"),
])
def test_anything_else_exits_127_like_a_shell(healthy, target, argv, message):
    result = _exec(healthy, target, *argv)
    assert result.returncode == 127
    assert message in result.stderr
    assert result.stdout == ""


def test_curl_fail_flag_and_unreachable_hosts(healthy):
    missing = _exec(healthy, "deployment/api-gateway", "curl", "-f", "http://localhost:3000/nope")
    assert missing.returncode == 22
    assert "curl: (22) The requested URL returned error: 404" in missing.stderr
    unknown = _exec(healthy, "deployment/api-gateway", "curl", "-sS", "http://billing-service:3000/health")
    assert unknown.returncode == 6 and "Could not resolve host: billing-service" in unknown.stderr
    no_client = _exec(healthy, "deployment/emr-service", "curl", "-fsS", "-X", "POST", OAUTH)
    assert no_client.returncode == 22 and "error: 401" in no_client.stderr


def test_exec_is_a_create_on_pods_exec_and_rbac_refuses_a_viewer(healthy):
    before = len(healthy.audit())
    ok = _exec(healthy, "statefulset/postgres", "pg_isready")
    assert ok.returncode == 0
    refused = _exec(healthy, "statefulset/postgres", "pg_isready", context="sim-viewer")
    assert refused.returncode != 0
    assert 'User "viewer" cannot create resource "pods/exec"' in refused.stderr
    records = [r for r in healthy.audit()[before:] if r["subresource"] == "exec"]
    assert {(r["user"], r["verb"], r["resource"], r["status"]) for r in records} == {
        ("sre", "create", "pods", 101), ("viewer", "create", "pods", 403)}
    can = healthy.kubectl("auth", "can-i", "create", "pods/exec", "-n", NS, context="sim-viewer", check=False)
    assert can.stdout.strip() == "no"


def test_a_container_that_is_not_running_cannot_be_exec_ed_into(sim):
    sim.control("POST", "/sim/scenarios/database-failure")

    def refused():
        advance(sim, 1)
        result = _exec(sim, "pod/postgres-0", "pg_isready")
        return result if result.returncode != 0 and "unable to upgrade connection" in result.stderr else None

    result = until_sync(refused, what="postgres-0's container to stop")
    assert 'container not found ("postgres")' in result.stderr
    assert result.stdout == ""


def test_database_failure_then_promotion_of_the_replica(sim):
    sim.control("POST", "/sim/scenarios/database-failure")
    advance(sim, 20)
    down = _exec(sim, "deployment/task-service", "pg_isready", "-h", "postgres")
    assert (down.returncode, down.stdout) == (2, "postgres:5432 - no response\n")
    verify = _exec(sim, "deployment/task-service", "npm", "run", "verify:data")
    assert verify.returncode == 1 and "ECONNREFUSED postgres:5432" in verify.stderr
    health = _exec(sim, "deployment/task-service", "curl", "-f", HEALTH)
    assert health.returncode == 22 and "returned error: 503" in health.stderr

    promoted = _exec(sim, "statefulset/postgres-replica", "pg_ctl", "promote")
    assert promoted.returncode == 0 and "server promoted" in promoted.stdout
    state = _exec(sim, "statefulset/postgres-replica", "pg_controldata")
    assert "Database cluster state:               in production" in state.stdout
    again = _exec(sim, "statefulset/postgres-replica", "psql", "-c", "SELECT pg_promote()")
    assert again.returncode == 1 and "recovery is not in progress" in again.stderr
    pod = json.loads(sim.kubectl("get", "pod", "postgres-replica-0", "-n", NS, "-o", "json").stdout)
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "primary"
    sts = json.loads(sim.kubectl("get", "statefulset", "postgres-replica", "-n", NS, "-o", "json").stdout)
    assert sts["metadata"]["labels"]["app.kubernetes.io/component"] == "primary"


def test_emr_upstream_down_fails_the_fhir_and_oauth_checks(sim):
    sim.control("POST", "/sim/scenarios/emr-integration-failure")
    fhir = _exec(sim, "deployment/emr-service", "curl", "-f", FHIR)
    assert fhir.returncode == 22 and "returned error: 503" in fhir.stderr
    oauth = _exec(sim, "deployment/emr-service", "curl", "-sS", "-X", "POST", OAUTH, "-d", "client_id=drill",
                  "-o", "/dev/null", "-w", "%{http_code}")
    assert (oauth.returncode, oauth.stdout) == (0, "503")


def test_netstat_in_the_compromised_pod_shows_the_intruders_connections(sim):
    from irtui.sim.scenarios import ATTACKER

    clean = _exec(sim, "deployment/sync-service", "netstat", "-tn")
    assert clean.returncode == 0 and ATTACKER not in clean.stdout
    sim.control("POST", "/sim/scenarios/security-breach")
    breached = _exec(sim, "deployment/sync-service", "netstat", "-tn")
    assert breached.returncode == 0
    assert len(re.findall(rf"{re.escape(ATTACKER)}:443 +ESTABLISHED", breached.stdout)) == 2
    # Only the pods the intruder runs in: the other services' connections are their own.
    other = _exec(sim, "deployment/emr-service", "netstat", "-tn")
    assert ATTACKER not in other.stdout
