"""The object lists behind the views and pickers, read from the simulator: a row per
ConfigMap key (values through the redaction policy), Secrets by name, type and key names
with no value anywhere in what is kept, StatefulSets, and the Deployments' revisions with
their change-cause and images (and a note when helm is not installed)."""

from __future__ import annotations

import json
import shutil

from irtui.actions import objects

from actionhelp import NS, make_env

# base64 of "simulator-placeholder": the value of every seeded Secret key.
SECRET_VALUE = "c2ltdWxhdG9yLXBsYWNlaG9sZGVy"


def test_configmaps_are_one_row_per_key_with_credentials_redacted(module_sim, tmp_path):
    kube = make_env(module_sim, "sim-sre", tmp_path).kube
    listing = objects.listing("configmap", kube, NS)
    rows = {(r.name, r.cells[0]): r for r in listing.rows}
    assert rows[("postgres-config", "DB_HOST")].cells[1] == "postgres"
    assert rows[("postgres-config", "DB_HOST")].extra == {"key": "DB_HOST", "value": "postgres"}
    assert rows[("emr-config", "EMR_TOKEN_URL")].cells[1] == "[REDACTED]"  # named like a credential
    assert [r.name for r in listing.rows if r.matches("postgres db_host")] == ["postgres-config"]


def test_secrets_show_names_types_and_keys_never_values(module_sim, tmp_path):
    kube = make_env(module_sim, "sim-sre", tmp_path).kube
    listing = objects.listing("secret", kube, NS)
    by_name = {r.name: r for r in listing.rows}
    assert by_name["emr-oauth-client"].cells[:3] == ("Opaque", "client_id, client_secret", "2")
    kept = json.dumps([[r.name, r.cells, r.extra] for r in listing.rows] + listing.notes)
    assert SECRET_VALUE not in kept and "simulator-placeholder" not in kept


def test_statefulsets_and_workloads(module_sim, tmp_path):
    kube = make_env(module_sim, "sim-sre", tmp_path).kube
    sts = {r.name: r.cells for r in objects.listing("statefulset", kube, NS).rows}
    assert sts["postgres"][:2] == ("1/1", "primary") and sts["postgres-replica"][1] == "replica"
    workloads = objects.listing("workload", kube, NS).rows
    assert workloads[0].kind == "namespace" and workloads[0].name == NS
    assert {("deployment", "sync-service"), ("statefulset", "postgres")} <= {(r.kind, r.name) for r in workloads}


def test_recent_changes_have_revisions_change_causes_and_images(module_sim, tmp_path):
    env = make_env(module_sim, "sim-sre", tmp_path)
    listing = objects.listing("revision", env.kube, NS)
    api = [r for r in listing.rows if r.name == "api-gateway"]
    assert [r.cells[0] for r in api] == ["3", "2", "1"]  # newest first
    assert api[0].cells[1] == "helm upgrade emrtask-prod: api-gateway 2.7.1"
    assert api[0].cells[2].endswith("api-gateway:2.7.1")
    if shutil.which("helm") is None:
        assert any("helm is not on PATH" in note for note in listing.notes)
