"""Read-only holds below the UI: with a read-only Guard, every action's own code (prepare,
dry run, execute), called directly, cannot change the simulated cluster or PostgreSQL, and
the executor offers none of the mutating actions (reason "read-only")."""

from __future__ import annotations

import asyncio
import inspect
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "actions"))

from irtui.actions import registry  # noqa: E402
from irtui.actions.kubeapi import resource_path  # noqa: E402
from irtui.actions.model import Target  # noqa: E402
from irtui.safety import ReadOnlyError  # noqa: E402

from actionhelp import NS, Responder, make_env, mutations, runner_for  # noqa: E402
from polling import until  # noqa: E402

PARAMS = {"replicas": 7, "name": "EMR_FALLBACK_MODE=true", "minutes": 0}
# Parameters that make each action have something to do on the seeded world.
PER_ACTION = {"kube.unset_env": {"name": "LOG_LEVEL"}, "kube.edit_configmap": {"key": "DB_HOST", "value": "elsewhere"}}


async def _call(fn, *args):
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    return await asyncio.to_thread(fn, *args)


def _targets(env) -> dict[str, Target]:
    pods = env.kube.items(resource_path("pod", NS))
    pod = pods[0]
    return {
        "pod": Target("pod", pod["metadata"]["name"], NS),
        "deployment": Target("deployment", "api-gateway", NS),
        "statefulset": Target("statefulset", "postgres", NS),
        "node": Target("node", pod["spec"]["nodeName"]),
        "namespace": Target("namespace", NS, NS),
        "secret": Target("secret", env.kube.items(resource_path("secret", NS))[0]["metadata"]["name"], NS),
        "release": Target("release", "emrtask-prod", NS),
        "configmap": Target("configmap", "postgres-config", NS),
    }


async def test_action_code_called_directly_sends_no_mutation(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path, read_only=True)
    targets = _targets(env)
    # So that uncordon has something to do: another client cordons the node first.
    sim.kubectl("cordon", targets["node"].name, context="sim-sre")
    baseline = len(sim.audit())
    refused = []
    for spec in registry.all_actions():
        if spec.group in ("database", "helm", "script", "vault"):
            continue  # below: PostgreSQL; helm, scripts and Vault are refused in their runners (tests/actions)
        impl = registry.implementation(spec)
        target = targets[spec.target_kinds[0]]
        params = PER_ACTION.get(spec.id, PARAMS)
        if spec.id == "kube.cordon":
            target = Target("node", next(n["metadata"]["name"] for n in env.kube.items(resource_path("node"))
                                         if n["metadata"]["name"] != targets["node"].name))
        prepared = await _call(impl.prepare, env, target, params)  # reads are allowed
        if not spec.mutating:
            await _call(impl.execute, env, target, params, prepared)
            continue
        if spec.group != "exec":  # an exec has no dry run: it sends nothing until it runs
            with pytest.raises(ReadOnlyError):
                await _call(impl.dry_run, env, target, params, prepared)
        with pytest.raises(ReadOnlyError):
            await _call(impl.execute, env, target, params, prepared)
        refused.append(spec.id)
    assert len(refused) == len([s for s in registry.all_actions() if s.mutating and s.group in ("kubernetes", "exec")])
    assert mutations(sim.audit()[baseline:]) == []


async def test_read_only_offers_no_mutating_action(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path, read_only=True)
    responder = Responder()
    class Recorded(list):
        """Keeps the kinds recorded: nothing should be, since nothing runs."""

        async def record(self, kind, text, details):
            self.append(kind)

    recorded = Recorded()
    runner = runner_for(env, recorded, responder)
    targets = _targets(env)
    for spec in registry.all_actions():
        if not spec.mutating:
            continue
        target = targets.get(spec.target_kinds[0]) or Target(spec.target_kinds[0], "1", NS)
        available = await runner.availability(spec.id, target)
        # "read-only", or "read-only: <why this one is a write>" (an exec is a create on pods/exec)
        assert not available.available and available.reason.split(":")[0] == "read-only", spec.id
        outcome = await runner.run(spec.id, target, PARAMS)
        assert outcome.status == "unavailable" and outcome.message == available.reason, (spec.id, outcome)
    assert responder.requests == [] and recorded == []
    assert mutations(sim.audit()) == []
    # Not even an access review was needed to say no.
    assert not [r for r in sim.audit() if r.get("resource") == "selfsubjectaccessreviews"]


async def test_database_remediations_are_refused_before_postgres_is_touched(pg_dsn, tmp_path):
    asyncpg = pytest.importorskip("asyncpg")
    try:
        victim = await asyncpg.connect(pg_dsn, timeout=5)
    except Exception as exc:  # no PostgreSQL here
        if __import__("os").environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable at {pg_dsn}: {exc}")
    from irtui.actions.base import ActionEnv
    from irtui.actions.settings import ActionSettings
    from irtui.database.remediate import DatabaseClients
    from irtui.database.settings import DatabaseSettings
    from irtui.safety import Guard

    guard = Guard(read_only=True)
    clients = DatabaseClients(DatabaseSettings(dsn=pg_dsn), guard)
    env = ActionEnv(guard=guard, settings=ActionSettings(), db=clients)
    sleeper = asyncio.ensure_future(victim.execute("SELECT pg_sleep(600)"))
    try:
        pid = None
        watcher = await asyncpg.connect(pg_dsn, timeout=5)
        try:
            pid = await until(lambda: watcher.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)' AND state = 'active'"), "the sleeping backend", step=0.05)
            for action_id, target, params in (
                ("db.cancel_backend", Target("db_backend", str(pid)), {}),
                ("db.terminate_backend", Target("db_backend", str(pid)), {}),
                ("db.terminate_long_running", Target("database", "primary"), {"minutes": 0}),
            ):
                impl = registry.implementation(registry.get(action_id))
                prepared = await impl.prepare(env, target, params)
                with pytest.raises(ReadOnlyError):
                    await impl.execute(env, target, params, prepared)
            alive = await watcher.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)
            assert alive == 1
        finally:
            await watcher.close()
    finally:
        sleeper.cancel()
        victim.terminate()
        await clients.close()


def test_guard_exempts_review_paths_exactly_not_by_suffix(sim):
    """A pod named like an access-review resource is deleted through the same transport as any
    other: read-only refuses it, and only the review endpoints themselves are let through."""
    from irtui.actions.kubeapi import Kube
    from irtui.kube.client import connect
    from irtui.safety import Guard

    connection = connect(kubeconfig=sim.kubeconfig, context="sim-sre", guard=Guard(read_only=True))
    kube = Kube(connection.api_client)
    baseline = len(sim.audit())
    for name in ("selfsubjectaccessreviews", "selfsubjectrulesreviews"):
        with pytest.raises(ReadOnlyError):
            kube.request("DELETE", f"/api/v1/namespaces/{NS}/pods/{name}")
    with pytest.raises(ReadOnlyError):
        kube.request("PATCH", f"/api/v1/namespaces/{NS}/pods/selfsubjectaccessreviews", body={},
                     content_type="application/merge-patch+json")
    with pytest.raises(ReadOnlyError):  # the right path, the wrong method
        kube.request("DELETE", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
    assert sim.audit()[baseline:] == []
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"verb": "delete", "resource": "pods", "namespace": NS}}}
    kube.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body=review)
    asked = sim.audit()[baseline:]
    assert [r["path"] for r in asked] == ["/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"]
    assert mutations(asked) == []


def test_is_mutating_compares_paths_below_the_server_prefix():
    from irtui.kube.client import is_mutating

    server = "https://rancher.example/k8s/clusters/c-1"
    review = f"{server}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    assert not is_mutating("POST", review, server)
    assert is_mutating("POST", review)  # without knowing the prefix, it is not the review path
    assert is_mutating("DELETE", review, server)
    assert is_mutating("DELETE", f"{server}/api/v1/namespaces/a/pods/selfsubjectaccessreviews", server)
    assert not is_mutating("POST", "https://x/apis/authentication.k8s.io/v1/selfsubjectreviews")
