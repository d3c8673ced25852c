"""The helm CLI: an argument list (never a shell string) run with the session's kubeconfig and
context, consulting the Guard before anything that changes a release.

This module owns `HelmRunner` and the `helm.history` / `helm.rollback` actions. helm talks to
the cluster itself, outside the guarded kubernetes client, so the Guard check here is the
only thing that keeps read-only true for helm: every mutating subcommand goes through
`run(..., mutating=True)`, and a subcommand not known to be read-only counts as mutating.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Mapping

from irtui.actions.base import ActionEnv, Impl, ns_of
from irtui.actions.model import AccessCheck, ActionError, Executed, NothingToDo, Prepared, Target, UndoPlan
from irtui.safety import Guard

# Subcommands that only read. Anything else is treated as a change.
READ_ONLY_SUBCOMMANDS = frozenset({"history", "status", "list", "ls", "get", "version", "env", "show", "search"})


class HelmError(Exception):
    """helm exited non-zero; the message is its stderr's last lines."""


@dataclass
class HelmResult:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


class HelmRunner:
    def __init__(self, guard: Guard, *, kubeconfig: str | None = None, context: str | None = None,
                 binary: str | None = None, timeout: float = 120.0) -> None:
        self.guard = guard
        self.kubeconfig = kubeconfig
        self.context = context
        self.binary = binary or shutil.which("helm")
        self.timeout = timeout

    @property
    def available(self) -> bool:
        return bool(self.binary)

    def argv(self, *args: str) -> list[str]:
        """The full argument vector, with the session's kubeconfig and context."""
        argv = [self.binary or "helm", *args]
        if self.kubeconfig:
            argv += ["--kubeconfig", self.kubeconfig]
        if self.context:
            argv += ["--kube-context", self.context]
        return argv

    def display(self, *args: str) -> str:
        """What a human would type (without the kubeconfig path, with the context)."""
        argv = ["helm", *args]
        if self.context:
            argv += ["--kube-context", self.context]
        return shlex.join(argv)

    def run(self, *args: str, mutating: bool | None = None, dry_run: bool = False) -> HelmResult:
        if not args:
            raise ValueError("no helm subcommand")
        if mutating is None:
            mutating = args[0] not in READ_ONLY_SUBCOMMANDS
        # A dry run of a mutating subcommand still talks to the cluster with write intent
        # (helm's --dry-run=server renders against it); read-only refuses it too.
        if mutating or dry_run:
            self.guard.check(f"helm {' '.join(args)}")
        if not self.binary:
            raise HelmError("helm is not installed")
        proc = subprocess.run(self.argv(*args), capture_output=True, text=True, timeout=self.timeout,
                              shell=False, stdin=subprocess.DEVNULL)
        result = HelmResult(self.argv(*args), proc.returncode, proc.stdout, proc.stderr)
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-3:]) or f"exit status {proc.returncode}"
            raise HelmError(tail)
        return result

    def history(self, release: str, namespace: str, max_entries: int = 10) -> list[dict]:
        out = self.run("history", release, "-n", namespace, "--max", str(max_entries), "-o", "json", mutating=False)
        try:
            return json.loads(out.stdout or "[]")
        except ValueError as exc:
            raise HelmError(f"unexpected helm history output: {exc}") from exc


def runner(env: ActionEnv) -> HelmRunner:
    """The session's helm runner, made on first use."""
    if env.helm is None:
        env.helm = HelmRunner(env.guard, kubeconfig=env.kubeconfig, context=env.context or None)
    return env.helm


def _release(env: ActionEnv, target: Target) -> tuple[str, str]:
    ns = ns_of(env, target)
    if target.kind == "release":
        return target.name, ns
    return env.settings.helm_release, (target.name if target.kind == "namespace" else ns)


class HelmHistory(Impl):
    def unavailable(self, env: ActionEnv, target: Target | None) -> str | None:
        return None if runner(env).available else "helm is not installed"

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        # helm keeps releases in secrets of the release's namespace.
        return [AccessCheck("list", "secrets", "", "", _release(env, target)[1])]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        release, ns = _release(env, target)
        return Prepared(command=runner(env).display("history", release, "-n", ns),
                        targets=[f"release/{release}"], state={"release": release, "ns": ns})

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        rows = runner(env).history(prepared.state["release"], prepared.state["ns"])
        lines = [f"{r.get('revision')}\t{r.get('updated', '')[:19]}\t{r.get('status')}\t{r.get('chart')}\t{r.get('app_version', '')}\t{r.get('description', '')}"
                 for r in rows]
        return f"{len(rows)} revisions of {prepared.state['release']}", {"history": rows, "lines": lines}


class HelmRollback(Impl):
    """`helm rollback RELEASE -n NS` (to the previous revision), rehearsed with --dry-run."""

    def unavailable(self, env: ActionEnv, target: Target | None) -> str | None:
        return None if runner(env).available else "helm is not installed"

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        ns = _release(env, target)[1]
        return [AccessCheck("list", "secrets", "", "", ns), AccessCheck("patch", "deployments", "apps", "", ns)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        release, ns = _release(env, target)
        history = runner(env).history(release, ns, max_entries=256)
        if len(history) < 2:
            raise NothingToDo(f"release {release} has no previous revision")
        current = history[-1].get("revision")
        previous = history[-2].get("revision")
        revision = params.get("revision")
        args = ["rollback", release] + ([str(revision)] if revision else []) + ["-n", ns]
        return Prepared(
            command=runner(env).display(*args),
            summary=[f"release {release} in {ns}: revision {current} -> {revision or previous}",
                     f"now:   {history[-1].get('chart')} ({history[-1].get('app_version', '')})",
                     f"after: {history[-2].get('chart')} ({history[-2].get('app_version', '')})"],
            targets=[f"release/{release}"], typed_name=release,
            state={"args": args},
            undo=UndoPlan("helm.rollback", Target("release", release, ns), {"revision": current},
                          f"helm rollback {release} {current}"),
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        try:
            out = runner(env).run(*prepared.state["args"], "--dry-run", mutating=False, dry_run=True)
        except HelmError as exc:
            raise ActionError(f"helm --dry-run: {exc}") from exc
        return [line for line in out.stdout.strip().splitlines()[-3:]] or ["helm --dry-run succeeded"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed:
        try:
            out = runner(env).run(*prepared.state["args"], mutating=True)
        except HelmError as exc:
            raise ActionError(str(exc)) from exc
        return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "rollback done"
