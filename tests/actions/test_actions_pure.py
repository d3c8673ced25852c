"""The parts of the actions package that need no cluster: declarations, settings, rollback
revision choice, env parameters, forensic redaction, describe text, the helm guard."""

from __future__ import annotations

import pytest

from irtui.actions import registry
from irtui.actions.forensics import events_table, redact_secret
from irtui.actions.helm import HelmRunner
from irtui.actions.investigate import describe_pod, is_error_line
from irtui.actions.kube import env_params, previous_revision
from irtui.actions.model import ActionError, Danger
from irtui.actions.settings import ActionSettings
from irtui.config import Config, ConfigError
from irtui.redact import redact
from irtui.safety import Guard, ReadOnlyError
from irtui.ui.action_bindings import action_bindings

RUNBOOK_IDS = {
    "kube.rollout_restart", "kube.rollout_restart_all", "kube.scale", "kube.isolate", "kube.delete_pod",
    "kube.force_delete_pod", "kube.rollback", "helm.rollback", "helm.history", "kube.set_env",
    "kube.unset_env", "kube.delete_secret", "kube.cordon", "kube.uncordon", "kube.drain",
    "forensics.collect", "health.check_all", "db.cancel_backend", "db.terminate_backend",
    "db.terminate_long_running", "db.promote_replica", "kube.edit_configmap", "kube.rollout_status",
    "exec.health_curl", "exec.fhir_check", "exec.oauth_check", "exec.verify_data", "exec.pg_isready",
    "exec.pg_controldata", "exec.netstat",
    "smoke.run", "dr.failover", "db.restore_backup", "vault.revoke_token",
}


def test_every_runbook_action_is_declared_once_with_a_distinct_key():
    ids = [spec.id for spec in registry.all_actions()]
    assert set(ids) == RUNBOOK_IDS and len(ids) == len(set(ids))
    keys = [item.key for item in (*registry.all_actions(), *registry.VIEWS)]
    assert len(keys) == len(set(keys)), "two actions share a default key"
    for spec in registry.all_actions():
        assert spec.title and spec.command and spec.dry_run and spec.target_kinds
        assert registry.implementation(spec) is not None


def test_the_runbook_says_high_danger_for_these():
    high = {spec.id for spec in registry.all_actions() if spec.danger is Danger.HIGH}
    assert {"kube.isolate", "kube.delete_secret", "kube.force_delete_pod", "kube.rollout_restart_all", "kube.drain"} <= high
    scale = registry.get("kube.scale")
    assert scale.effective_danger({"replicas": 0}) is Danger.HIGH
    assert scale.effective_danger({"replicas": 3}) is Danger.MEDIUM


def test_bindings_carry_ids_for_remapping():
    bindings = action_bindings()
    by_id = {b.id: b for b in bindings}
    assert by_id["kube.scale"].key == "S"
    assert by_id["kube.scale"].action == "run_irtui_action('kube.scale')"
    assert action_bindings(keys={"kube.scale": "ctrl+s"}, ids=["kube.scale"])[0].key == "ctrl+s"


def test_settings_precedence_and_errors(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[actions]\nbulk_confirm_over = 5\n\n[contexts."prod-eu".actions]\nbulk_confirm_over = 1\n')
    config = Config.load(path)
    assert ActionSettings.load(config, "dev").bulk_confirm_over == 5
    assert ActionSettings.load(config, "prod-eu").bulk_confirm_over == 1
    path.write_text('[actions]\nrepeat_windw = 3\n')
    with pytest.raises(ConfigError) as err:
        ActionSettings.load(Config.load(path))
    assert err.value.line == 2


def test_read_only_is_one_setting_of_the_session_not_of_the_actions(tmp_path, monkeypatch):
    """The actions have no read-only switch of their own: an `[actions] read_only` is an error
    that says where the setting lives, and the session's Guard (flag > env > per-context >
    global `[cluster] read_only`) is the one the actions obey."""
    from types import SimpleNamespace

    from irtui.actions.base import ActionEnv
    from irtui.actions.executor import ActionRunner
    from irtui.actions.model import Target
    from irtui.ui.main import read_only_setting

    assert not hasattr(ActionSettings(), "read_only")
    path = tmp_path / "config.toml"
    for text, line in (('[actions]\nbulk_confirm_over = 5\nread_only = true\n', 3),
                       ('[contexts."prod-eu".actions]\n\nread_only = true\n', 3)):
        path.write_text(text)
        with pytest.raises(ConfigError) as err:
            ActionSettings.load(Config.load(path), "dev")
        assert err.value.line == line and "read_only" in err.value.key and "[cluster]" in err.value.message

    path.write_text('[cluster]\nread_only = false\n\n[contexts."prod-eu".cluster]\nread_only = true\n')
    config = Config.load(path)
    monkeypatch.delenv("IRTUI_READ_ONLY", raising=False)
    no_flag, flag = SimpleNamespace(read_only=None), SimpleNamespace(read_only=True)
    assert read_only_setting(no_flag, config, "prod-eu") is True
    assert read_only_setting(no_flag, config, "dev") is False
    assert read_only_setting(flag, config, "dev") is True
    monkeypatch.setenv("IRTUI_READ_ONLY", "1")
    assert read_only_setting(no_flag, config, "dev") is True

    # The actions read the connection's Guard: tightening it makes every mutating action
    # unavailable, with no settings involved.
    guard = Guard()
    conn = SimpleNamespace(guard=guard, api_client=None, context="dev", cluster_url="", namespace="ns",
                           user="u", actor="a", in_cluster=False, kubeconfig=None)
    env = ActionEnv.from_connection(conn, ActionSettings.load(config, "dev"))
    env.kube = None  # no cluster: only the static checks are asked
    runner = ActionRunner(env, recorder=None)
    target = Target("deployment", "task-service", "ns")
    assert runner.static_availability(registry.get("kube.rollout_restart"), target).reason != "read-only"
    guard.make_read_only()
    assert runner.static_availability(registry.get("kube.rollout_restart"), target).reason == "read-only"
    # Reading stays possible: a read-only terminal can still check a rollout.
    assert runner.static_availability(registry.get("kube.rollout_status"), target).reason != "read-only"


def test_production_pattern():
    settings = ActionSettings()
    assert settings.is_production("sim-sre", "emrtask-prod")
    assert settings.is_production("production")
    assert not settings.is_production("sim-sre", "emrtask-staging", "products")


def _rs(name, revision, image):
    return {"metadata": {"name": name, "annotations": {"deployment.kubernetes.io/revision": str(revision)}},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}


def test_rollback_picks_the_second_highest_revision_like_kubectl():
    deployment = {"metadata": {"name": "api"}}
    rses = [_rs("a", 1, "v1"), _rs("c", 3, "v3"), _rs("b", 2, "v2")]
    rs, revision = previous_revision(deployment, rses)
    assert (rs["metadata"]["name"], revision) == ("b", 2)
    with pytest.raises(ActionError, match="no rollout history"):
        previous_revision(deployment, [_rs("a", 1, "v1")])


def test_env_params_accept_presets():
    assert env_params({"name": "EMR_FALLBACK_MODE=true"}) == ("EMR_FALLBACK_MODE", "true")
    assert env_params({"name": "LOG_LEVEL", "value": "debug"}) == ("LOG_LEVEL", "debug")
    with pytest.raises(ActionError):
        env_params({})


def test_secret_values_never_survive_redaction():
    secret = {"kind": "Secret", "metadata": {"name": "db", "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"password":"aHVudGVyMg=="}}'}},
        "data": {"password": "aHVudGVyMg=="}, "stringData": {"token": "s3cr3t"}}
    text = str(redact_secret(secret))
    assert "aHVudGVyMg==" not in text and "s3cr3t" not in text and "password" in text
    pod = {"spec": {"containers": [{"env": [{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "LOG_LEVEL", "value": "info"}]}]}}
    text = str(redact(pod))
    assert "hunter2" not in text and "info" in text


def test_events_table_has_kubectl_columns():
    table = events_table([{"type": "Warning", "reason": "BackOff", "message": "Back-off restarting",
                           "involvedObject": {"kind": "Pod", "name": "p"}, "lastTimestamp": "2026-01-01T00:00:00Z"}])
    assert table.splitlines()[0].split()[:4] == ["LAST", "SEEN", "TYPE", "REASON"]
    assert "pod/p" in table and "Back-off restarting" in table


def test_describe_pod_shows_states_conditions_and_events():
    pod = {"metadata": {"name": "p", "namespace": "ns"}, "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "img:1"}]},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
                      "containerStatuses": [{"name": "app", "restartCount": 4, "ready": False,
                                             "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                                             "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}]}}
    text = describe_pod(pod, [{"type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container"}])
    assert "Waiting: CrashLoopBackOff" in text and "Terminated: Error (exit code 1" in text
    assert "ContainersNotReady" in text and "Back-off restarting failed container" in text


def test_error_lines():
    assert is_error_line("2026-01-01 ERROR pool exhausted")
    assert is_error_line('{"level":"error","msg":"x"}')
    assert not is_error_line("INFO all good, no errors here")


def test_helm_runner_consults_the_guard_before_looking_for_helm():
    runner = HelmRunner(Guard(read_only=True), binary="/nonexistent/helm", context="ctx")
    with pytest.raises(ReadOnlyError):
        runner.run("rollback", "emrtask-prod", "-n", "emrtask-prod")
    with pytest.raises(ReadOnlyError):
        runner.run("rollback", "emrtask-prod", "--dry-run", mutating=False, dry_run=True)
    # An unknown subcommand counts as a change.
    with pytest.raises(ReadOnlyError):
        runner.run("uninstall", "emrtask-prod")
    assert runner.argv("history", "r")[-2:] == ["--kube-context", "ctx"]


async def test_helm_actions_say_why_they_are_unavailable_without_helm(tmp_path):
    import shutil

    from irtui.actions.base import ActionEnv
    from irtui.actions.executor import ActionRunner
    from irtui.actions.model import Target

    if shutil.which("helm"):
        pytest.skip("helm is installed here; its absence cannot be shown")
    env = ActionEnv(guard=Guard(), settings=ActionSettings())
    runner = ActionRunner(env, recorder=None)
    for action_id in ("helm.rollback", "helm.history"):
        available = await runner.availability(action_id, Target("release", "emrtask-prod", "emrtask-prod"))
        assert not available.available and available.reason == "helm is not installed"
