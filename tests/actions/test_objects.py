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


async def test_a_configmap_edit_is_reviewed_before_its_dry_run_recorded_with_its_diff_and_undone(
        sim, tmp_path, incident):
    from irtui.actions.executor import ActionRunner
    from irtui.actions.model import Target

    from actionhelp import Responder
    from war_room_help import mutations

    env = make_env(sim, "sim-sre", tmp_path)
    target = Target("configmap", "postgres-config", NS)
    seen: list[tuple[list, int]] = []
    answer = [False]

    async def review(spec, target, prepared):
        # What the cluster had been sent when the diff was shown: nothing.
        seen.append((prepared.diff, len([r for r in mutations(sim.audit()) if r["resource"] == "configmaps"])))
        return answer[0]

    runner = ActionRunner(env, incident, confirm=Responder(), review=review)
    params = {"key": "DB_HOST", "value": "postgres-replica"}
    declined = await runner.run("kube.edit_configmap", target, params)
    assert declined.status == "cancelled" and "nothing was sent" in declined.message
    assert seen == [([("DB_HOST", "postgres", "postgres-replica")], 0)]
    assert [r for r in mutations(sim.audit()) if r["resource"] == "configmaps"] == []

    answer[0] = True
    done = await runner.run("kube.edit_configmap", target, params)
    assert done.status == "done" and done.undo is not None
    finished = incident.timeline[-1].details
    assert finished["diff"] == [{"key": "DB_HOST", "old": "postgres", "new": "postgres-replica"}]
    assert env.kube.get(f"/api/v1/namespaces/{NS}/configmaps/postgres-config")["data"]["DB_HOST"] == "postgres-replica"

    undone = await runner.undo()
    assert undone is not None and undone.status == "done"
    assert seen[-1][0] == [("DB_HOST", "postgres-replica", "postgres")]  # the undo shows its diff too
    assert env.kube.get(f"/api/v1/namespaces/{NS}/configmaps/postgres-config")["data"]["DB_HOST"] == "postgres"


async def test_a_credential_set_in_a_configmap_is_recorded_redacted(sim, tmp_path, incident):
    from irtui.actions.executor import ActionRunner
    from irtui.actions.model import Target

    from actionhelp import Responder

    env = make_env(sim, "sim-sre", tmp_path)
    runner = ActionRunner(env, incident, confirm=Responder())
    outcome = await runner.run("kube.edit_configmap", Target("configmap", "postgres-config", NS),
                               {"key": "DB_PASSWORD", "value": "hunter2-in-a-configmap"})
    assert outcome.status == "done"
    recorded = json.dumps([(e.text, e.details) for e in incident.timeline], default=str)
    assert "hunter2-in-a-configmap" not in recorded and "DB_PASSWORD" in recorded
