"""What object a runbook step names, read from its kubectl command."""

from __future__ import annotations

import pytest

from irtui.actions.model import Target
from irtui.runbook.targets import named_target

NS = "emrtask-prod"


@pytest.mark.parametrize("command, target", [
    ("kubectl rollout restart deployment/api-gateway -n emrtask-prod", Target("deployment", "api-gateway", NS)),
    # kubectl's other spelling, `kind name`: the database playbook's "Attempt restart".
    ("kubectl delete pod postgres-0 -n emrtask-prod", Target("pod", "postgres-0", NS)),
    ("kubectl get statefulset postgres -n other", Target("statefulset", "postgres", "other")),
    ("kubectl edit configmap postgres-config -n emrtask-prod", Target("configmap", "postgres-config", NS)),
    ("kubectl cordon node/ip-10-0-1-23", Target("node", "ip-10-0-1-23", None)),
])
def test_a_command_names_its_object(command, target):
    assert named_target([command], NS) == target


@pytest.mark.parametrize("command", [
    "kubectl get pods -A | grep -v Running",
    "kubectl describe pod -n emrtask-prod <pod-name>",
    "kubectl delete secret -n emrtask-prod <compromised-secret>",
    "kubectl get nodes",
    "kubectl top pods -n emrtask-prod",
])
def test_placeholders_and_lists_name_nothing(command):
    assert named_target([command], NS) is None
