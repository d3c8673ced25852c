"""Local scripts as actions: an argv from `[scripts]` (never a shell string), the Guard asked
before anything starts, output streamed into the live view as it arrives, a bounded digest
and the exit code for the timeline, and escape to cancel.

This module owns `run_script` (the process, its output, its cancellation) and `RunScript`,
the implementation of the registry's script steps and of a team's `kind = "script"` steps.
Scripts act outside the guarded clients, so the Guard check in `run_script` is what keeps a
read-only session from starting one, whatever the UI offers.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from irtui.actions.base import ActionEnv, Impl
from irtui.actions.model import ActionError, ActionSpec, Ended, Prepared, Target
from irtui.actions.output import NoView, OutputDigest, OutputView
from irtui.safety import Guard, ReadOnlyError

_CHUNK = 64 * 1024
_POLL = 0.1  # how often a running script looks for the responder's cancel


@dataclass
class ScriptResult:
    argv: list[str]
    exit_code: int | None
    cancelled: bool
    digest: OutputDigest = field(default_factory=OutputDigest)

    def details(self) -> dict[str, Any]:
        return {"argv": self.argv, "exit_code": self.exit_code, "cancelled": self.cancelled,
                "output": self.digest.summary()}


async def run_script(argv: list[str], guard: Guard, view: OutputView | None = None, *,
                     env: Mapping[str, str] | None = None, grace: float = 5.0) -> ScriptResult:
    """Run `argv` to the end, or until `view.cancelled()`: then SIGTERM to its process group
    and, `grace` seconds later, SIGKILL. Raises `ReadOnlyError` before starting anything."""
    guard.check(f"script {shlex.join(argv)}")
    view = view or NoView()
    result = ScriptResult(list(argv), None, False)
    # Its own session: the script's children (kubectl, curl) are in its process group, so a
    # cancel reaches them too.
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        env=dict(env) if env is not None else None)

    async def pump() -> None:
        assert process.stdout is not None
        while chunk := await process.stdout.read(_CHUNK):
            result.digest.feed(chunk)
            view.output(1, chunk)

    reader = asyncio.ensure_future(pump())
    try:
        while not reader.done():
            await asyncio.wait({reader}, timeout=_POLL)
            if not reader.done() and view.cancelled():
                result.cancelled = True
                await _stop(process, grace)
                break
        result.exit_code = await process.wait()
        # Whatever the group still had buffered is read, up to a moment after the end.
        await asyncio.wait({reader}, timeout=grace)
    finally:
        if not reader.done():
            reader.cancel()
        if process.returncode is None:
            await _stop(process, grace)
    return result


async def _stop(process: asyncio.subprocess.Process, grace: float) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            await asyncio.wait_for(process.wait(), timeout=grace)
            if sig == signal.SIGTERM:
                # The leader is gone; children that ignored SIGTERM are not left behind.
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return
        except asyncio.TimeoutError:
            continue


def script_step(env: ActionEnv, action_id: str) -> tuple[str, tuple[str, ...]]:
    """(the `[scripts]` name, the arguments) of a step, from the registry or the team's own."""
    from irtui.actions import registry

    step = registry.SCRIPT_STEPS.get(action_id)
    if step is not None:
        return step.script, step.args
    for action in env.settings.custom:
        if action.id == action_id and action.kind == "script":
            return action.script, action.args
    raise ActionError(f"{action_id} is not a script step")


class RunScript(Impl):
    def __init__(self, action_id: str, title: str = "") -> None:
        self.action_id = action_id
        self.title = title or action_id

    @classmethod
    def for_spec(cls, spec: ActionSpec) -> RunScript:
        return cls(spec.id, spec.title)

    def _path(self, env: ActionEnv) -> tuple[str, Path | None]:
        name, _ = script_step(env, self.action_id)
        return name, env.settings.scripts.get(name)

    def unavailable(self, env: ActionEnv, target: Target | None) -> str | None:
        name, path = self._path(env)
        if path is None:
            return f"not configured — set [scripts] {name} in config.toml"
        if not path.is_file():
            return f"[scripts] {name}: {path} is not a file"
        if not os.access(path, os.X_OK):
            return f"[scripts] {name}: {path} is not executable"
        return None

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        reason = self.unavailable(env, target)
        if reason:
            raise ActionError(reason)
        name, args = script_step(env, self.action_id)
        _, path = self._path(env)
        argv = [str(path), *args]
        return Prepared(command=shlex.join(argv), summary=[f"argv {json.dumps(argv)}"], state={"argv": argv})

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        return ["not rehearsed: a local script has no dry run; nothing has started yet"]

    async def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any],
                      prepared: Prepared) -> tuple[str, dict[str, Any]]:
        argv = prepared.state["argv"]
        open_view = env.extra.get("output_view")
        view = open_view(self.title, prepared) if open_view is not None else None
        variables = dict(os.environ)
        # What a script needs to act on the same cluster as this session.
        if env.kubeconfig:
            variables["KUBECONFIG"] = env.kubeconfig
        variables.update({"IRTUI_CONTEXT": env.context, "IRTUI_NAMESPACE": target.namespace or env.namespace})
        try:
            result = await run_script(argv, env.guard, view, env=variables, grace=env.settings.script_grace_seconds)
        except ReadOnlyError:
            raise
        except OSError as exc:  # not found, not executable, no such interpreter
            if view is not None:
                view.finished(None, f"could not start: {exc.strerror or exc}")
            raise ActionError(f"could not start {argv[0]}: {exc.strerror or exc}") from None
        details = result.details()
        if result.cancelled:
            message = f"cancelled (exit code {result.exit_code})"
            if view is not None:
                view.finished(result.exit_code, message)
            raise Ended("cancelled", message, details)
        message = f"exit code {result.exit_code}"
        if view is not None:
            view.finished(result.exit_code, message)
        if result.exit_code != 0:
            raise Ended("failed", message, details)
        return message, details
