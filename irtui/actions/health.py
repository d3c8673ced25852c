"""`health.check_all` as an action: the runbook's loop over every service's `/health`,
through the API server's service proxy, recorded in the timeline.

The checks themselves (transport, timeouts, history, the `[health]` section) belong to
`irtui.health`; this wrapper runs one round with the session's guarded client and turns
the results into an outcome. It only reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from irtui.actions.base import ActionEnv, Impl
from irtui.actions.model import AccessCheck, Executed, Prepared, Target

if TYPE_CHECKING:
    from irtui.health.checks import HealthSettings


def _settings(env: ActionEnv, target: Target) -> HealthSettings:
    from irtui.health.checks import HealthSettings

    ns = target.name if target.kind == "namespace" else (target.namespace or env.namespace)
    configured = env.extra.get("health_settings")
    if configured is not None:
        return configured
    return HealthSettings(namespace=ns, services=tuple(env.settings.health_services),
                          port=env.settings.health_port or HealthSettings.port, path=env.settings.health_path)


class HealthCheckAll(Impl):
    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        ns = target.name if target.kind == "namespace" else (target.namespace or env.namespace)
        return [AccessCheck("get", "services", "", "proxy", ns)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        settings = _settings(env, target)
        ns = settings.namespace
        commands = "; ".join(
            env.kubectl("get", "--raw", f"/api/v1/namespaces/{ns}/services/{svc}:{settings.port}/proxy{settings.path}")
            for svc in settings.services)
        return Prepared(command=commands, summary=[f"GET {settings.path} of {', '.join(settings.services)}"],
                        targets=list(settings.services), state={"settings": settings})

    async def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        from irtui.health.checks import HealthChecker, make_transport, naming, summarize

        settings = prepared.state["settings"]
        checker = HealthChecker(settings, make_transport(settings, env.guard, env.kube.api if env.kube else None))
        try:
            results = await checker.check_all()
        finally:
            await checker.aclose()
        lines = [f"{r.service}: {r.state} {r.status or '-'}"
                 + (f" {r.latency * 1000:.0f}ms" if r.latency is not None else "")
                 + (f" {r.detail}" if r.detail else "") for r in results]
        named = naming(results)
        message = summarize(results) + (f" · {named}" if named else "")
        return message, {"results": [{"service": r.service, "state": r.state, "ok": r.ok, "status": r.status,
                                      "latency": r.latency, "detail": r.detail} for r in results],
                         "lines": lines}
