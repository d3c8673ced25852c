"""The database remediations (`irtui.database.remediate`) as actions.

This module only adapts: the database package owns the SQL, the pinning of a backend by
pid and start time, and its guarded remediation connection. Here each remediation gets the
same door as every other action: its `describe()` is the fresh read, its `preview()` the
rehearsal (the exact backends that would be hit, listed before the confirmation), its
`execute()` the real call; the executor confirms and records. Promote replica has a second
way when no database is configured: the runbook's `pg_ctl promote` in the replica's pod.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Mapping

from irtui.actions import registry
from irtui.actions.base import ActionEnv, Impl
from irtui.actions.model import AccessCheck, ActionError, Executed, NothingToDo, Prepared, Target

if TYPE_CHECKING:
    from irtui.database.remediate import DbRemediation


class _Db(Impl):
    def unavailable(self, env: ActionEnv, target: Target | None) -> str | None:
        if env.db is None:
            return "no database configured (--db-dsn or [database] in config)"
        return None

    def remediation(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> DbRemediation:
        raise NotImplementedError

    async def prepare(self, env: ActionEnv, target: Target,  # type: ignore[override]
                      params: Mapping[str, Any]) -> Prepared:
        remediation = self.remediation(env, target, params)
        description = await remediation.describe()
        if description.refusal:
            if not description.targets and "no " in description.refusal:
                raise NothingToDo(description.refusal)
            raise ActionError(description.refusal)
        return Prepared(
            command=description.command,
            summary=[line for line in description.text().splitlines() if not line.startswith("equivalent:")],
            targets=[f"pid {t.pid}" for t in description.targets] or [target.label],
            state={"remediation": remediation, "description": description},
        )

    async def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any],  # type: ignore[override]
                      prepared: Prepared) -> list[str]:
        # Nothing in PostgreSQL rehearses a pg_terminate_backend; the rehearsal is reading
        # back exactly what would be hit, which `describe()` pinned by pid + backend start.
        targets = prepared.state["description"].targets
        if not targets:
            return [f"preview: {prepared.state['description'].summary or 'ready'}"]
        return [f"preview: {len(targets)} backend(s) would be acted on"] + [f"  {t.line()}" for t in targets[:20]]

    async def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        outcome = await prepared.state["remediation"].execute()
        if not outcome.ok:
            raise ActionError(outcome.message)
        return outcome.message, {"pids": list(outcome.pids), **outcome.details}


def _pid(target: Target) -> int:
    try:
        return int(target.name)
    except ValueError:
        raise ActionError(f"{target.name!r} is not a backend pid") from None


class CancelBackend(_Db):
    def remediation(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> DbRemediation:
        from irtui.database.remediate import CancelBackend as R
        return R(env.db, _pid(target))


class TerminateBackend(_Db):
    def remediation(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> DbRemediation:
        from irtui.database.remediate import TerminateBackend as R
        return R(env.db, _pid(target))


class TerminateLongRunning(_Db):
    def remediation(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> DbRemediation:
        from irtui.database.remediate import TerminateLongRunning as R
        return R(env.db, params.get("minutes", env.settings.long_running_minutes))


class PromoteReplica(_Db):
    """`pg_promote()` on the configured replica; with no database connection (the demo, a
    responder without the DSN), the runbook's own command in the replica's pod, `pg_ctl
    promote`, through the exec path: the same access review, argv shown, confirmation,
    live output and record as every exec step, and refused read-only in the exec client."""

    def __init__(self) -> None:
        from irtui.actions.exec import RunInPod

        self.in_pod = RunInPod("db.promote_replica", registry.PROMOTE_IN_POD)

    def unavailable(self, env: ActionEnv, target: Target | None) -> str | None:
        if env.db is None and env.kube is None:
            return "no database configured, and not connected to a cluster to run pg_ctl promote in the replica's pod"
        return None

    def remediation(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> DbRemediation:
        from irtui.database.remediate import PromoteReplica as R
        return R(env.db)

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return [] if env.db is not None else self.in_pod.checks(env, target, params)

    # Coroutines where Impl declares plain functions: the executor awaits either.
    async def prepare(self, env: ActionEnv, target: Target,  # type: ignore[override]
                      params: Mapping[str, Any]) -> Prepared:
        if env.db is not None:
            return await super().prepare(env, target, params)
        replica = Target("namespace", env.namespace, env.namespace)
        prepared = await asyncio.to_thread(self.in_pod.prepare, env, replica, params)
        # Typed to confirm: the replica's name, not the "primary" the action is declared on.
        prepared.typed_name = (registry.PROMOTE_IN_POD.workload or "").partition("/")[2] or None
        prepared.summary.insert(0, "no database connection is configured: the replica is promoted from inside its pod")
        return prepared

    async def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any],  # type: ignore[override]
                      prepared: Prepared) -> list[str]:
        if env.db is not None:
            return await super().dry_run(env, target, params, prepared)
        return self.in_pod.dry_run(env, target, params, prepared)

    async def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any],
                      prepared: Prepared) -> Executed:
        if env.db is not None:
            return await super().execute(env, target, params, prepared)
        message, details = await asyncio.to_thread(self.in_pod.execute, env, target, params, prepared)
        if details.get("exit_code") != 0:
            raise ActionError(f"the replica was not promoted: {message}")
        return message, details
