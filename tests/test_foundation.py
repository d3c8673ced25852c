"""The command line and the read-only guard, which everything else is built on."""

import subprocess
import sys

import pytest
from kubernetes import client as k8s

from irtui.config import Config, ConfigError
from irtui.kube.client import guarded_api_client, is_mutating
from irtui.kube.printers import human_duration, pod_summary
from irtui.kube.rest import RestClient
from irtui.safety import Guard, ReadOnlyError


def test_help_runs_without_a_cluster():
    out = subprocess.run([sys.executable, "-m", "irtui", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "demo" in out.stdout and "sim" in out.stdout


def test_access_reviews_are_not_mutations():
    assert not is_mutating("POST", "https://x/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
    assert is_mutating("POST", "https://x/api/v1/namespaces/a/pods")
    assert is_mutating("PATCH", "https://x/apis/apps/v1/namespaces/a/deployments/b")
    assert not is_mutating("GET", "https://x/api/v1/pods?watch=true")


def test_read_only_guard_refuses_before_any_socket_is_opened():
    # Port 9 on loopback: if the guard let the request through, it would fail to connect
    # with a different error.
    configuration = k8s.Configuration(host="http://127.0.0.1:9")
    api = guarded_api_client(configuration, Guard(read_only=True))
    with pytest.raises(ReadOnlyError):
        RestClient(api).request("DELETE", "/api/v1/namespaces/ns/pods/p")
    # The official client's typed API over the same transport is refused as well.
    official = k8s.ApiClient(configuration)
    official.rest_client = api.rest_client
    with pytest.raises(ReadOnlyError):
        k8s.CoreV1Api(official).delete_namespaced_pod("p", "ns")


def test_guard_cannot_be_loosened():
    guard = Guard(read_only=True)
    with pytest.raises(AttributeError):
        guard.read_only = False  # type: ignore[misc]


def test_config_error_names_file_line_and_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[cluster]\nnamespace = "a"\n\n[actions]\nbulk_confirm_over = "many"\n')
    config = Config.load(path)
    with pytest.raises(ConfigError) as err:
        config.section("actions").get("bulk_confirm_over", int)
    assert err.value.line == 5 and err.value.key == "actions.bulk_confirm_over"
    assert f"{path}:5: actions.bulk_confirm_over:" in str(err.value)


def test_config_syntax_error_has_a_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[cluster]\nnamespace = \n')
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert err.value.line == 2


def test_kubectl_printer_words():
    assert human_duration(125) == "2m5s" and human_duration(3 * 86400 + 3600) == "3d1h"
    crashing = {
        "spec": {"containers": [{"name": "app"}]},
        "status": {"phase": "Running", "containerStatuses": [{
            "name": "app", "ready": False, "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-01-01T00:00:00Z"}},
        }]},
        "metadata": {},
    }
    summary = pod_summary(crashing)
    assert (summary.ready, summary.status, summary.restarts) == ("0/1", "CrashLoopBackOff", 4)


async def test_guarded_http_client_refuses_posts_in_read_only():
    async with __import__("irtui.safety", fromlist=["x"]).guarded_http_client(
        Guard(read_only=True), base_url="http://127.0.0.1:9"
    ) as http:
        with pytest.raises(ReadOnlyError):
            await http.post("/hook", json={"text": "x"})
