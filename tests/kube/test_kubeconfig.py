"""The kubeconfig reader sets the client exactly as the official loader does, and runs exec
plugins to the same effect; the checks compare both on the same files (the official loader
is the oracle)."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from irtui.kube import kubeconfig
from irtui.kube.client import KubeConfigError, connect
from irtui.kube.rest import RestClient

FIELDS = ("host", "verify_ssl", "tls_server_name", "proxy", "api_key")
FILE_FIELDS = ("ssl_ca_cert", "cert_file", "key_file")


def official(path: str | None, context: str):
    from kubernetes import client, config

    configuration = client.Configuration()
    config.load_kube_config(config_file=path, context=context, client_configuration=configuration,
                            persist_config=False)
    return configuration


def ours(path: str | None, context: str):
    from kubernetes import client

    configuration = client.Configuration()
    cfg = kubeconfig.read(path)
    assert kubeconfig.configure(cfg, kubeconfig.choose(cfg, context), configuration)
    return configuration


def same(a, b) -> None:
    for name in FIELDS:
        assert getattr(a, name) == getattr(b, name), name
    for name in FILE_FIELDS:
        left, right = getattr(a, name), getattr(b, name)
        assert (left is None) == (right is None), name
        if left is not None:
            assert Path(left).read_bytes() == Path(right).read_bytes(), name


def write(path: Path, doc: dict) -> str:
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def b64(data: bytes) -> str:
    return base64.standard_b64encode(data).decode()


@pytest.fixture
def certs(tmp_path):
    (tmp_path / "pki").mkdir()
    for name in ("ca.crt", "client.crt", "client.key"):
        (tmp_path / "pki" / name).write_bytes(f"-----{name}-----\n".encode())
    (tmp_path / "token").write_text("file-token")
    return tmp_path


def test_same_settings_as_the_official_loader(certs):
    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": "inline",
        "clusters": [
            {"name": "inline", "cluster": {"server": "https://10.0.0.1:6443/", "certificate-authority-data": b64(b"inline-ca")}},
            {"name": "files", "cluster": {"server": "https://k8s.example:443", "certificate-authority": "pki/ca.crt",
                                          "tls-server-name": "api.internal", "proxy-url": "http://proxy.example:3128"}},
            {"name": "insecure", "cluster": {"server": "https://10.0.0.2", "insecure-skip-tls-verify": True}},
            {"name": "plain", "cluster": {"server": "http://127.0.0.1:8080"}},
        ],
        "users": [
            {"name": "token", "user": {"token": "abc.def"}},
            {"name": "token-file", "user": {"tokenFile": "token"}},
            {"name": "certs", "user": {"client-certificate": "pki/client.crt", "client-key": "pki/client.key"}},
            {"name": "cert-data", "user": {"client-certificate-data": b64(b"crt"), "client-key-data": b64(b"key")}},
            {"name": "basic", "user": {"username": "admin", "password": "s3cret"}},
        ],
        "contexts": [
            {"name": "inline", "context": {"cluster": "inline", "user": "token"}},
            {"name": "files", "context": {"cluster": "files", "user": "certs", "namespace": "ops"}},
            {"name": "token-file", "context": {"cluster": "files", "user": "token-file"}},
            {"name": "cert-data", "context": {"cluster": "insecure", "user": "cert-data"}},
            {"name": "basic", "context": {"cluster": "inline", "user": "basic"}},
            {"name": "no-user", "context": {"cluster": "plain"}},
        ],
    }
    path = write(certs / "config", doc)
    for context in ("inline", "files", "token-file", "cert-data", "basic", "no-user"):
        same(ours(path, context), official(path, context))
    # The data of a private key is never written to a file: it lives in this process's memory.
    key_file = ours(path, "cert-data").key_file
    assert key_file.startswith("/proc/self/fd/") and Path(key_file).read_bytes() == b"key"


def test_kubeconfig_files_merge_as_kubectl_merges_them(certs, monkeypatch):
    first = write(certs / "one", {"current-context": "a", "contexts": [
        {"name": "a", "context": {"cluster": "c2", "user": "u2", "namespace": "first"}}],
        "clusters": [], "users": []})
    second = write(certs / "two", {"current-context": "b", "contexts": [
        {"name": "a", "context": {"cluster": "ignored", "user": "ignored"}},
        {"name": "b", "context": {"cluster": "c2", "user": "u2"}}],
        "clusters": [{"name": "c2", "cluster": {"server": "https://h:1", "certificate-authority": "pki/ca.crt"}}],
        "users": [{"name": "u2", "user": {"tokenFile": "token"}}]})
    paths = os.pathsep.join([first, str(certs / "missing"), second])
    monkeypatch.setenv("KUBECONFIG", paths)
    cfg = kubeconfig.read(None)
    assert kubeconfig.choose(cfg, None) == "a"  # the first file's current-context
    assert cfg.contexts["a"]["namespace"] == "first"  # the first definition of a name wins
    # (the official loader read $KUBECONFIG when it was imported: it is given the list)
    same(ours(None, "a"), official(paths, "a"))


def test_exec_plugins_give_the_token_the_official_loader_would(sim, tmp_path):
    plugin = tmp_path / "credential-plugin"
    credential = {"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                  "status": {"token": "irtui-sim-viewer"}}
    plugin.write_text(f"#!{sys.executable}\nimport json\nprint(json.dumps({credential!r}))\n")
    plugin.chmod(0o755)
    doc = yaml.safe_load(Path(sim.kubeconfig).read_text())
    doc["users"].append({"name": "exec", "user": {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(plugin)}}})
    doc["contexts"].append({"name": "sim-exec", "context": {"cluster": "irtui-sim", "user": "exec"}})
    path = write(tmp_path / "kubeconfig", doc)
    same(ours(path, "sim-exec"), official(path, "sim-exec"))

    connection = connect(kubeconfig=path, context="sim-exec")
    response = RestClient(connection.api_client).send("GET", "/api/v1/namespaces/emrtask-prod/pods")
    assert response.status == 200
    audit = [json.loads(line) for line in Path(sim.audit_log).read_text().splitlines() if line.strip()]
    asked = [e for e in audit if e["path"] == "/api/v1/namespaces/emrtask-prod/pods"]
    assert [e["user"] for e in asked] == ["viewer"]  # as the plugin's user


def test_unusable_kubeconfigs_are_one_clear_line(tmp_path):
    with pytest.raises(KubeConfigError, match="no such file"):
        connect(kubeconfig=str(tmp_path / "absent"))
    broken = tmp_path / "broken"
    broken.write_text("clusters: [\n")
    with pytest.raises(KubeConfigError, match="not valid YAML"):
        connect(kubeconfig=str(broken))
    path = write(tmp_path / "config", {"current-context": "x", "contexts": [{"name": "x", "context": {"cluster": "nowhere"}}]})
    with pytest.raises(KubeConfigError, match="names cluster 'nowhere'"):
        connect(kubeconfig=path)
    with pytest.raises(KubeConfigError, match=r"context 'y' not found in kubeconfig \(have: x\)"):
        connect(kubeconfig=path, context="y")
