"""`irtui`: connect to the cluster the kubeconfig names and run the app against it.

This module owns turning the command line and config into a guarded `KubeConnection`,
including the read-only rule: any layer turns it on, only `--write` off, and starting the
cluster feed before the UI loads; the war room is assembled and run by `irtui.ui.wiring`.
Errors a user can fix (no kubeconfig, unknown context, bad config) are one
line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

from irtui.config import Config, ConfigError, env_bool
from irtui.kube.client import KubeConfigError, KubeConnection, connect
from irtui.safety import Guard
from irtui.ui.hangup import exit_on_hangup
from irtui.ui.startup import pause_collector


def read_only_layers(args: Any, config: Config, context: str | None) -> list[str]:
    """The layers that ask for read-only: `--read-only`, $IRTUI_READ_ONLY,
    `[contexts."CTX".cluster] read_only`, `[cluster] read_only`. A bad $IRTUI_READ_ONLY or
    config value raises `ConfigError`; a layer saying "no" never outweighs one saying "yes"."""
    layers = []
    if getattr(args, "read_only", None):
        layers.append("--read-only")
    if env_bool("IRTUI_READ_ONLY"):
        layers.append("$IRTUI_READ_ONLY")
    if config.context_value("cluster", "read_only", bool, context):
        layers.append(f'[contexts."{context}".cluster] read_only')
    if config.section("cluster").get("read_only", bool, False):
        layers.append("[cluster] read_only")
    return layers


def read_only_setting(args: Any, config: Config, context: str | None) -> bool:
    """Any layer turns read-only on; only `--write` on the command line turns it off, and
    never against `--read-only` given with it."""
    layers = read_only_layers(args, config, context)
    if getattr(args, "write", None) and "--read-only" not in layers:
        return False
    return bool(layers)


def open_connection(args: Any, config: Config, *, kubeconfig: str | None = None,
                    context: str | None = None) -> KubeConnection:
    """A guarded connection; read-only is applied before any request can be made.

    When `--write` overrides layers that ask for read-only, the connection's
    `extra["write_override"]` says which, for the header and the record."""
    env_bool("IRTUI_READ_ONLY")  # a misspelt value stops here, before anything connects
    guard = Guard(read_only=bool(getattr(args, "read_only", None)))
    connection = connect(
        kubeconfig=kubeconfig if kubeconfig is not None else getattr(args, "kubeconfig", None),
        context=context if context is not None else getattr(args, "context", None),
        namespace=getattr(args, "namespace", None),
        guard=guard,
    )
    if getattr(args, "namespace", None) is None:
        # flag > [contexts."CTX".cluster] namespace > [cluster] namespace > the kubeconfig's
        connection.namespace = config.setting("cluster", "namespace", str, connection.namespace,
                                              context=connection.context)
    if read_only_setting(args, config, connection.context):
        guard.make_read_only()
    elif getattr(args, "write", None):
        overridden = read_only_layers(args, config, connection.context)
        if overridden:
            connection.extra["write_override"] = f"--write overrides {', '.join(overridden)}"
    return connection


def quiet_client_logs() -> None:
    # urllib3 logs every retried connection as a WARNING; with no handler configured,
    # Python would print those to stderr, i.e. over the full-screen UI. The panes and the
    # header already say what failed.
    import logging

    logging.getLogger("urllib3").setLevel(logging.ERROR)
    logging.getLogger("kubernetes").setLevel(logging.ERROR)
    from irtui.redact import install_log_filter

    install_log_filter()


def run(args: Any) -> int:
    pause_collector()
    exit_on_hangup()
    quiet_client_logs()
    try:
        config = Config.load(getattr(args, "config", None))
        connection = open_connection(args, config)
    except (KubeConfigError, ConfigError) as exc:
        print(f"irtui: {exc}", file=sys.stderr)
        return 2
    # Start listing before the UI toolkit is even imported: the API server encodes the
    # first lists while Textual loads.
    from irtui.kube.feed import ClusterFeed

    # The pods list (28 MB of JSON at 10,000 pods) is parsed by a forked helper on the
    # other core while this process loads the UI; no thread has been started yet.
    feed = ClusterFeed(connection.api_client, connection.namespace or None).start(fork_first_list=("pods",))
    from irtui.ui import hangup
    from irtui.ui.wiring import run_war_room

    return hangup.run(run_war_room(args, connection, config, feed))
