"""An action is declared once, in the registry: the runbook names it by id and gives each
step its target; `irtui runbook check` says file:line when an id or a target is wrong."""

import subprocess
import sys

import pytest

from irtui.actions import registry
from irtui.actions.model import Danger, Target
from irtui.runbook import DEFAULT_RUNBOOK, check_runbook, load_runbook


def mutated(tmp_path, *replacements):
    text = DEFAULT_RUNBOOK.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines()


def line_of(lines, needle):
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def check(path):
    return subprocess.run([sys.executable, "-m", "irtui", "runbook", "check", str(path)], capture_output=True,
                          text=True, timeout=60)


def test_unknown_ids_and_wrong_target_kinds_fail_with_file_and_line(tmp_path):
    path, lines = mutated(
        tmp_path,
        ('action = "kube.delete_pod", target = "pod/postgres-0"', 'action = "kube.delete_pods", target = "pod/postgres-0"'),
        ('action = "kube.edit_configmap", target = "configmap/postgres-config"',
         'action = "kube.edit_configmap", target = "deployment/postgres-config"'),
        ('action = "kube.delete_secret", target = "secret"', 'action = "kube.delete_secret", target = "vault/x"'),
        ('actions = ["kube.top"]', 'actions = ["kube.topp"]'),
    )
    done = check(path)
    assert done.returncode == 1, done.stdout
    out = done.stdout
    assert f"{path}:{line_of(lines, 'kube.delete_pods')}: " in out and "unknown action 'kube.delete_pods'" in out
    assert (f"{path}:{line_of(lines, 'deployment/postgres-config')}: " in out
            and "kube.edit_configmap applies to configmap, not deployment" in out)
    assert f"{path}:{line_of(lines, 'vault/x')}: " in out and "unknown target kind 'vault'" in out
    assert f"{path}:{line_of(lines, 'kube.topp')}: " in out and "unknown action 'kube.topp'" in out
    assert "Traceback" not in done.stderr


def test_a_runbook_that_declares_actions_again_is_refused(tmp_path):
    path, lines = mutated(tmp_path, ("[[actions.custom]]", '[[actions]]\nid = "kube.scale"\ntitle = "Scale"\n'
                                                           'kind = "remediation"\ndanger = "high"\n'
                                                           'command = "kubectl scale"\n\n[[actions.custom]]'))
    runbook, errors = check_runbook(path)
    assert runbook is None
    assert any("declared in irtui's registry" in e.message for e in errors), [str(e) for e in errors]


def test_a_team_step_needs_a_fresh_id_and_a_known_kind(tmp_path):
    path, lines = mutated(tmp_path, ('id = "cache.flush"', 'id = "kube.scale"'), ('kind = "script"', 'kind = "ssh"'))
    _, errors = check_runbook(path)
    messages = {(e.key, e.line): e.message for e in errors}
    assert "is irtui's own action" in messages[("actions.custom[0].id", line_of(lines, 'id = "kube.scale"'))]
    assert messages[("actions.custom[0].kind", line_of(lines, 'kind = "ssh"'))].startswith("must be one of exec, script, http")


def test_the_runbook_takes_titles_and_danger_from_the_registry():
    runbook = load_runbook()
    assert runbook.actions["kube.scale"].danger == registry.get("kube.scale").danger.label == "medium"
    assert runbook.actions["kube.rollout_restart"].title == registry.get("kube.rollout_restart").title
    assert runbook.actions["notify.slack"].kind == "communication"
    assert runbook.actions["cache.flush"].title == "Flush cache"
    steps = [c for book in runbook.playbooks for step in book.steps for c in step.commands]
    assert ("kube.delete_pod", "pod/postgres-0") in {(c.action, c.target) for c in steps}
    for command in steps:
        if command.action and command.target:
            kind = command.target.partition("/")[0]
            declared = registry.declared(command.action)
            assert declared is None or kind in declared.target_kinds, command


NS = "emrtask-prod"


@pytest.mark.parametrize("action_id, target, params, danger", [
    ("kube.delete_pod", Target("pod", "postgres-0", NS), {}, Danger.HIGH),     # the database primary
    ("kube.delete_pod", Target("pod", "postgres-replica-0", NS), {}, Danger.MEDIUM),
    ("kube.delete_pod", Target("pod", "api-gateway-5d9f-abcde", NS), {}, Danger.MEDIUM),
    ("kube.delete_secret", Target("secret", "postgres-credentials", NS), {}, Danger.HIGH),
    ("kube.scale", Target("deployment", "task-service", NS), {"replicas": 0}, Danger.HIGH),
    ("kube.scale", Target("deployment", "task-service", NS), {"replicas": 2}, Danger.MEDIUM),
    ("kube.isolate", Target("deployment", "task-service", NS), {}, Danger.HIGH),
    ("dr.failover", Target("namespace", NS, NS), {}, Danger.HIGH),
    ("db.promote_replica", Target("database", "primary"), {}, Danger.HIGH),
])
def test_the_registry_says_high_danger_for_the_irreversible(action_id, target, params, danger):
    assert registry.get(action_id).effective_danger(params, target) is danger
