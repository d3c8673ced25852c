"""What an action *is*: its declaration, its target, and what running it produced.

This module owns the plain data shared by the registry, the executor, the implementations
and the screens. It imports nothing that opens a socket and nothing from Textual, so the
declarations can be listed (key help, command palette, runbook checks) without a cluster.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


def fingerprint(secret: str) -> str:
    """How a credential is named in a record: enough to match it, never enough to use it."""
    import hashlib

    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]


class Danger(enum.IntEnum):
    """How bad a mistaken run is. HIGH asks for the target's name to be typed."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()


# Target kinds an action can apply to. `namespace` covers namespace-wide actions (restart
# all, health check, forensics); `release` is a helm release; `db_backend` a PostgreSQL
# backend (pid); `db_replica` the replica to promote; `database` the monitored server.
TARGET_KINDS = (
    "pod", "deployment", "statefulset", "node", "namespace", "secret", "service", "configmap",
    "release", "db_backend", "db_replica", "database",
)


@dataclass(frozen=True)
class Target:
    """The object an action is aimed at. `extra` carries facts the selection already knows
    (a backend's query, a pod's node) so that describing it needs no extra request."""

    kind: str
    name: str
    namespace: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Identity used by the repeat guardrail: the same object, however it was selected."""
        return f"{self.kind}/{self.namespace or ''}/{self.name}"

    @property
    def label(self) -> str:
        """How kubectl names it: `deployment/api-gateway`, `node/worker-1`."""
        if self.kind == "namespace":
            return f"namespace/{self.name}"
        if self.kind == "db_backend":
            return f"backend pid {self.name}"
        return f"{self.kind}/{self.name}"

    def __str__(self) -> str:
        if self.namespace and self.kind not in ("namespace", "node"):
            return f"{self.label} in {self.namespace}"
        return self.label


@dataclass(frozen=True)
class Param:
    """An input the action needs before it can be dry-run (replicas, env var name/value)."""

    name: str
    label: str
    kind: type = str
    default: Any = None
    # Offered as one-key presets; for set_env these are whole NAME=VALUE pairs.
    choices: tuple[str, ...] = ()
    help: str = ""
    # A credential: typed masked, and kept in the record only as a hash prefix.
    secret: bool = False

    def parse(self, raw: Any) -> Any:
        """The typed value of user input; raises ValueError with a sentence a human can read."""
        if self.kind is int:
            try:
                value = int(str(raw).strip())
            except ValueError:
                raise ValueError(f"{self.label} must be a whole number, not {raw!r}") from None
            if value < 0:
                raise ValueError(f"{self.label} cannot be negative")
            return value
        if self.kind is bool:
            return str(raw).strip().lower() in {"1", "true", "yes", "on", "y"}
        text = str(raw if raw is not None else "").strip()
        if not text:
            raise ValueError(f"{self.label} is required")
        return text


@dataclass(frozen=True)
class AccessCheck:
    """One SelfSubjectAccessReview: may this identity do `verb` on this resource here?"""

    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    namespace: str | None = None
    name: str | None = None

    def describe(self) -> str:
        res = f"{self.resource}.{self.group}" if self.group else self.resource
        if self.subresource:
            res += f"/{self.subresource}"
        where = f" in {self.namespace}" if self.namespace else (" cluster-wide" if self.namespace is None else " in all namespaces")
        return f"{self.verb} {res}{where}"

    def review_body(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {"verb": self.verb, "resource": self.resource, "group": self.group}
        if self.subresource:
            attributes["subresource"] = self.subresource
        if self.namespace:
            attributes["namespace"] = self.namespace
        if self.name:
            attributes["name"] = self.name
        return {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attributes},
        }


@dataclass(frozen=True)
class ActionSpec:
    """An action declared once: everything the key help, the palette, the confirmation, the
    runbook and the timeline say about it comes from here."""

    id: str
    title: str
    key: str
    target_kinds: tuple[str, ...]
    danger: Danger
    # A mutating action changes the cluster or database; everything else only reads (and is
    # therefore still offered in read-only mode).
    mutating: bool
    description: str
    # How the action is rehearsed before the confirmation is shown.
    dry_run: str
    # What undo does, or None where undoing means nothing.
    undo: str | None
    # The command a human would type, as a template; see `commands.render`.
    command: str
    params: tuple[Param, ...] = ()
    group: str = "kubernetes"
    # Factory for the implementation; resolved lazily so that listing declarations never
    # imports the kubernetes or asyncpg clients.
    impl: str = ""
    # Some actions are high danger only for some parameters (scale to 0) or some targets
    # (deleting the database primary's pod).
    danger_for: Callable[[Mapping[str, Any], Target | None], Danger] | None = None
    # False only for a team's own low-danger steps declared `confirm = false`.
    confirm: bool = True

    def recordable(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters as the journal may keep them: a secret only as a hash prefix."""
        from irtui.redact import shown

        secret = {p.name for p in self.params if p.secret}
        out = {k: (fingerprint(str(v)) if k in secret else v) for k, v in params.items()}
        # A value set under a name (an env var, a ConfigMap key) is kept as the redaction
        # policy shows it for that name: DB_PASSWORD=... is not written down.
        for field_name in ("key", "name"):
            label = out.get(field_name)
            if not isinstance(label, str):
                continue
            name, equals, rest = label.partition("=")
            if equals:
                out[field_name] = f"{name}={shown(name, rest)}"
            if isinstance(out.get("value"), str):
                out["value"] = shown(name, out["value"])
        return out

    def effective_danger(self, params: Mapping[str, Any], target: Target | None = None) -> Danger:
        return self.danger_for(params, target) if self.danger_for else self.danger

    @property
    def kind(self) -> str:
        """How the runbook lists it: a remediation changes something, a diagnostic reads."""
        return "remediation" if self.mutating else "diagnostic"


@dataclass(frozen=True)
class UndoPlan:
    """The action that reverses a finished one, ready to be run through the same door."""

    action_id: str
    target: Target
    params: Mapping[str, Any]
    description: str


@dataclass
class Prepared:
    """What an implementation found out on a fresh read, before anything is sent.

    `state` is private to the implementation (the patch to send, previous values);
    `summary` lines are shown in the confirmation; `targets` counts for the bulk guardrail.
    """

    command: str
    summary: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    undo: UndoPlan | None = None
    # What must be typed for a typed confirmation (defaults to the target's name).
    typed_name: str | None = None
    # Shown in the confirmation, never hidden: things that may surprise the responder.
    warnings: list[str] = field(default_factory=list)
    # An edit's change, as (key, old value or None when new, new value), already through the
    # redaction policy: shown for review before the dry run, and kept in the record.
    diff: list[tuple[str, str | None, str]] = field(default_factory=list)


# What a step's `execute` returns: the outcome's message, or (message, details for the record).
Executed = str | tuple[str, dict[str, Any]]


@dataclass
class ConfirmRequest:
    """Everything the confirmation screen shows; built by the executor, shown by the UI."""

    spec: ActionSpec
    target: Target
    params: Mapping[str, Any]
    danger: Danger
    context: str
    cluster_url: str
    namespace: str | None
    actor: str
    command: str
    dry_run: list[str]
    summary: list[str]
    production: bool
    typed: str | None
    warnings: list[str]
    undo: str | None


OUTCOME_STATUSES = ("done", "failed", "cancelled", "unavailable", "rejected", "noop")


@dataclass
class Outcome:
    """How a run ended. `rejected` means the dry run refused it, so nothing was changed;
    `noop` means there was nothing to do (already cordoned, variable not set)."""

    action_id: str
    target: Target
    status: str
    message: str
    command: str = ""
    undo: UndoPlan | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("done", "noop")

    def __str__(self) -> str:
        return f"{self.action_id} {self.target.label}: {self.status}: {self.message}"


@dataclass(frozen=True)
class Availability:
    """Whether an action may be offered for a target, and if not, why (shown in its place)."""

    available: bool
    reason: str = ""

    @classmethod
    def yes(cls) -> Availability:
        return cls(True, "")

    @classmethod
    def no(cls, reason: str) -> Availability:
        return cls(False, reason)


class ActionError(Exception):
    """The action cannot go ahead; the message is shown as is (nothing was sent)."""


class Ended(Exception):
    """The run ended otherwise than done (a script's non-zero exit, the responder's cancel):
    `status` and `details` go into the record as they are."""

    def __init__(self, status: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.details = details or {}


class NothingToDo(Exception):
    """The target is already in the wanted state (node already cordoned ...)."""
