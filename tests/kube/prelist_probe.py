"""Runs a forked first list in a fresh process (forking pytest's own, threaded process would
not be safe) and prints what happened as one JSON line.

    python prelist_probe.py KUBECONFIG CONTEXT NAMESPACE KIND MODE

MODE: "feed" (ClusterFeed with the helper, as `irtui` starts it), "lost" (the helper is
killed before it sends anything), "direct" (no helper, for comparison).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

from irtui.kube.client import connect
from irtui.kube.feed import ClusterFeed
from irtui.kube.prelist import ForkedList
from irtui.kube.rest import RestClient
from irtui.kube.sources import SPECS, ListWatch
from irtui.kube.state import CONNECTING, ChangeBuffer, ClusterState


def reaped(pid: int) -> bool:
    """Whether the loop reaped its helper (a running helper, or a zombie, is False)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def settle(state: ClusterState, buffer: ChangeBuffer, kind: str, loop: ListWatch) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state.apply(buffer.drain())
        if state.status[kind].state != CONNECTING and (loop.lists or state.status[kind].reason):
            return
        time.sleep(0.02)
    raise SystemExit(f"no first list of {kind} within 30 s: {state.status[kind]}")


def report(state: ClusterState, kind: str, loop: ListWatch, **extra) -> None:
    rows = state.rows[kind]
    print(json.dumps({
        "state": state.status[kind].state, "reason": state.status[kind].reason, "lists": loop.lists,
        "listed_by": loop.listed_by, "rows": {key: repr(row) for key, row in sorted(rows.items())}, **extra,
    }))


def main() -> None:
    kubeconfig, context, namespace, kind, mode = sys.argv[1:6]
    connection = connect(kubeconfig=kubeconfig, context=context, namespace=namespace)
    namespace = namespace if SPECS[kind].namespaced else None
    if mode == "feed":
        # The helper, as each loop's thread starts: a fast first list (a 403) can be over,
        # and `loop.prelist` cleared, before `start()` returns.
        helpers: dict[str, ForkedList | None] = {}

        def spawn(name, run) -> None:
            helpers[name] = getattr(run.__self__, "prelist", None)
            threading.Thread(target=run, name=name, daemon=True).start()

        feed = ClusterFeed(connection.api_client, namespace, spawn=spawn).start(fork_first_list=(kind,))
        loop = feed.sources.loops[kind]
        helper = helpers[f"kube-{kind}"]
        settle(feed.state, feed.buffer, kind, loop)
        time.sleep(0.2)  # the loop reaps its helper once the last page is read
        report(feed.state, kind, loop, helper=helper is not None, helper_reaped=reaped(helper.pid))
        feed.stop()
        return
    buffer = ChangeBuffer()
    state = ClusterState(namespace)
    loop = ListWatch(RestClient(connection.api_client), SPECS[kind], namespace, buffer.put)
    helper_reaped = None
    if mode == "lost":
        loop.prelist = ForkedList.start(loop)
        os.kill(loop.prelist.pid, signal.SIGKILL)
        pid = loop.prelist.pid
    threading.Thread(target=loop.run, daemon=True).start()
    settle(state, buffer, kind, loop)
    if mode == "lost":
        time.sleep(0.2)
        helper_reaped = reaped(pid)
    report(state, kind, loop, helper_reaped=helper_reaped)
    loop.stop()


if __name__ == "__main__":
    main()
