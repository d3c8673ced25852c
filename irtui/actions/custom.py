"""User-defined actions: a team's own steps (`[[actions.custom]]` in the config or in a
runbook file) that run a command in a pod, run a script or send an HTTP request.

This module owns their schema (checked the same way for both files: every problem with its
key), their conversion into an `ActionSpec` (so the key help, the palette, the confirmation
and the journal treat them like any other action), and the `http` implementation. The
`script` kind runs through `irtui.actions.script`, with the Guard check and the streaming
that every script gets; the `exec` kind (an argv run in a pod: the selected one, the first
ready pod of the selected workload, or of the `workload` the step names) through
`irtui.actions.exec`, like irtui's own in-pod checks: an access review of create on
`pods/exec`, the argv shown, the confirmation, live output, the journal, and read-only
refused in the exec client itself (a `read_only = true` step may run there only when
`[actions] allow_read_only_exec` is on).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any, Mapping

from irtui.actions.model import TARGET_KINDS, ActionSpec, Danger

KINDS = ("exec", "script", "http")
# The target kinds an exec step can find a pod from.
EXEC_TARGETS = ("pod", "deployment", "statefulset", "namespace")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# key -> (type, required)
FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "id": (str, True), "title": (str, True), "kind": (str, True), "key": (str, False),
    "target": (str, False), "danger": (str, False), "confirm": (bool, False), "read_only": (bool, False),
    "description": (str, False), "script": (str, False), "args": (list, False),
    "method": (str, False), "url": (str, False), "body": (str, False),
    "command": (list, False), "workload": (str, False), "container": (str, False),
}
_BY_KIND = {"exec": ("command", "workload", "container"), "script": ("script", "args"),
            "http": ("method", "url", "body")}


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
    # exec: the argv, and where it runs ("deployment/cache": that workload's first ready
    # pod, whatever is selected; empty: the selected pod or workload).
    argv: tuple[str, ...] = ()
    workload: str = ""
    container: str = ""

    @property
    def command(self) -> str:
        if self.kind == "exec":
            where = self.workload or "<pod>"
            container = f" -c {self.container}" if self.container else ""
            return f"kubectl exec -n <namespace> {where}{container} -- {shlex.join(self.argv)}"
        if self.kind == "script":
            return shlex.join([f"<[scripts] {self.script}>", *self.args])
        return f"curl -X {self.method} {self.url}" + (" -d @body" if self.body else "")

    def spec(self) -> ActionSpec:
        dry_run = {
            "exec": "none: a command in a container cannot be rehearsed; the exact argv is shown before it runs",
            "script": "none: a local script cannot be rehearsed; its exact argv is shown before it runs",
            "http": "none: an HTTP request cannot be rehearsed; it is shown before it is sent",
        }[self.kind]
        impl = {"exec": "irtui.actions.exec:RunInPod", "script": "irtui.actions.script:RunScript",
                "http": "irtui.actions.http:HttpAction"}[self.kind]
        return ActionSpec(
            id=self.id, title=self.title, key=self.key,
            target_kinds=("namespace",) if self.kind == "exec" and self.workload else (self.target,),
            danger=self.danger,
            # An exec is a create on pods/exec whatever its command does: always a change.
            mutating=self.kind == "exec" or not self.read_only,
            description=self.description or f"{self.title} (user-defined {self.kind} action)",
            dry_run=dry_run, undo=None, command=self.command, group="custom", confirm=self.confirm, impl=impl,
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
    kind = table["kind"]
    for other, keys in _BY_KIND.items():
        if other != kind and kind in _BY_KIND:
            found += [(key, f'is for kind = "{other}"') for key in keys if key in table]
    if kind == "exec":
        command = table.get("command")
        if not command or not all(isinstance(a, str) and a for a in command):
            found.append(("command", 'is required for kind = "exec": the argv, e.g. ["redis-cli", "FLUSHALL"]'))
        workload = table.get("workload", "")
        if workload and (workload.partition("/")[0] not in ("deployment", "statefulset")
                         or not workload.partition("/")[2]):
            found.append(("workload", 'must be "deployment/NAME" or "statefulset/NAME"'))
        if not workload and table.get("target", "namespace") not in EXEC_TARGETS[:3]:
            found.append(("target", 'an exec step runs in a pod: target = "pod", "deployment" or "statefulset", '
                                    'or name the workload (workload = "deployment/NAME")'))
    elif kind == "script":
        if not table.get("script"):
            found.append(("script", 'is required for kind = "script" (the name of a [scripts] entry)'))
    elif kind == "http":
        if not table.get("url", "").startswith(("http://", "https://")):
            found.append(("url", "must be an http:// or https:// URL"))
        if table.get("method", "POST").upper() not in _METHODS:
            found.append(("method", f"must be one of {', '.join(_METHODS)}"))
        elif table.get("read_only") and table.get("method", "POST").upper() not in ("GET", "HEAD"):
            found.append(("read_only", "only a GET or HEAD request changes nothing"))
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
        argv=tuple(table.get("command", ())), workload=table.get("workload", ""),
        container=table.get("container", ""),
    )

