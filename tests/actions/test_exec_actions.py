"""The exec steps through the executor against the simulator: the exact argv and kubectl line
are confirmed, the command runs over the client's WebSocket stream, and the timeline keeps
the command, the exit code and a bounded digest of the output. Read-only refuses below the
screens (the audit log has no exec), unless the step only reads and the config allows it.
"""

from __future__ import annotations

import hashlib

import pytest

from irtui.actions import registry
from irtui.actions.model import Target
from irtui.actions.output import HEAD_BYTES, TAIL_BYTES, OutputDigest, decode_output
from irtui.kube.exec import ExecError, run_exec
from irtui.safety import ReadOnlyError
from irtui.ui.action_bindings import action_bindings

from actionhelp import NS, Responder, make_env, runner_for
from polling import until, until_sync


class Recorded(list):
    async def record(self, kind, text, details):
        self.append((kind, text, details))


def _execs(sim) -> list[dict]:
    return [r for r in sim.audit() if r.get("subresource") == "exec"]


async def _execs_recorded(sim, count: int) -> list[dict]:
    """The exec requests, once `count` are in the audit log (a WebSocket's line is written
    when it closes, which may be just after the client has returned)."""
    return await until(lambda: len(_execs(sim)) >= count and _execs(sim),
                       f"{count} exec(s) in the audit log", blocking=True)


def _pod_of(sim, app: str) -> str:
    out = sim.kubectl("get", "pods", "-n", NS, "-l", f"app={app}", "-o", "jsonpath={.items[0].metadata.name}")
    return out.stdout.strip()


async def test_health_curl_on_a_pod_is_confirmed_run_and_recorded(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path)
    recorded, responder = Recorded(), Responder()
    pod = _pod_of(sim, "api-gateway")
    outcome = await runner_for(env, recorded, responder).run("exec.health_curl", Target("pod", pod, NS))
    assert outcome.status == "done", outcome
    request = responder.requests[0]
    assert request.command == (f"kubectl --context sim-sre exec -n {NS} {pod} -c api-gateway -- "
                               "curl -fsS http://localhost:3000/health")
    assert "argv: curl -fsS http://localhost:3000/health" in request.summary
    kinds = [kind for kind, _, _ in recorded]
    assert kinds == ["action_started", "action_finished"]
    finished = recorded[-1][2]
    assert finished["details"]["exit_code"] == 0
    assert finished["details"]["argv"] == ["curl", "-fsS", "http://localhost:3000/health"]
    output = finished["details"]["output"]
    assert '"status": "ok"' in output["head"]
    assert len(output["sha256"]) == 64
    assert [(r["user"], r["verb"], r["name"], r["status"]) for r in await _execs_recorded(sim, 1)] == [
        ("sre", "create", pod, 101)]


async def test_a_failing_check_records_its_exit_code(sim, tmp_path):
    sim.control("POST", "/sim/scenarios/emr-integration-failure")
    env = make_env(sim, "sim-sre", tmp_path)
    recorded = Recorded()
    # The step names its workload: whatever is selected, it runs in emr-service.
    outcome = await runner_for(env, recorded).run("exec.fhir_check", Target("namespace", NS, NS))
    assert outcome.status == "done"
    assert outcome.message.startswith("exit 22")
    details = recorded[-1][2]["details"]
    assert details["exit_code"] == 22 and details["pod"].startswith("emr-service-")
    assert "returned error: 503" in details["output"]["head"]


async def test_oauth_check_takes_credentials_from_the_pod_and_prints_only_the_status(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path)
    recorded = Recorded()
    outcome = await runner_for(env, recorded).run("exec.oauth_check", Target("namespace", NS, NS))
    details = recorded[-1][2]["details"]
    assert (outcome.status, details["exit_code"], details["output"]["head"]) == ("done", 0, "200\n")
    assert "$CLIENT_ID" in details["argv"][2]  # expanded in the pod, never here


async def test_read_only_refuses_the_exec_below_the_screens(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path, read_only=True)
    recorded, responder = Recorded(), Responder()
    pod = _pod_of(sim, "api-gateway")
    outcome = await runner_for(env, recorded, responder).run("exec.health_curl", Target("pod", pod, NS))
    assert outcome.status == "unavailable"
    assert "create on pods/exec" in outcome.message and "allow_read_only_exec" in outcome.message
    assert responder.requests == [] and recorded == []
    # The client itself refuses, whatever called it.
    with pytest.raises(ReadOnlyError):
        run_exec(env.kube.api, env.guard, NS, pod, None, ["curl", "-fsS", "http://localhost:3000/health"],
                 on_output=lambda channel, data: None)
    assert _execs(sim) == []


async def test_read_only_runs_a_read_only_step_when_the_config_allows_it(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path, read_only=True, allow_read_only_exec=True)
    recorded = Recorded()
    outcome = await runner_for(env, recorded).run("exec.pg_isready", Target("namespace", NS, NS))
    assert outcome.status == "done", outcome
    assert recorded[-1][2]["details"]["output"]["head"] == "/var/run/postgresql:5432 - accepting connections\n"
    assert [r["name"] for r in await _execs_recorded(sim, 1)] == ["postgres-0"]
    # Everything else stays refused.
    refused = await runner_for(env, recorded).run("kube.delete_pod", Target("pod", "postgres-0", NS))
    assert refused.status == "unavailable"


async def test_rbac_without_create_on_pods_exec_is_unavailable(sim, tmp_path):
    env = make_env(sim, "sim-viewer", tmp_path)
    outcome = await runner_for(env, Recorded()).run("exec.pg_controldata", Target("namespace", NS, NS))
    assert outcome.status == "unavailable"
    assert "may not create pods/exec" in outcome.message
    assert _execs(sim) == []


def test_a_cancelled_exec_stops_and_reports_no_exit_code(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path)
    pod = _pod_of(sim, "task-service")
    polls = []

    def cancelled() -> bool:
        polls.append(1)
        return len(polls) > 3  # the responder pressed escape a moment after it started

    result = run_exec(env.kube.api, env.guard, NS, pod, None, ["sleep", "300"], on_output=lambda c, d: None,
                      cancelled=cancelled)
    assert result.cancelled and result.exit_code is None
    record = until_sync(lambda: [r for r in _execs(sim) if r["name"] == pod], "the exec's audit line")
    assert record[0]["verb"] == "create"


def test_a_refused_exec_is_one_line_from_the_api_server(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path)
    with pytest.raises(ExecError, match=r'^404: pods "no-such-pod" not found$'):
        run_exec(env.kube.api, env.guard, NS, "no-such-pod", None, ["true"], on_output=lambda c, d: None)


def test_every_exec_step_is_declared_once_with_a_free_key():
    specs = [s for s in registry.all_actions() if s.group == "exec"]
    assert {s.id for s in specs} == set(registry.EXEC_STEPS)
    keys = [b.key for b in action_bindings()]
    assert len(keys) == len(set(keys))
    for spec in specs:
        assert spec.mutating and spec.command.startswith("kubectl exec -n <namespace> ")


def test_the_digest_is_bounded_and_hashes_everything():
    digest = OutputDigest()
    lines = [f"line {i:05d} {'x' * 40}\n".encode() for i in range(5000)]
    for line in lines:
        digest.feed(line)
    summary = digest.summary()
    whole = b"".join(lines)
    assert summary["sha256"] == hashlib.sha256(whole).hexdigest()
    assert summary["bytes"] == len(whole) and summary["lines"] == 5000
    assert len(summary["head"]) + len(summary["tail"]) <= HEAD_BYTES + TAIL_BYTES
    assert summary["head"].startswith("line 00000") and summary["tail"].endswith("line 04999 " + "x" * 40 + "\n")
    assert summary["omitted_bytes"] > 0


def test_control_characters_become_visible():
    assert decode_output("ok\x1b[2J\u202eevil\x07\n".encode()) == "ok␛[2J\\u202eevil␇\n"


def test_the_default_runbook_names_the_exec_steps_as_the_registry_declares_them():
    import shlex

    from irtui.runbook import load_runbook, runbook_path

    runbook = load_runbook(runbook_path(None, None))
    referenced = {action for phase in runbook.phases for step in phase.steps for action in step.actions}
    referenced |= {command.action for playbook in runbook.playbooks for step in playbook.steps
                   for command in step.commands if command.action}
    for action_id in registry.EXEC_STEPS:
        assert action_id in referenced, action_id
    # Where a playbook quotes the runbook document's `kubectl exec`, the registry runs that argv.
    quoted = [(command.command, command.action) for playbook in runbook.playbooks for step in playbook.steps
              for command in step.commands if command.action in registry.EXEC_STEPS]
    assert quoted
    for text, action_id in quoted:
        argv = shlex.split(text)
        program, ours = argv[argv.index("--") + 1], registry.EXEC_STEPS[action_id].argv
        # The OAuth check runs through the pod's shell (`sh -c 'curl ...'`) to expand its env there.
        assert program == ours[0] or (ours[:2] == ("sh", "-c") and ours[2].split()[0] == program), (text, action_id)


def test_allow_read_only_exec_is_off_unless_configured(tmp_path):
    from irtui.actions.settings import ActionSettings
    from irtui.config import Config, ConfigError

    assert ActionSettings.load(None).allow_read_only_exec is False
    path = tmp_path / "config.toml"
    path.write_text('[actions]\nallow_read_only_exec = true\n\n[contexts."prod".actions]\nallow_read_only_exec = false\n')
    assert ActionSettings.load(Config.load(path), "dev").allow_read_only_exec is True
    assert ActionSettings.load(Config.load(path), "prod").allow_read_only_exec is False
    path.write_text('[actions]\nallow_read_only_exec = "sometimes"\n')
    with pytest.raises(ConfigError, match="allow_read_only_exec"):
        ActionSettings.load(Config.load(path))
