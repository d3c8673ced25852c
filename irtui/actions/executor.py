"""Running an action: describe -> availability (read-only, RBAC) -> parameters -> fresh read
-> an edit's diff reviewed -> dry run -> guardrails -> confirm -> record started -> run (409: re-read, retry) -> record
finished -> undo offered.

This module owns that order and the guardrails (typed confirmation for high danger and
bulk, asking again for a repeated destructive action). It owns no UI: asking the responder
is delegated to the `confirm` and `ask` callables the app passes in (the screens in
`irtui.ui.screens`), and recording to a `Recorder`. Every request goes through the
session's guarded clients, so read-only holds even if this code is wrong.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Awaitable, Callable, Mapping

from kubernetes.client.exceptions import ApiException

from irtui.actions import registry
from irtui.actions.base import ActionEnv
from irtui.actions.journal import Recorder, finished_text
from irtui.actions.kubeapi import AccessCache, Kube, api_message
from irtui.actions.model import (
    AccessCheck,
    ActionError,
    ActionSpec,
    Availability,
    ConfirmRequest,
    Danger,
    Ended,
    NothingToDo,
    Outcome,
    Prepared,
    Target,
    UndoPlan,
)
from irtui.safety import ReadOnlyError

Confirmer = Callable[[ConfirmRequest], Awaitable[bool]]
# (spec, target, defaults) -> parameters, or None when the responder backed out.
Asker = Callable[[ActionSpec, Target, dict[str, Any]], Awaitable[dict[str, Any] | None]]
# (spec, target, prepared) -> whether to go on to the dry run, after an edit's diff was seen.
Reviewer = Callable[[ActionSpec, Target, Prepared], Awaitable[bool]]

# Kinds the executor can derive from a selected pod, so "restart" on a pod restarts its
# deployment and "cordon" on a pod cordons its node.
_DERIVABLE = {"deployment", "statefulset", "node", "namespace"}


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Coroutines are awaited; blocking functions (the kubernetes client) go to a thread."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    return await asyncio.to_thread(fn, *args)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ApiException):
        return api_message(exc)
    if isinstance(exc, ReadOnlyError):
        return str(exc)
    return str(exc) or type(exc).__name__


def _is_conflict(exc: BaseException) -> bool:
    return isinstance(exc, ApiException) and exc.status == 409


def fits(spec: ActionSpec, target: Target) -> bool:
    """Whether the action can apply to `target`: its own kind, or a pod it derives one from."""
    return target.kind in spec.target_kinds or (target.kind == "pod" and bool(set(spec.target_kinds) & _DERIVABLE))


class ActionRunner:
    """One per session. `run(action_id, target)` is the only way the UI changes anything."""

    def __init__(
        self,
        env: ActionEnv,
        recorder: Recorder,
        *,
        confirm: Confirmer | None = None,
        ask: Asker | None = None,
        review: Reviewer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.env = env
        self.recorder = recorder
        self.confirm = confirm
        self.ask = ask
        self.review = review
        self.clock = clock
        self.access = AccessCache(env.kube) if env.kube is not None else None
        # (action id, target key) -> (when, actor) of the last real run, for the repeat guardrail.
        self._last_run: dict[tuple[str, str], float] = {}
        self.last_undo: UndoPlan | None = None
        # (target kinds, selected target key) -> the object it resolved to (a pod's deployment).
        self._resolved: dict[tuple[tuple[str, ...], str], Target] = {}

    # --- what may be offered ---------------------------------------------------------------
    def static_availability(self, spec: ActionSpec, target: Target | None) -> Availability:
        """What can be said without a request: read-only, wrong kind, missing tool."""
        if self.env.guard.read_only:
            refusal = registry.read_only_refusal(spec, self.env.settings)
            if refusal:
                return Availability.no(refusal)
        # Not configured (no database, helm missing) holds whatever is selected: said first.
        reason = registry.implementation(spec).unavailable(self.env, target)
        if reason:
            return Availability.no(reason)
        if target is not None and not fits(spec, target):
            return Availability.no(f"applies to {' or '.join(spec.target_kinds)}, not {target.kind}")
        return Availability.yes()

    def cached_availability(self, action_id: str, target: Target | None) -> Availability | None:
        """Availability from what is already known (no request); None if an access review
        has not been answered yet. For `check_action` gating, which cannot wait."""
        spec = registry.get(action_id)
        static = self.static_availability(spec, target)
        if not static.available or target is None or self.access is None:
            return static
        if target.kind not in spec.target_kinds:
            target = self._resolved.get((spec.target_kinds, target.key))
            if target is None:
                return None
        impl = registry.implementation(spec)
        try:
            checks = impl.checks(self.env, target, {})
        except Exception:
            return None
        for check in checks:
            hit = self.access.cached(check)
            if hit is None:
                return None
            if not hit[0]:
                return Availability.no(self._denied(check, hit[1]))
        return Availability.yes()

    async def availability(self, action_id: str, target: Target | None, *, fresh: bool = False) -> Availability:
        """Read-only, kind, tool, then RBAC (SelfSubjectAccessReview for each exact check)."""
        spec = registry.get(action_id)
        static = self.static_availability(spec, target)
        if not static.available or target is None:
            return static
        if target.kind not in spec.target_kinds:
            try:
                resolved = await self.resolve(spec, target)
            except ActionError as exc:
                return Availability.no(str(exc))
            except Exception as exc:  # the pod is gone, or the cluster unreachable
                return Availability.no(f"cannot resolve {target.label}: {_error_text(exc)}")
            self._resolved[(spec.target_kinds, target.key)] = resolved
            target = resolved
        impl = registry.implementation(spec)
        if self.access is None:
            return Availability.yes()
        for check in impl.checks(self.env, target, {}):
            try:
                allowed, reason = await asyncio.to_thread(self.access.allowed, check, fresh=fresh)
            except (ApiException, OSError) as exc:
                return Availability.no(f"cannot check permissions: {_error_text(exc)}")
            except Exception as exc:  # urllib3 connection errors and the like
                return Availability.no(f"cannot check permissions: {_error_text(exc)}")
            if not allowed:
                return Availability.no(self._denied(check, reason))
        return Availability.yes()

    def _denied(self, check: AccessCheck, reason: str) -> str:
        who = self.env.user or "this identity"
        text = f"RBAC: {who} may not {check.describe()}"
        return f"{text} ({reason})" if reason else text

    async def refresh_access(self, target: Target) -> None:
        """Ask the access reviews for every action that applies to `target`, so key gating
        and the palette can answer from the cache. Errors are left for `run` to report."""
        for spec in registry.all_actions():
            if self.static_availability(spec, target).available:
                try:
                    await self.availability(spec.id, target)
                except Exception:
                    pass

    # --- target derivation -----------------------------------------------------------------
    async def resolve(self, spec: ActionSpec, target: Target) -> Target:
        """The object the action applies to, from what is selected (a pod's deployment, node
        or namespace); the target itself when it already fits."""
        if target.kind in spec.target_kinds:
            return target
        ns = target.namespace or self.env.namespace
        if "namespace" in spec.target_kinds:
            return Target("namespace", ns, ns)
        if target.kind != "pod" or self.env.kube is None:
            raise ActionError(f"{spec.title} applies to {' or '.join(spec.target_kinds)}, not {target.kind}")
        return await asyncio.to_thread(self._resolve_from_pod, self.env.kube, spec, target, ns)

    def _resolve_from_pod(self, kube: Kube, spec: ActionSpec, pod_target: Target, ns: str) -> Target:
        from irtui.actions.kubeapi import resource_path

        pod = kube.get(resource_path("pod", ns, pod_target.name))
        if "node" in spec.target_kinds:
            node = (pod.get("spec") or {}).get("nodeName")
            if not node:
                raise ActionError(f"pod/{pod_target.name} is not scheduled on a node")
            return Target("node", node)
        owners = (pod.get("metadata") or {}).get("ownerReferences") or []
        owner = next((o for o in owners if o.get("controller")), None)
        if owner and owner.get("kind") == "StatefulSet" and "statefulset" in spec.target_kinds:
            return Target("statefulset", owner["name"], ns)
        if owner and owner.get("kind") == "ReplicaSet" and "deployment" in spec.target_kinds:
            rs = kube.get(resource_path("replicaset", ns, owner["name"]))
            dep = next((o for o in (rs.get("metadata") or {}).get("ownerReferences") or []
                        if o.get("controller") and o.get("kind") == "Deployment"), None)
            if dep:
                return Target("deployment", dep["name"], ns)
        raise ActionError(f"pod/{pod_target.name} is not managed by a {' or '.join(spec.target_kinds)}")

    # --- running ---------------------------------------------------------------------------
    async def run(self, action_id: str, target: Target, params: Mapping[str, Any] | None = None) -> Outcome:
        spec = registry.get(action_id)
        impl = registry.implementation(spec)
        params = dict(params or {})

        def outcome(status: str, message: str, command: str = "", **kw: Any) -> Outcome:
            return Outcome(spec.id, target, status, message, command, **kw)

        # 1. may it be offered at all (read-only, kind, tool, RBAC)?
        available = await self.availability(spec.id, target, fresh=True)
        if not available.available:
            return outcome("unavailable", available.reason)
        try:
            target = await self.resolve(spec, target)
        except ActionError as exc:
            return outcome("unavailable", str(exc))
        except Exception as exc:  # the pod vanished, the cluster went away
            return outcome("failed", _error_text(exc))

        # 2. parameters the action needs before it can be rehearsed
        if spec.params and not all(p.name in params for p in spec.params):
            defaults = {p.name: params.get(p.name, p.default) for p in spec.params}
            if self.ask is None:
                params = {k: v for k, v in defaults.items() if v is not None}
            else:
                answered = await self.ask(spec, target, defaults)
                if answered is None:
                    return outcome("cancelled", "cancelled before the dry run; nothing was sent")
                params = {**params, **answered}
        try:
            params = {p.name: p.parse(params[p.name]) for p in spec.params
                      if params.get(p.name) not in (None, "")} | {k: v for k, v in params.items()
                                                                if k not in {p.name for p in spec.params}}
        except ValueError as exc:
            return outcome("failed", str(exc))

        # 3. a fresh read, and 4. the rehearsal. A 409 there means the object changed since
        # the read (a controller updating a rollout's status, another responder): read again,
        # as the real request does below.
        for attempt in range(max(1, self.env.settings.conflict_retries + 1)):
            try:
                prepared: Prepared = await _call(impl.prepare, self.env, target, params)
            except NothingToDo as exc:
                return outcome("noop", str(exc))
            except Exception as exc:  # a bad read is shown, never raised into the UI
                return outcome("unavailable" if isinstance(exc, ReadOnlyError) else "failed", _error_text(exc))
            # An edit is seen (old -> new) before anything, even a rehearsal, is sent.
            if attempt == 0 and prepared.diff and self.review is not None:
                if not await self.review(spec, target, prepared):
                    return outcome("cancelled", "not applied after the diff; nothing was sent", prepared.command)
            try:
                dry_lines = await _call(impl.dry_run, self.env, target, params, prepared) if spec.mutating else []
                break
            except ReadOnlyError as exc:
                return outcome("unavailable", _error_text(exc), prepared.command)
            except Exception as exc:
                if _is_conflict(exc) and attempt < self.env.settings.conflict_retries:
                    continue
                return outcome("rejected", f"dry run refused: {_error_text(exc)}", prepared.command)

        # 5. guardrails and confirmation (for anything that changes something)
        if spec.mutating:
            danger = spec.effective_danger(params, target)
            warnings = list(prepared.warnings)
            typed = prepared.typed_name or target.name if danger >= Danger.HIGH else None
            if len(prepared.targets) > self.env.settings.bulk_confirm_over:
                typed = prepared.typed_name or target.name
                warnings.insert(0, f"bulk action: {len(prepared.targets)} targets (more than "
                                   f"{self.env.settings.bulk_confirm_over})")
            last = self._last_run.get((spec.id, target.key))
            if danger >= Danger.MEDIUM and last is not None:
                ago = self.clock() - last
                if ago < self.env.settings.repeat_window_seconds:
                    typed = prepared.typed_name or target.name
                    warnings.insert(0, f"REPEATED: {spec.title} already ran on {target.label} "
                                       f"{int(ago)}s ago in this session; asking again")
            request = ConfirmRequest(
                spec=spec, target=target, params=params, danger=danger,
                context=self.env.context, cluster_url=self.env.cluster_url,
                namespace=target.namespace if target.kind != "node" else None,
                actor=self.env.actor, command=prepared.command, dry_run=list(dry_lines),
                summary=list(prepared.summary),
                production=self.env.settings.is_production(self.env.context, target.namespace,
                                                           target.name if target.kind == "namespace" else None),
                typed=typed, warnings=warnings,
                undo=prepared.undo.description if prepared.undo else None,
            )
            # A team may declare a low-danger step of its own to run without asking; any
            # guardrail (typed name, bulk, repeat) still asks.
            asks = spec.confirm or danger > Danger.LOW or typed is not None or warnings
            if asks:
                if self.confirm is None:
                    return outcome("cancelled", "no way to confirm; nothing was sent", prepared.command)
                if not await self.confirm(request):
                    return outcome("cancelled", "not confirmed; nothing was sent", prepared.command)

        # 6. the real call, recorded before and after. A read-only terminal writes no
        # record (it promises to change nothing, the store included), so the diagnostics it
        # may run (health checks, rollout status) run unrecorded and are shown.
        recording = spec.mutating or not self.env.guard.read_only
        details: dict[str, Any] = {
            "action": spec.id, "target": target.label, "namespace": target.namespace,
            "context": self.env.context, "cluster": self.env.cluster_url, "actor": self.env.actor,
            "command": prepared.command, "params": spec.recordable(params),
        }
        if prepared.diff:
            details["diff"] = [{"key": key, "old": old, "new": new} for key, old, new in prepared.diff]
        try:
            if recording:
                await self.recorder.record("action_started", f"{spec.title} {target.label}: {prepared.command}",
                                           details)
        except Exception as exc:
            # Who did what must be written down before it is done: no record, no change.
            return outcome("failed", f"could not record the action, so it was not run: {_error_text(exc)}",
                           prepared.command)
        status, message, extra = "done", "", {}
        attempts = max(1, self.env.settings.conflict_retries + 1)
        for attempt in range(attempts):
            try:
                result = await _call(impl.execute, self.env, target, params, prepared)
                message, extra = (result if isinstance(result, tuple) else (result, {}))
                break
            except NothingToDo as exc:
                status, message = "noop", str(exc)
                break
            except Ended as exc:
                status, message, extra = exc.status, str(exc), exc.details
                break
            except Exception as exc:  # recorded and shown, never raised into the UI
                if _is_conflict(exc) and attempt + 1 < attempts:
                    # Someone changed the object between our read and our write: read again.
                    try:
                        prepared = await _call(impl.prepare, self.env, target, params)
                        continue
                    except NothingToDo as again:
                        status, message = "noop", str(again)
                        break
                    except Exception as again:
                        exc = again
                status, message = "failed", _error_text(exc)
                break
        if attempt:
            extra = {**extra, "conflict_retries": attempt}
        if status == "done" and spec.mutating:
            self._last_run[(spec.id, target.key)] = self.clock()
        undo = prepared.undo if status == "done" else None
        if undo is not None:
            self.last_undo = undo
        try:
            if recording:
                await self.recorder.record(
                        "action_finished", finished_text(spec.title, target.label, status, message),
                    {**details, "result": status, "message": message,
                     **({"error": message} if status == "failed" else {}),
                     **({"undo": undo.description} if undo else {}), "details": extra},
                )
        except Exception as exc:  # the change happened: say so, and that the record is missing
            message = f"{message} (WARNING: the outcome could not be recorded: {_error_text(exc)})"
        return outcome(status, message, prepared.command, undo=undo, details=extra)

    async def undo(self, plan: UndoPlan | None = None) -> Outcome | None:
        """Run the undo of the last action (or `plan`) through the same door, confirmation
        included."""
        plan = plan or self.last_undo
        if plan is None:
            return None
        outcome = await self.run(plan.action_id, plan.target, plan.params)
        if outcome.status == "done" and plan is self.last_undo:
            self.last_undo = None
        return outcome
