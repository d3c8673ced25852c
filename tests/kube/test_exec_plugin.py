"""Exec credential plugins: their own error is the connection error, a plugin that never
answers is given up on (and killed), and a working one's token reaches the cluster."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from irtui.kube import exec_plugin
from irtui.kube.client import KubeConfigError, connect
from irtui.kube.errors import ApiError
from irtui.kube.rest import RestClient

SIM_TOKEN = "irtui-sim-sre"  # the simulator's token for its "sre" user (irtui/sim/rbac.toml)


def _plugin(tmp_path: Path, name: str, body: str) -> Path:
    script = tmp_path / name
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _kubeconfig(sim, tmp_path: Path, command: str, **exec_extra) -> str:
    """The simulator's kubeconfig with its current user authenticating through `command`."""
    doc = yaml.safe_load(Path(sim.kubeconfig).read_text())
    current = next(c for c in doc["contexts"] if c["name"] == doc["current-context"])
    user = next(u for u in doc["users"] if u["name"] == current["context"]["user"])
    user["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": command,
                             "interactiveMode": "Never", **exec_extra}}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def _credential(token: str, expires: datetime | None = None) -> str:
    status = {"token": token}
    if expires is not None:
        status["expirationTimestamp"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": status})


def test_a_failing_plugin_says_why_in_one_line_without_its_secrets(sim, tmp_path):
    plugin = _plugin(tmp_path, "login", "echo 'error: refresh failed for Bearer s3cr3t-t0ken-value: "
                                        "run aws sso login --profile prod' >&2\nexit 1\n")
    kubeconfig = _kubeconfig(sim, tmp_path, str(plugin))
    result = subprocess.run([sys.executable, "-m", "irtui", "--kubeconfig", kubeconfig],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"exec plugin {plugin}: error: refresh failed for Bearer" in lines[0]
    assert "run aws sso login --profile prod" in lines[0]
    assert "s3cr3t-t0ken-value" not in lines[0]
    assert "401" not in lines[0] and "Traceback" not in result.stderr
    assert not sim.audit(), "nothing is sent without credentials"


def test_a_plugin_that_never_answers_is_given_up_on_and_killed(sim, tmp_path, monkeypatch):
    monkeypatch.setattr(exec_plugin, "EXEC_TIMEOUT", 1.0)
    pids = tmp_path / "pids"
    # A shell waiting on a child, as wrappers around a browser login do: both must go.
    plugin = _plugin(tmp_path, "hang", f"sleep 600 &\necho $$ $! > {pids}\nwait\n")
    kubeconfig = _kubeconfig(sim, tmp_path, str(plugin))
    with pytest.raises(KubeConfigError) as caught:
        connect(kubeconfig=kubeconfig)
    assert f"exec plugin {plugin} did not answer within 1 s" in str(caught.value)
    for pid in map(int, pids.read_text().split()):
        assert not _alive(pid), f"process {pid} of the plugin outlived the timeout"


def test_a_working_plugin_authenticates_and_is_asked_again_when_its_token_expires(sim, tmp_path):
    runs = tmp_path / "runs"
    # Expiring in 30 s: inside the refresh margin, so every request asks the plugin again;
    # from its fifth run on, the plugin's session has ended and it says so.
    expires = datetime.now(timezone.utc) + timedelta(seconds=30)
    _plugin(tmp_path, "token", f"echo run >> {runs}\n"
                               f"test \"$CLUSTER_NAME\" = prod || exit 3\n"
                               f"if [ $(wc -l < {runs}) -ge 5 ]; then echo 'error: SSO session expired' >&2; exit 1; fi\n"
                               f"cat <<'EOF'\n{_credential(SIM_TOKEN, expires)}\nEOF\n")
    kubeconfig = _kubeconfig(sim, tmp_path, "./token", env=[{"name": "CLUSTER_NAME", "value": "prod"}])
    connection = connect(kubeconfig=kubeconfig)
    api = RestClient(connection.api_client)
    api.get_json("/api/v1/namespaces/emrtask-prod/pods")
    api.get_json("/api/v1/nodes")
    assert len(runs.read_text().splitlines()) == 4  # at connect (and its first use), then per request
    seen = [r for r in sim.audit() if r["path"] in ("/api/v1/namespaces/emrtask-prod/pods", "/api/v1/nodes")]
    assert [r["user"] for r in seen] == ["sre", "sre"]
    # The refresh fails: the request is not sent, and its error is the plugin's own words.
    with pytest.raises(ApiError, match="exec plugin ./token: error: SSO session expired"):
        api.get_json("/api/v1/nodes")
    with pytest.raises(ApiError, match="SSO session expired"):  # the same answer, not a new run
        api.get_json("/api/v1/nodes")
    assert len(runs.read_text().splitlines()) == 5
    assert len(sim.audit()) == len(seen)


def _alive(pid: int) -> bool:
    deadline = time.monotonic() + 5  # the kill is sent; the kernel may take a moment to reap
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        if _zombie(pid):
            return False
        time.sleep(0.05)
    return True


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
