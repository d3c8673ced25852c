"""Connecting to a cluster through the official client, with read-only enforced at the socket.

`connect()` resolves kubeconfig/context/namespace (or in-cluster config) into a
`KubeConnection` whose `ApiClient` uses a REST client that consults the session's `Guard`
before any request other than a read leaves the process. Access reviews are POSTs that
change nothing, so they stay allowed.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client import rest

from irtui.safety import Guard

DEFAULT_NAMESPACE = "emrtask-prod"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REVIEW_SUFFIXES = ("/selfsubjectaccessreviews", "/selfsubjectrulesreviews")
_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


class KubeConfigError(Exception):
    """The kubeconfig or context could not be used; the message says which and why."""


def is_mutating(method: str, url: str) -> bool:
    """Whether a request would change cluster state (access reviews are reads)."""
    if method.upper() in _SAFE_METHODS:
        return False
    return not urlsplit(url).path.rstrip("/").endswith(_REVIEW_SUFFIXES)


class GuardedRESTClient(rest.RESTClientObject):
    """The client's transport, refusing mutating requests when the guard says read-only."""

    def __init__(self, configuration: k8s.Configuration, guard: Guard) -> None:
        super().__init__(configuration)
        self._guard = guard

    def request(self, method, url, *args, **kwargs):  # noqa: D401 - signature of the base
        if is_mutating(method, url):
            self._guard.check(f"{method.upper()} {urlsplit(url).path}")
        return super().request(method, url, *args, **kwargs)


def guarded_api_client(configuration: k8s.Configuration, guard: Guard) -> k8s.ApiClient:
    api = k8s.ApiClient(configuration)
    api.rest_client = GuardedRESTClient(configuration, guard)
    return api


@dataclass
class KubeConnection:
    """A ready-to-use API client and the facts the header shows about it."""

    api_client: k8s.ApiClient
    context: str
    cluster_url: str
    namespace: str
    user: str
    guard: Guard
    kubeconfig: str | None = None
    in_cluster: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def actor(self) -> str:
        """Who acts: the OS user and host, and the Kubernetes user of the context."""
        return f"{getpass.getuser()}@{os.uname().nodename} as {self.user}"


def connect(
    kubeconfig: str | None = None,
    context: str | None = None,
    namespace: str | None = None,
    guard: Guard | None = None,
) -> KubeConnection:
    """Build a guarded client from kubeconfig, or from in-cluster config inside a pod."""
    guard = guard or Guard()
    configuration = k8s.Configuration()
    in_cluster = (
        kubeconfig is None
        and not os.environ.get("KUBECONFIG")
        and "KUBERNETES_SERVICE_HOST" in os.environ
        and not Path(os.path.expanduser(k8s_config.KUBE_CONFIG_DEFAULT_LOCATION)).exists()
    )
    if in_cluster:
        k8s_config.load_incluster_config(client_configuration=configuration)
        ns = namespace or (_SA_NAMESPACE.read_text().strip() if _SA_NAMESPACE.exists() else DEFAULT_NAMESPACE)
        return KubeConnection(
            guarded_api_client(configuration, guard), "in-cluster", configuration.host,
            ns, "serviceaccount", guard, None, True,
        )
    try:
        contexts, current = k8s_config.list_kube_config_contexts(config_file=kubeconfig)
        chosen = current
        if context is not None:
            matches = [c for c in contexts if c["name"] == context]
            if not matches:
                names = ", ".join(c["name"] for c in contexts) or "none"
                raise KubeConfigError(f"context {context!r} not found in kubeconfig (have: {names})")
            chosen = matches[0]
        k8s_config.load_kube_config(
            config_file=kubeconfig, context=chosen["name"],
            client_configuration=configuration, persist_config=False,
        )
    except KubeConfigError:
        raise
    except (k8s_config.ConfigException, OSError, KeyError, TypeError) as exc:
        where = kubeconfig or os.environ.get("KUBECONFIG") or k8s_config.KUBE_CONFIG_DEFAULT_LOCATION
        raise KubeConfigError(f"cannot use kubeconfig {where}: {exc}") from exc
    ctx = chosen.get("context") or {}
    return KubeConnection(
        api_client=guarded_api_client(configuration, guard),
        context=chosen["name"],
        cluster_url=configuration.host,
        namespace=namespace or ctx.get("namespace") or DEFAULT_NAMESPACE,
        user=ctx.get("user", "?"),
        guard=guard,
        kubeconfig=kubeconfig,
    )
