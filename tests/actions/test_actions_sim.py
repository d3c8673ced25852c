"""Every action against the simulator over HTTP: the cluster ends as a real one would, the
incident timeline has the entries, and the audit log shows the dry run before the change."""

from __future__ import annotations

import hashlib

from irtui.actions import registry
from irtui.actions.forensics import verify_folder
from irtui.actions.kubeapi import resource_path
from irtui.actions.model import Target

from actionhelp import NS, Responder, assert_dry_run_then_real, make_env, mutations, runner_for, timeline_kinds
from polling import until


def _pods(env, selector: str) -> list[dict]:
    return [p for p in env.kube.items(resource_path("pod", NS), labelSelector=selector)
            if not (p.get("metadata") or {}).get("deletionTimestamp")]


def _rs_of(env, name: str) -> list[dict]:
    dep = env.kube.get(resource_path("deployment", NS, name))
    uid = dep["metadata"]["uid"]
    return [rs for rs in env.kube.items(resource_path("replicaset", NS))
            if any(o.get("uid") == uid for o in rs["metadata"].get("ownerReferences") or [])]


def _env_of(env, name: str) -> dict:
    dep = env.kube.get(resource_path("deployment", NS, name))
    return {c["name"]: {e["name"]: e.get("value") for e in c.get("env") or []}
            for c in dep["spec"]["template"]["spec"]["containers"]}


async def test_rollout_restart_rolls_pods_and_is_recorded(sim_factory, tmp_path, incident):
    # A faster clock: the rollout's pod start-up and readiness are simulated time.
    sim = sim_factory("--speed", "10")
    env = make_env(sim, "sim-sre", tmp_path)
    runner = runner_for(env, incident)
    before = {rs["metadata"]["name"] for rs in _rs_of(env, "api-gateway")}
    old_pods = {p["metadata"]["name"] for p in _pods(env, "app=api-gateway")}
    outcome = await runner.run("kube.rollout_restart", Target("deployment", "api-gateway", NS))
    assert outcome.status == "done", outcome

    def rolled():
        new = [rs for rs in _rs_of(env, "api-gateway") if rs["metadata"]["name"] not in before]
        if not new:
            return False
        pods = _pods(env, "app=api-gateway")
        hash_ = new[0]["metadata"]["labels"]["pod-template-hash"]
        ready = [p for p in pods if p["metadata"]["labels"].get("pod-template-hash") == hash_
                 and p["metadata"]["name"] not in old_pods]
        return len(ready) >= 3 and not ({p["metadata"]["name"] for p in pods} & old_pods)

    await until(rolled, "a new ReplicaSet whose pods replaced the old ones", blocking=True)
    status = await runner.run("kube.rollout_status", Target("deployment", "api-gateway", NS))
    assert status.status == "done" and status.details["complete"] in (True, False)
    assert_dry_run_then_real(sim.audit(), "PATCH", "/deployments/api-gateway")
    assert timeline_kinds(incident, "kube.rollout_restart") == ["action_started", "action_finished"]
    finished = [e for e in incident.timeline if e.kind == "action_finished"
                and e.details["action"] == "kube.rollout_restart"][-1]
    assert finished.details["result"] == "done"
    assert finished.details["command"] == "kubectl --context sim-sre rollout restart deployment/api-gateway -n emrtask-prod"
    assert "sre" in finished.details["actor"]


async def test_scale_undo_isolate_and_the_repeat_guardrail(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path)
    responder = Responder()
    runner = runner_for(env, incident, responder)
    target = Target("deployment", "task-service", NS)
    previous = env.kube.get(resource_path("deployment", NS, "task-service", "scale"))["spec"]["replicas"]

    outcome = await runner.run("kube.scale", target, {"replicas": 5})
    assert outcome.status == "done", outcome
    await until(lambda: len(_pods(env, "app=task-service")) == 5, "5 task-service pods", blocking=True)
    assert outcome.undo is not None and outcome.undo.params == {"replicas": previous}
    assert_dry_run_then_real(sim.audit(), "PATCH", "/deployments/task-service/scale")
    assert responder.requests[-1].typed is None  # medium danger: a plain yes

    undone = await runner.undo()
    assert undone.status == "done", undone
    await until(lambda: len(_pods(env, "app=task-service")) == previous,
                f"{previous} task-service pods again", blocking=True)
    # Scaling the same target again inside the window asks again, and says why.
    assert responder.requests[-1].typed == "task-service"
    assert any("REPEATED" in w for w in responder.requests[-1].warnings)

    outcome = await runner.run("kube.isolate", Target("deployment", "sync-service", NS))
    assert outcome.status == "done", outcome
    request = responder.requests[-1]
    assert request.typed == "sync-service" and request.production and request.cluster_url == env.cluster_url
    await until(lambda: not _pods(env, "app=sync-service"), "no sync-service pods", blocking=True)
    assert timeline_kinds(incident, "kube.isolate") == ["action_started", "action_finished"]


async def test_declined_confirmation_sends_nothing(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path)
    runner = runner_for(env, incident, Responder(answer=False))
    outcome = await runner.run("kube.delete_pod", Target("pod", _pods(env, "app=emr-service")[0]["metadata"]["name"], NS))
    assert outcome.status == "cancelled"
    real = [r for r in mutations(sim.audit()) if not r["dry_run"]]
    assert real == [], real
    assert timeline_kinds(incident, "kube.delete_pod") == []


async def test_set_env_unset_env_and_rollback(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path)
    runner = runner_for(env, incident)
    target = Target("deployment", "emr-service", NS)
    template_before = env.kube.get(resource_path("deployment", NS, "emr-service"))["spec"]["template"]["spec"]

    outcome = await runner.run("kube.set_env", target, {"name": "EMR_FALLBACK_MODE=true"})
    assert outcome.status == "done", outcome
    assert all(values.get("EMR_FALLBACK_MODE") == "true" for values in _env_of(env, "emr-service").values())
    assert outcome.undo.action_id == "kube.unset_env"
    assert_dry_run_then_real(sim.audit(), "PATCH", "/deployments/emr-service")

    # Roll back: the previous revision's template (without the variable) comes back.
    outcome = await runner.run("kube.rollback", target)
    assert outcome.status == "done", outcome
    after = env.kube.get(resource_path("deployment", NS, "emr-service"))["spec"]["template"]["spec"]
    assert after["containers"] == template_before["containers"]

    outcome = await runner.run("kube.set_env", target, {"name": "LOG_LEVEL", "value": "debug"})
    assert outcome.status == "done", outcome
    assert all(values.get("LOG_LEVEL") == "debug" for values in _env_of(env, "emr-service").values())
    outcome = await runner.run("kube.unset_env", target, {"name": "LOG_LEVEL"})
    assert outcome.status == "done", outcome
    assert all("LOG_LEVEL" not in values for values in _env_of(env, "emr-service").values())
    assert timeline_kinds(incident, "kube.rollback") == ["action_started", "action_finished"]


async def test_edit_configmap_and_its_undo(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path)
    runner = runner_for(env, incident)
    target = Target("configmap", "postgres-config", NS)
    before = env.kube.get(resource_path("configmap", NS, "postgres-config"))["data"]
    key = "DB_HOST" if "DB_HOST" in before else sorted(before)[0]
    outcome = await runner.run("kube.edit_configmap", target, {"key": f"{key}=postgres-replica"})
    assert outcome.status == "done", outcome
    assert env.kube.get(resource_path("configmap", NS, "postgres-config"))["data"][key] == "postgres-replica"
    assert_dry_run_then_real(sim.audit(), "PATCH", "/configmaps/postgres-config")
    undone = await runner.undo()
    assert undone.status == "done", undone
    assert env.kube.get(resource_path("configmap", NS, "postgres-config"))["data"][key] == before[key]


async def test_a_conflict_is_retried_with_a_fresh_read(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path)
    # Another responder changes the deployment while our confirmation is open.
    def other():
        return sim.kubectl("annotate", "deployment/handover-service", "-n", NS, "note=changed-meanwhile",
                           context="sim-sre")

    runner = runner_for(env, incident, Responder(during=other))
    outcome = await runner.run("kube.set_env", Target("deployment", "handover-service", NS), {"name": "EMR_FALLBACK_MODE=true"})
    assert outcome.status == "done", outcome
    assert outcome.details.get("conflict_retries") == 1
    patches = [r for r in sim.audit() if r["method"] == "PATCH" and r["path"].endswith("/handover-service") and not r["dry_run"]
               and r["user"] == "sre" and "kubectl" not in r.get("user_agent", "")]
    assert [r["status"] for r in patches] == [409, 200]


async def test_a_conflict_at_the_dry_run_is_read_again(sim, tmp_path, incident, monkeypatch):
    # The object changes between the fresh read and the rehearsal (a controller updating a
    # rollout's status does this): the dry run's 409 means read again, not "refused".
    env = make_env(sim, "sim-sre", tmp_path)
    spec = registry.get("kube.set_env")
    impl = registry.implementation(spec)
    original = impl.prepare
    reads = []

    def prepare(env, target, params):
        prepared = original(env, target, params)
        reads.append(prepared)
        if len(reads) == 1:
            sim.kubectl("annotate", "deployment/handover-service", "-n", NS, "note=changed-meanwhile", context="sim-sre")
        return prepared

    monkeypatch.setattr(impl, "prepare", prepare)
    runner = runner_for(env, incident)
    outcome = await runner.run("kube.set_env", Target("deployment", "handover-service", NS), {"name": "LOG_LEVEL=debug"})
    assert outcome.status == "done", outcome
    assert len(reads) == 2
    patches = [r for r in sim.audit() if r["method"] == "PATCH" and r["path"].endswith("/handover-service")
               and r["user"] == "sre" and "kubectl" not in r.get("user_agent", "")]
    assert [(r["dry_run"], r["status"]) for r in patches] == [(True, 409), (True, 200), (False, 200)]


async def test_delete_pod_force_delete_and_delete_secret(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path)
    responder = Responder()
    runner = runner_for(env, incident, responder)
    victim = _pods(env, "app=api-gateway")[0]["metadata"]["name"]
    outcome = await runner.run("kube.delete_pod", Target("pod", victim, NS))
    assert outcome.status == "done", outcome
    await until(lambda: victim not in {p["metadata"]["name"] for p in env.kube.items(resource_path("pod", NS))}
                and len(_pods(env, "app=api-gateway")) == 3, "the pod replaced", blocking=True)
    assert_dry_run_then_real(sim.audit(), "DELETE", f"/pods/{victim}")

    victim = _pods(env, "app=api-gateway")[0]["metadata"]["name"]
    outcome = await runner.run("kube.force_delete_pod", Target("pod", victim, NS))
    assert outcome.status == "done", outcome
    assert responder.requests[-1].typed == victim
    await until(lambda: victim not in {p["metadata"]["name"] for p in env.kube.items(resource_path("pod", NS))},
                "the force-deleted pod gone", blocking=True)

    secrets = [s["metadata"]["name"] for s in env.kube.items(resource_path("secret", NS))]
    assert secrets
    outcome = await runner.run("kube.delete_secret", Target("secret", secrets[0], NS))
    assert outcome.status == "done", outcome
    assert secrets[0] not in {s["metadata"]["name"] for s in env.kube.items(resource_path("secret", NS))}
    assert_dry_run_then_real(sim.audit(), "DELETE", f"/secrets/{secrets[0]}")
    assert timeline_kinds(incident, "kube.delete_secret") == ["action_started", "action_finished"]


async def test_cordon_uncordon_drain(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path)
    runner = runner_for(env, incident)
    pods = env.kube.items(resource_path("pod", NS))
    node = next(p["spec"]["nodeName"] for p in pods if p["spec"].get("nodeName"))
    outcome = await runner.run("kube.cordon", Target("node", node))
    assert outcome.status == "done", outcome
    assert env.kube.get(resource_path("node", None, node))["spec"].get("unschedulable") is True
    assert_dry_run_then_real(sim.audit(), "PATCH", f"/nodes/{node}")
    again = await runner.run("kube.cordon", Target("node", node))
    assert again.status == "noop"
    outcome = await runner.undo()
    assert outcome.status == "done" and outcome.action_id == "kube.uncordon"
    assert not env.kube.get(resource_path("node", None, node))["spec"].get("unschedulable")

    outcome = await runner.run("kube.drain", Target("node", node))
    assert outcome.status == "done", outcome
    assert env.kube.get(resource_path("node", None, node))["spec"].get("unschedulable") is True

    def drained():
        left = [p for p in env.kube.items("/api/v1/pods") if p["spec"].get("nodeName") == node
                and not any(o.get("kind") == "DaemonSet" for o in p["metadata"].get("ownerReferences") or [])
                and not p["metadata"].get("deletionTimestamp")]
        return not left

    await until(drained, f"no pods left on {node}", blocking=True)


async def test_restart_all_is_a_typed_bulk_action(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path)
    responder = Responder()
    runner = runner_for(env, incident, responder)
    outcome = await runner.run("kube.rollout_restart_all", Target("namespace", NS, NS))
    assert outcome.status == "done", outcome
    request = responder.requests[-1]
    assert request.typed == NS and any("bulk action" in w for w in request.warnings)
    names = outcome.details["deployments"]
    assert {"api-gateway", "task-service", "emr-service", "sync-service", "handover-service"} <= set(names)
    for name in names:
        dep = env.kube.get(resource_path("deployment", NS, name))
        assert "kubectl.kubernetes.io/restartedAt" in (dep["spec"]["template"]["metadata"].get("annotations") or {})
        assert_dry_run_then_real(sim.audit(), "PATCH", f"/deployments/{name}")


async def test_forensics_and_health_check(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path)
    runner = runner_for(env, incident)
    secret_values = [v for s in env.kube.items(resource_path("secret", NS)) for v in (s.get("data") or {}).values() if v]
    outcome = await runner.run("forensics.collect", Target("namespace", NS, NS))
    assert outcome.status == "done", outcome
    from pathlib import Path

    folder = Path(outcome.details["path"])
    assert verify_folder(folder) == []
    assert hashlib.sha256((folder / "SHA256SUMS").read_bytes()).hexdigest() == outcome.details["sha256sums"]
    logs = list((folder / "logs").rglob("*.log"))
    assert logs and (folder / "events.txt").exists()
    everything = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    for value in secret_values:
        assert value.encode() not in everything
    finished = [e for e in incident.timeline if e.kind == "action_finished"][-1]
    assert finished.details["details"]["path"] == str(folder)
    assert mutations(sim.audit()) == []

    outcome = await runner.run("health.check_all", Target("namespace", NS, NS))
    assert outcome.status == "done", outcome
    results = outcome.details["results"]
    assert {r["service"] for r in results} == {"api-gateway", "task-service", "emr-service", "sync-service", "handover-service"}
    assert any("/proxy/health" in r["path"] for r in sim.audit())


async def test_viewer_sees_every_action_unavailable_and_sends_nothing(sim, tmp_path, incident):
    env = make_env(sim, "sim-viewer", tmp_path)
    runner = runner_for(env, incident)
    pod = _pods(env, "app=api-gateway")[0]["metadata"]["name"]
    targets = {"pod": Target("pod", pod, NS), "deployment": Target("deployment", "api-gateway", NS),
               "statefulset": Target("statefulset", "postgres", NS), "node": Target("node", "any"),
               "namespace": Target("namespace", NS, NS), "secret": Target("secret", "postgres-credentials", NS),
               "release": Target("release", "emrtask-prod", NS), "configmap": Target("configmap", "postgres-config", NS)}
    for spec in registry.all_actions():
        if not spec.mutating or spec.group == "database":
            continue
        target = targets[spec.target_kinds[0]]
        available = await runner.availability(spec.id, target)
        assert not available.available, spec.id
        if spec.group not in ("helm", "script", "vault"):  # those ask no access review: not configured here
            assert available.reason.startswith("RBAC: viewer may not"), (spec.id, available.reason)
        outcome = await runner.run(spec.id, target, {"replicas": 1, "name": "X=1"})
        assert outcome.status == "unavailable", (spec.id, outcome)
    assert mutations(sim.audit(), user="viewer") == []
    assert incident.timeline[-1].kind == "declared"


async def test_no_incident_open_goes_to_the_local_journal(sim, tmp_path):
    from irtui.incident.journal import Journal
    from irtui.incident.model import Actor
    from irtui.incident.session import IncidentSession
    from irtui.incident.sqlite_store import SQLiteStore

    store = SQLiteStore(tmp_path / "incidents.sqlite")
    await store.open()
    journal = Journal(tmp_path / "journal.sqlite")
    session = IncidentSession(store, Actor.local("sre"), journal=journal)
    await session.start()
    try:
        env = make_env(sim, "sim-sre", tmp_path)
        outcome = await runner_for(env, session).run("kube.scale", Target("deployment", "api-gateway", NS), {"replicas": 4})
        assert outcome.status == "done"
        kinds = [e.kind for e in journal.unattached()]
        assert kinds == ["action_started", "action_finished"]
        incident_id = await session.declare("api slow", "P2")
        assert [e.kind for e in session.timeline if e.details.get("journaled")] == ["action_started", "action_finished"]
        assert incident_id
    finally:
        await session.stop()
        await store.close()


async def test_describe_deployment_node_and_a_crashing_pod_with_its_events(sim_factory, tmp_path):
    from irtui.actions.investigate import describe

    sim = sim_factory("--scenario", "crashloop-task-service", "--speed", "10")
    env = make_env(sim, "sim-sre", tmp_path)
    text = describe(env.kube, "deployment", NS, "api-gateway")
    assert "Name:               api-gateway" in text and "Conditions:" in text
    assert "ReplicaSets (revision: name, ready/desired):" in text and "registry.emrtask.com" in text
    node = _pods(env, "app=api-gateway")[0]["spec"]["nodeName"]
    text = describe(env.kube, "node", None, node)
    assert f"Name:               {node}" in text and "Non-terminated Pods:" in text and "Allocatable:" in text

    def crashing():
        for p in _pods(env, "app=task-service"):
            text = describe(env.kube, "pod", NS, p["metadata"]["name"])
            if "CrashLoopBackOff" in text and "BackOff" in text.split("Events:")[-1]:
                return text
        return None

    text = await until(crashing, "a crash-looping pod whose events show the back-off", blocking=True)
    assert "Last State:    Terminated" in text and "Restart Count:" in text
    assert "DB_PASSWORD: <set from secretKeyRef>" in text
    assert describe(env.kube, "pod", NS, "no-such-pod").startswith("Error from server:")
