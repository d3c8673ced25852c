"""`irtui`: connect to the cluster the kubeconfig names and run the app against it.

This module owns turning the command line and config into a guarded `KubeConnection` and
an `IrtuiApp`. Errors a user can fix (no kubeconfig, unknown context, bad config) are one
line on stderr and exit code 2, never a traceback. `build_app` is the one place where the
other parts of the product (incident sidebar, clock bar, metrics/health/database panes,
action providers) are attached to the shell.
"""

from __future__ import annotations

import sys
from typing import Any

from irtui.config import Config, ConfigError
from irtui.kube.client import KubeConfigError, KubeConnection, connect
from irtui.safety import Guard
from irtui.ui.hangup import exit_on_hangup
from irtui.ui.startup import pause_collector


def read_only_setting(args: Any, config: Config, context: str | None) -> bool:
    """flag > IRTUI_READ_ONLY > [contexts."CTX".cluster] > [cluster] read_only."""
    return bool(config.setting("cluster", "read_only", bool, False, context=context,
                               flag=getattr(args, "read_only", None) or None, env="IRTUI_READ_ONLY"))


def open_connection(args: Any, config: Config, *, kubeconfig: str | None = None,
                    context: str | None = None) -> KubeConnection:
    """A guarded connection; read-only is applied before any request can be made."""
    guard = Guard(read_only=bool(getattr(args, "read_only", None)))
    connection = connect(
        kubeconfig=kubeconfig if kubeconfig is not None else getattr(args, "kubeconfig", None),
        context=context if context is not None else getattr(args, "context", None),
        namespace=getattr(args, "namespace", None),
        guard=guard,
    )
    if read_only_setting(args, config, connection.context):
        guard.make_read_only()
    return connection


def build_app(connection: KubeConnection, config: Config, args: Any, app_class=None, **extra):
    """The app with every part attached. Other packages add their pane/sidebar/clock here."""
    from irtui.ui.app import IrtuiApp

    app_class = app_class or IrtuiApp
    return app_class(connection, **extra)


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
    import asyncio

    from irtui.ui.wiring import run_war_room

    return asyncio.run(run_war_room(args, connection, config, feed))
