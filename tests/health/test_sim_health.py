"""Acceptance against the simulator: every platform service's /health through the API
server's service proxy, with the bearer token from the kubeconfig."""


import httpx
import pytest

from irtui.health.checks import HealthChecker, HealthSettings, make_transport
from irtui.kube.client import connect
from irtui.safety import Guard

from polling import until


def started_sim(sim_factory):
    try:
        sim = sim_factory()
    except RuntimeError as exc:
        pytest.skip(f"irtui sim does not start yet: {str(exc)[-200:]}")
    try:
        probe = httpx.get(f"{sim.url}/sim/metrics/task-service", timeout=20)
    except httpx.TimeoutException:
        pytest.skip("irtui sim does not answer its service endpoints yet (timed out)")
    if probe.status_code == 404:
        pytest.skip("irtui sim does not serve service endpoints yet")
    return sim


async def test_all_services_checked_through_the_service_proxy(sim_factory):
    sim = started_sim(sim_factory)
    kube = connect(kubeconfig=sim.kubeconfig, guard=Guard(read_only=True))
    settings = HealthSettings(timeout=10)
    checker = HealthChecker(settings, make_transport(settings, kube.guard, kube.api_client))
    try:
        results = {r.service: r for r in await checker.check_all()}
        assert set(results) == set(settings.services)
        assert all(r.ok and r.status == 200 and r.latency is not None for r in results.values()), results
        assert results["task-service"].where == "/api/v1/namespaces/emrtask-prod/services/task-service:3000/proxy/health"

        sim.control("POST", "/sim/scenarios/crashloop-task-service")
        async def task_failing():
            (task,) = [r for r in await checker.check_all() if r.service == "task-service"]
            return None if task.ok else task

        task = await until(task_failing, "task-service's check to fail", step=0.5)
        assert task.state == "failing" and task.status == 503
        # The service's own answer while a pod still serves, then the API server's once none is
        # ready: either way the first line says why.
        assert ("pool exhausted" in task.detail
                or task.detail == 'no endpoints available for service "task-service"'), task.detail
        assert len(checker.history["task-service"]) >= 2
    finally:
        await checker.aclose()
        kube.api_client.close()


async def test_emr_fallback_mode_is_degraded_not_healthy(sim_factory):
    """The fallback answers 200 with `"status":"degraded"`: the check reads the body."""
    sim = started_sim(sim_factory)
    sim.control("POST", "/sim/scenarios/emr-integration-failure")
    sim.kubectl("set", "env", "deployment/emr-service", "-n", "emrtask-prod", "EMR_FALLBACK_MODE=true")
    sim.control("POST", "/sim/advance", json={"seconds": 90})
    kube = connect(kubeconfig=sim.kubeconfig, guard=Guard(read_only=True))
    settings = HealthSettings(timeout=10, services=("emr-service", "task-service", "sync-service"))
    checker = HealthChecker(settings, make_transport(settings, kube.guard, kube.api_client))
    try:
        results = {r.service: r for r in await checker.check_all()}
    finally:
        await checker.aclose()
        kube.api_client.close()
    emr = results["emr-service"]
    assert (emr.state, emr.status) == ("degraded", 200), emr
    assert "mode fallback" in emr.detail and "serving cached data" in emr.detail
    assert results["task-service"].state == "healthy"
    # sync-service still works, but cannot sync with the EMR: it says degraded, and why.
    sync = results["sync-service"]
    assert (sync.state, sync.status, sync.detail) == ("degraded", 200, "emr: unavailable (sync retrying)"), sync
