"""The database remediations (`irtui.database.remediate`) as actions.

This module only adapts: the database package owns the SQL, the pinning of a backend by
pid and start time, and its guarded remediation connection. Here each remediation gets the
same door as every other action: its `describe()` is the fresh read, its `preview()` the
rehearsal (the exact backends that would be hit, listed before the confirmation), its
`execute()` the real call; the executor confirms and records.
"""

from __future__ import annotations

from irtui.actions.base import ActionEnv, Impl
from irtui.actions.model import ActionError, NothingToDo, Prepared, Target


class _Db(Impl):
    def unavailable(self, env: ActionEnv, target: Target | None):
        if env.db is None:
            return "no database configured (--db-dsn or [database] in config)"
        return None

    def remediation(self, env: ActionEnv, target: Target, params):
        raise NotImplementedError

    async def prepare(self, env, target, params):
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

    async def dry_run(self, env, target, params, prepared):
        # Nothing in PostgreSQL rehearses a pg_terminate_backend; the rehearsal is reading
        # back exactly what would be hit, which `describe()` pinned by pid + backend start.
        targets = prepared.state["description"].targets
        if not targets:
            return [f"preview: {prepared.state['description'].summary or 'ready'}"]
        return [f"preview: {len(targets)} backend(s) would be acted on"] + [f"  {t.line()}" for t in targets[:20]]

    async def execute(self, env, target, params, prepared):
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
    def remediation(self, env, target, params):
        from irtui.database.remediate import CancelBackend as R
        return R(env.db, _pid(target))


class TerminateBackend(_Db):
    def remediation(self, env, target, params):
        from irtui.database.remediate import TerminateBackend as R
        return R(env.db, _pid(target))


class TerminateLongRunning(_Db):
    def remediation(self, env, target, params):
        from irtui.database.remediate import TerminateLongRunning as R
        return R(env.db, params.get("minutes", env.settings.long_running_minutes))


class PromoteReplica(_Db):
    def remediation(self, env, target, params):
        from irtui.database.remediate import PromoteReplica as R
        return R(env.db)
