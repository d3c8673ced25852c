"""User-defined actions: a team's own steps (`[[actions.custom]]` in the config or in a
runbook file) that run a script or send an HTTP request.

This module owns their schema (checked the same way for both files: every problem with its
key), their conversion into an `ActionSpec` (so the key help, the palette, the confirmation
and the journal treat them like any other action), and the `http` implementation. The
`script` kind runs through `irtui.actions.script`, with the Guard check and the streaming
that every script gets.

Exec steps (a command inside a pod) are not a kind here yet: they are declared in the
registry with the exec actions.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass
from typing import Any, Mapping

from irtui.actions.base import ActionEnv, Impl
from irtui.actions.model import TARGET_KINDS, ActionError, ActionSpec, Danger, Prepared, Target

KINDS = ("script", "http")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# key -> (type, required)
FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "id": (str, True), "title": (str, True), "kind": (str, True), "key": (str, False),
    "target": (str, False), "danger": (str, False), "confirm": (bool, False), "read_only": (bool, False),
    "description": (str, False), "script": (str, False), "args": (list, False),
    "method": (str, False), "url": (str, False), "body": (str, False),
}


@dataclass(frozen=True)
class CustomAction:
    """One `[[actions.custom]]` table, checked."""

    id: str
    title: str
    kind: str
    key: str = ""
    target: str = "namespace"
    danger: Danger = Danger.MEDIUM
    # false: a low-danger step runs without the confirmation dialog.
    confirm: bool = True
    # true: the step changes nothing (a GET); it is offered in a read-only session, where
    # the guarded clients still refuse anything that would change something.
    read_only: bool = False
    description: str = ""
    # script: the name of a `[scripts]` entry, and the arguments after it.
    script: str = ""
    args: tuple[str, ...] = ()
    # http
    method: str = "POST"
    url: str = ""
    body: str = ""

    @property
    def command(self) -> str:
        if self.kind == "script":
            return shlex.join([f"<[scripts] {self.script}>", *self.args])
        return f"curl -X {self.method} {self.url}" + (" -d @body" if self.body else "")

    def spec(self) -> ActionSpec:
        return ActionSpec(
            id=self.id, title=self.title, key=self.key, target_kinds=(self.target,), danger=self.danger,
            mutating=not self.read_only,
            description=self.description or f"{self.title} (user-defined {self.kind} action)",
            dry_run=("none: a local script cannot be rehearsed; its exact argv is shown before it runs"
                     if self.kind == "script" else "none: an HTTP request cannot be rehearsed; it is shown before it is sent"),
            undo=None, command=self.command, group="custom", confirm=self.confirm,
            impl="irtui.actions.script:RunScript" if self.kind == "script" else "irtui.actions.custom:HttpAction",
        )


def problems(table: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem of one `[[actions.custom]]` table as (key, message); [] when valid."""
    from irtui.actions import registry

    found: list[tuple[str, str]] = []
    for key in table:
        if key not in FIELDS:
            found.append((key, f"unknown key (expected one of: {', '.join(sorted(FIELDS))})"))
    for key, (kind, required) in FIELDS.items():
        if key not in table:
            if required:
                found.append((key, "is required"))
            continue
        value = table[key]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            name = kind.__name__ if isinstance(kind, type) else kind[0].__name__
            found.append((key, f"must be {'a list of strings' if kind is list else name}, not {type(value).__name__}"))
    if found:
        return found
    action_id = table["id"]
    if registry.ACTION_ID.match(action_id) is None:
        found.append(("id", f"invalid id {action_id!r} (expected team.name: lower case, one dot)"))
    elif registry.declared(action_id) is not None:
        found.append(("id", f"{action_id!r} is irtui's own action: give the team's step its own id"))
    if table["kind"] not in KINDS:
        found.append(("kind", f"must be one of {', '.join(KINDS)}"))
    if table.get("target", "namespace") not in TARGET_KINDS:
        found.append(("target", f"must be one of {', '.join(TARGET_KINDS)}"))
    if table.get("danger", "medium") not in [d.label for d in Danger]:
        found.append(("danger", f"must be one of {', '.join(d.label for d in Danger)}"))
    elif table.get("confirm") is False and table.get("danger", "medium") != "low":
        found.append(("confirm", "only a low-danger step may skip the confirmation"))
    if not all(isinstance(a, str) for a in table.get("args", [])):
        found.append(("args", "must be a list of strings"))
    if table["kind"] == "script":
        if not table.get("script"):
            found.append(("script", 'is required for kind = "script" (the name of a [scripts] entry)'))
        for key in ("method", "url", "body"):
            if key in table:
                found.append((key, 'is for kind = "http"'))
    elif table["kind"] == "http":
        if not table.get("url", "").startswith(("http://", "https://")):
            found.append(("url", "must be an http:// or https:// URL"))
        if table.get("method", "POST").upper() not in _METHODS:
            found.append(("method", f"must be one of {', '.join(_METHODS)}"))
        elif table.get("read_only") and table.get("method", "POST").upper() not in ("GET", "HEAD"):
            found.append(("read_only", "only a GET or HEAD request changes nothing"))
        for key in ("script", "args"):
            if key in table:
                found.append((key, 'is for kind = "script"'))
    return found


def from_table(table: Mapping[str, Any]) -> CustomAction:
    """A checked table (see `problems`) as a `CustomAction`."""
    return CustomAction(
        id=table["id"], title=table["title"], kind=table["kind"], key=table.get("key", ""),
        target=table.get("target", "namespace"), danger=Danger[table.get("danger", "medium").upper()],
        confirm=table.get("confirm", True), read_only=table.get("read_only", False),
        description=table.get("description", ""), script=table.get("script", ""),
        args=tuple(table.get("args", ())), method=table.get("method", "POST").upper(),
        url=table.get("url", ""), body=table.get("body", ""),
    )


def custom_of(env: ActionEnv, action_id: str) -> CustomAction:
    for action in env.settings.custom:
        if action.id == action_id:
            return action
    raise ActionError(f"{action_id} is not declared in [[actions.custom]]")


class HttpAction(Impl):
    """An HTTP request through the session's guarded client: a read-only session refuses
    anything but GET/HEAD before a connection is opened."""

    def __init__(self, action_id: str) -> None:
        self.action_id = action_id

    @classmethod
    def for_spec(cls, spec: ActionSpec) -> HttpAction:
        return cls(spec.id)

    def unavailable(self, env: ActionEnv, target: Target) -> str | None:
        return None

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        action = custom_of(env, self.action_id)
        summary = [f"{action.method} {action.url}"]
        if action.body:
            summary.append(f"body: {len(action.body.encode())} bytes, sha256 "
                           f"{hashlib.sha256(action.body.encode()).hexdigest()[:12]}")
        return Prepared(command=action.command, summary=summary, state={"action": action})

    async def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared):
        from irtui.safety import ReadOnlyError, guarded_http_client

        action: CustomAction = prepared.state["action"]
        headers = {"Content-Type": "application/json"} if action.body else {}
        async with guarded_http_client(env.guard, timeout=30.0) as client:
            try:
                response = await client.request(action.method, action.url, content=action.body or None,
                                                 headers=headers)
            except ReadOnlyError:
                raise
            except Exception as exc:  # refused, unreachable, timed out: one line
                raise ActionError(f"{action.method} {action.url}: {exc or type(exc).__name__}") from None
        if response.status_code >= 400:
            raise ActionError(f"{action.method} {action.url} answered {response.status_code} {response.reason_phrase}")
        return (f"{action.method} {action.url}: {response.status_code}",
                {"status_code": response.status_code})
