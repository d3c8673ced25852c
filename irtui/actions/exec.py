"""Exec steps as actions: a command the runbook runs inside a pod, run through the executor.

The registry declares each step once (`registry.EXEC_STEPS`: argv, the workload the runbook
runs it in, whether it only reads; a team's own in `[[actions.custom]]`, kind = "exec"). This module finds the pod (the selected one, or the
first ready pod of the workload), says exactly what will run (argv and the equivalent
`kubectl exec`), runs it through `irtui.kube.exec` (where read-only is enforced), passes the
output as it arrives to the live view the app provides, and returns what the timeline keeps:
the command, the exit code and a bounded digest of the output.

The live view is `env.extra["exec_view"]`, a callable `(title, prepared) -> OutputView`; the
app installs one that opens a screen. Without one (tests of the bare executor, scripts) the
output is only digested.
"""

from __future__ import annotations

import shlex
from typing import Any, Mapping

from irtui.actions import registry
from irtui.actions.base import ActionEnv, Impl, ns_of
from irtui.actions.kube import kube_of
from irtui.actions.model import AccessCheck, ActionError, Prepared, Target
from irtui.actions.output import NoView, OutputDigest, OutputView


def _first_ready_pod(env: ActionEnv, kind: str, namespace: str, name: str) -> dict:
    from irtui.actions.kubeapi import resource_path

    kube = kube_of(env)
    workload = kube.get(resource_path(kind, namespace, name))
    labels = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    pods = sorted(kube.items(resource_path("pod", namespace), labelSelector=selector),
                  key=lambda p: p["metadata"]["name"])
    for wanted in (_ready, _running):
        found = next((pod for pod in pods if wanted(pod)), None)
        if found is not None:
            return found
    raise ActionError(f"{kind}/{name} has no running pod to run the command in")


def _ready(pod: dict) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions) and not (
        pod.get("metadata") or {}).get("deletionTimestamp")


def _running(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and not (pod.get("metadata") or {}).get(
        "deletionTimestamp")


class RunInPod(Impl):
    """One exec step (`registry.exec_step`); the registry says which (`for_spec`)."""

    def __init__(self, action_id: str, step: registry.ExecStep | None = None) -> None:
        self.action_id = action_id
        self._step = step

    @classmethod
    def for_spec(cls, spec: Any) -> RunInPod:
        return cls(spec.id)

    @property
    def step(self) -> registry.ExecStep:
        """Told at creation (a step another action runs in a pod), else the registry's
        (irtui's own exec steps and a team's)."""
        step = self._step or registry.exec_step(self.action_id)
        if step is None:
            raise ActionError(f"{self.action_id} is not an exec step")
        return step

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        ns = target.name if target.kind == "namespace" else ns_of(env, target)
        return [AccessCheck("create", "pods", "", "exec", ns)]

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        from irtui.actions.kubeapi import resource_path
        from irtui.kube.exec import kubectl_command

        step = self.step
        ns = target.name if target.kind == "namespace" else ns_of(env, target)
        if step.workload:
            kind, _, name = step.workload.partition("/")
            pod = _first_ready_pod(env, kind, ns, name)
        elif target.kind == "pod":
            pod = kube_of(env).get(resource_path("pod", ns, target.name))
        else:
            pod = _first_ready_pod(env, target.kind, ns, target.name)
        pod_name = pod["metadata"]["name"]
        containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
        container = step.container or (containers[0] if containers else None)
        argv = list(step.argv)
        command = kubectl_command(ns, pod_name, container, argv,
                                  env.context if env.context and not env.in_cluster else None)
        warnings = []
        if not _running(pod):
            warnings.append(f"pod/{pod_name} is {(pod.get('status') or {}).get('phase', 'not running')}: "
                            "the exec will probably be refused")
        return Prepared(
            command=command,
            summary=[f"runs in pod/{pod_name}, container {container}", f"argv: {shlex.join(argv)}"],
            targets=[pod_name], warnings=warnings,
            state={"namespace": ns, "pod": pod_name, "container": container, "argv": argv},
        )

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        return ["no dry run for a command in a container: the argv above is exactly what runs"]

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any],
                prepared: Prepared) -> tuple[str, dict[str, Any]]:
        from irtui.kube.exec import ExecError, run_exec

        state = prepared.state
        make_view = env.extra.get("exec_view")
        view: OutputView = make_view(registry.get(self.action_id).title, prepared) if make_view else NoView()
        digest = OutputDigest()

        def output(channel: int, data: bytes) -> None:
            digest.feed(data)
            view.output(channel, data)

        read_only_ok = self.step.read_only and env.settings.allow_read_only_exec
        try:
            result = run_exec(kube_of(env).api, env.guard, state["namespace"], state["pod"], state["container"],
                              state["argv"], on_output=output, cancelled=view.cancelled, read_only_ok=read_only_ok)
        except ExecError as exc:
            view.finished(None, f"not run: {exc}")
            raise ActionError(str(exc)) from None
        except Exception as exc:
            view.finished(None, f"not run: {exc}")
            raise
        if result.cancelled:
            message = f"cancelled by the responder after {digest.lines} lines; exit status unknown"
        elif result.exit_code is None:
            message = f"ended without an exit status: {result.error}"
        else:
            message = f"exit {result.exit_code}"
        view.finished(result.exit_code, message)
        details = {"pod": state["pod"], "container": state["container"], "argv": state["argv"],
                   "exit_code": result.exit_code, "cancelled": result.cancelled, "output": digest.summary()}
        last = _last_line(digest)
        return (f"{message}: {last}" if last else message), details


def _last_line(digest: OutputDigest) -> str:
    summary = digest.summary()
    text = (summary["tail"] or summary["head"]).strip()
    line = text.rsplit("\n", 1)[-1] if text else ""
    return line[:160]
