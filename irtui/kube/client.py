"""Connecting to a cluster through the official client, with read-only enforced at the socket.

`connect()` resolves kubeconfig/context/namespace (or in-cluster config) into a
`KubeConnection` whose `ApiClient` sends through `irtui.kube.rest.GuardedRESTClient`, which
consults the session's `Guard` before any request other than a read leaves the process, on
sockets with TCP keepalive.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from irtui.identity import login_name
from irtui.kube import kubeconfig as kubeconfig_module
from irtui.kube.rest import (
    GuardedRESTClient,
    is_mutating,  # noqa: F401 - the guard's rule, read from here by its tests too
)
from irtui.platform import NAMESPACE
from irtui.safety import Guard

k8s = kubeconfig_module.import_client()  # without kubernetes/__init__.py's config loader & co.

_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
# A watch through a load balancer or NAT that forgets the connection goes silent, with no
# FIN or RST: without keepalive probes the pane would show old data as live until the read
# timeout (minutes). Probed after 15 s idle, every 5 s, dropped after 3 misses: ~30 s.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 15, 5, 3


class KubeConfigError(Exception):
    """The kubeconfig or context could not be used; the message says which and why."""


def keepalive_socket_options() -> list[tuple[int, int, int]]:
    """urllib3's default socket options (no Nagle) plus TCP keepalive at our timings."""
    import urllib3.connection

    options = [*urllib3.connection.HTTPConnection.default_socket_options,
               (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    for name, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE), ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
                        ("TCP_KEEPCNT", KEEPALIVE_COUNT)):
        if hasattr(socket, name):  # Linux; macOS lacks some, and keeps its defaults for those
            options.append((socket.IPPROTO_TCP, getattr(socket, name), value))
    return options


def guarded_api_client(configuration: k8s.Configuration, guard: Guard) -> k8s.ApiClient:
    configuration.socket_options = keepalive_socket_options()
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
        return f"{login_name()}@{os.uname().nodename} as {self.user}"


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
        and not Path(os.path.expanduser(kubeconfig_module.DEFAULT_LOCATION)).exists()
    )
    if in_cluster:
        from kubernetes import config as k8s_config

        k8s_config.load_incluster_config(client_configuration=configuration)
        ns = namespace or (_SA_NAMESPACE.read_text().strip() if _SA_NAMESPACE.exists() else NAMESPACE)
        return KubeConnection(
            guarded_api_client(configuration, guard), "in-cluster", configuration.host,
            ns, "serviceaccount", guard, None, True,
        )
    where = kubeconfig or os.environ.get("KUBECONFIG") or kubeconfig_module.DEFAULT_LOCATION
    try:
        config = kubeconfig_module.read(kubeconfig)
        if context is not None and context not in config.contexts:
            names = ", ".join(config.contexts) or "none"
            raise KubeConfigError(f"context {context!r} not found in kubeconfig (have: {names})")
        chosen = kubeconfig_module.choose(config, context)
        if not kubeconfig_module.configure(config, chosen, configuration):
            # Auth providers: the official loader runs and refreshes them.
            from kubernetes import config as k8s_config

            k8s_config.load_kube_config(config_file=kubeconfig, context=chosen,
                                        client_configuration=configuration, persist_config=False)
    except KubeConfigError:
        raise
    except kubeconfig_module.KubeconfigProblem as exc:
        raise KubeConfigError(f"cannot use kubeconfig {where}: {exc}") from exc
    except Exception as exc:  # the official loader's ConfigException and what it lets through
        raise KubeConfigError(f"cannot use kubeconfig {where}: {exc}") from exc
    ctx = config.contexts[chosen] or {}
    return KubeConnection(
        api_client=guarded_api_client(configuration, guard),
        context=chosen,
        cluster_url=configuration.host,
        namespace=namespace or ctx.get("namespace") or NAMESPACE,
        user=ctx.get("user", "?"),
        guard=guard,
        kubeconfig=kubeconfig,
    )
