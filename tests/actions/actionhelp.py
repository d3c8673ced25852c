"""Helpers for the actions tests: a session (env) on the simulator as a given user, the
responder's answers to the confirmation, reading the audit log."""

from __future__ import annotations

import asyncio
from pathlib import Path

from irtui.actions.base import ActionEnv
from irtui.actions.executor import ActionRunner
from irtui.actions.model import ConfirmRequest
from irtui.actions.settings import ActionSettings
from irtui.kube.client import connect
from irtui.safety import Guard

NS = "emrtask-prod"
MUTATING_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


def make_env(sim, context: str, tmp_path: Path, *, read_only: bool = False, **settings) -> ActionEnv:
    conn = connect(kubeconfig=sim.kubeconfig, context=context, namespace=NS, guard=Guard(read_only=read_only))
    return ActionEnv.from_connection(conn, ActionSettings(forensics_dir=tmp_path / "forensics", **settings))


class Responder:
    """The person at the keyboard: says yes (or no), and what they were shown is kept."""

    def __init__(self, answer: bool = True, during=None) -> None:
        self.answer = answer
        self.requests: list[ConfirmRequest] = []
        self.during = during  # something that happens while the confirmation is open

    async def __call__(self, request: ConfirmRequest) -> bool:
        self.requests.append(request)
        if self.during is not None:
            during, self.during = self.during, None
            await asyncio.to_thread(during)
        return self.answer


def runner_for(env: ActionEnv, recorder, responder: Responder | None = None) -> ActionRunner:
    return ActionRunner(env, recorder, confirm=responder or Responder())


def mutations(records: list[dict], user: str | None = None) -> list[dict]:
    return [r for r in records if r.get("verb") in MUTATING_VERBS and r.get("resource") not in
            ("selfsubjectaccessreviews", "selfsubjectrulesreviews") and (user is None or r.get("user") == user)]


def assert_dry_run_then_real(records: list[dict], method: str, path_end: str) -> None:
    """The audit log has a dry run of the request, then the real one, in that order."""
    matching = [r for r in records if r["method"] == method and r["path"].endswith(path_end) and r["status"] < 400]
    dry = [i for i, r in enumerate(matching) if r["dry_run"]]
    real = [i for i, r in enumerate(matching) if not r["dry_run"]]
    assert dry, f"no dry run of {method} ...{path_end} in the audit log"
    assert real, f"no real {method} ...{path_end} in the audit log"
    assert dry[0] < real[0], f"the real {method} ...{path_end} came before its dry run"


def timeline_kinds(session, action_id: str) -> list[str]:
    return [e.kind for e in session.timeline if (e.details or {}).get("action") == action_id]
