"""The contract between the executor and an action's implementation, and the session facts
both need (`ActionEnv`).

An implementation is a small class with up to five steps, each given a fresh look at the
cluster: `checks` (access reviews), `prepare` (read, decide what to send), `dry_run` (send
it with dryRun=All or rehearse it), `execute` (send it for real). Steps may be plain
functions (run in a thread, for the blocking kubernetes client) or coroutines (asyncpg,
httpx). Implementations never ask the user anything and never record: the executor does.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Mapping

from irtui.actions.kubeapi import Kube
from irtui.actions.model import AccessCheck, Executed, Prepared, Target
from irtui.actions.settings import ActionSettings
from irtui.safety import Guard

if TYPE_CHECKING:
    from irtui.kube.client import KubeConnection


@dataclass
class ActionEnv:
    """The session an action runs in: who, where, and through which guarded clients."""

    guard: Guard
    settings: ActionSettings
    kube: Kube | None = None
    context: str = ""
    cluster_url: str = ""
    namespace: str = ""
    user: str = ""
    actor: str = ""
    in_cluster: bool = False
    kubeconfig: str | None = None
    helm: Any = None  # irtui.actions.helm.HelmRunner
    # The database remediation module's entry point (irtui.database.remediate), when a
    # database is configured.
    db: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_connection(cls, conn: KubeConnection, settings: ActionSettings, **kwargs: Any) -> ActionEnv:
        """From `irtui.kube.client.KubeConnection`."""
        return cls(
            guard=conn.guard, settings=settings, kube=Kube(conn.api_client),
            context=conn.context, cluster_url=conn.cluster_url, namespace=conn.namespace,
            user=conn.user, actor=conn.actor, in_cluster=conn.in_cluster,
            kubeconfig=conn.kubeconfig, **kwargs,
        )

    def kubectl(self, *args: str, namespace: str | None = None) -> str:
        """The exact kubectl command line a human would type for this session."""
        argv = ["kubectl"]
        if self.context and not self.in_cluster:
            argv += ["--context", self.context]
        argv += list(args)
        if namespace:
            argv += ["-n", namespace]
        return shlex.join(argv)


class Impl:
    """Default steps: no access checks, nothing to rehearse."""

    def unavailable(self, env: ActionEnv, target: Target | None) -> str | None:
        """A reason the action cannot be offered at all in this session (helm missing, no
        database configured), or None."""
        if env.kube is None:
            return "not connected to a cluster"
        return None

    def checks(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> list[AccessCheck]:
        return []

    def prepare(self, env: ActionEnv, target: Target, params: Mapping[str, Any]) -> Prepared:
        raise NotImplementedError

    def dry_run(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> list[str]:
        """Rehearse; return lines for the confirmation. Raise to refuse (nothing was changed)."""
        return []

    def execute(self, env: ActionEnv, target: Target, params: Mapping[str, Any], prepared: Prepared) -> Executed | Awaitable[Executed]:
        """Do it; return a message, or (message, details)."""
        raise NotImplementedError


def ns_of(env: ActionEnv, target: Target) -> str:
    return target.namespace or env.namespace
