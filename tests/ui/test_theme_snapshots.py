"""SVG snapshots of the main screen in every shipped theme, at 80x24 and 200x60, and of the
production cue (a context configured with a colour: header and borders in it).

The screen is the real app (header, clock bar, sidebar, panes, footer) built by `build_app`
from the command line's `--theme` and a config file. What would change from run to run is
fixed: the cluster's rows come from a feed whose loops are not started (the test hands it
the lists the sources would, through its own change buffer), ages are hours and days old so
that a second's tick cannot show, the kubeconfig names a fixed server, and the host the
header names is fixed. No incident is open."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from irtui.cli import parse_args
from irtui.config import Config
from irtui.kube.client import KubeConnection
from irtui.kube.feed import ClusterFeed
from irtui.kube.model import project_event, project_node, project_pod
from irtui.kube.state import LIVE, Reset, SourceStatus, Status
from irtui.ui.main import open_connection
from irtui.ui.theming import shipped_themes_dir
from irtui.ui.wiring import build_app

from polling import screen_text, until
from war_room_help import isolated  # noqa: F401 (a fixture)

SHIPPED = sorted(path.stem for path in shipped_themes_dir().glob("*.toml"))
KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: {context}
  cluster: {{server: "https://api.{context}.example:6443"}}
users:
- name: sre
  user: {{token: not-a-secret}}
contexts:
- name: {context}
  context: {{cluster: {context}, user: sre, namespace: emrtask-prod}}
current-context: {context}
"""


class FixedHost(KubeConnection):
    """The header names who acts as login@host; the host differs from machine to machine."""

    @property
    def actor(self) -> str:
        return f"sre@bastion-1 as {self.user}"


def _stamp(ago: timedelta) -> str:
    return (datetime.now(timezone.utc) - ago).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pod(name: str, node: str, *, ready: bool = True, waiting: str | None = None, restarts: int = 0,
         terminating: bool = False) -> dict:
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": _stamp(timedelta(days=5))}}
    last = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": _stamp(timedelta(hours=3))}} if restarts else {}
    meta = {"name": name, "namespace": "emrtask-prod", "uid": f"uid-{name}", "creationTimestamp": _stamp(timedelta(days=6))}
    if terminating:
        meta["deletionTimestamp"] = _stamp(timedelta(hours=2))
    return {"metadata": meta, "spec": {"nodeName": node, "containers": [{"name": "app"}]},
            "status": {"phase": "Pending" if waiting == "ContainerCreating" else "Running", "containerStatuses": [
                {"name": "app", "ready": ready, "restartCount": restarts, "lastState": last, "state": state}]}}


def _node(name: str) -> dict:
    return {"metadata": {"name": name, "uid": f"uid-{name}", "creationTimestamp": _stamp(timedelta(days=21)),
                         "labels": {"node-role.kubernetes.io/worker": ""}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                       "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}}}


def _event(n: int, reason: str, kind: str, name: str, message: str) -> dict:
    return {"metadata": {"name": f"ev-{n}", "namespace": "emrtask-prod", "uid": f"uid-ev-{n}"},
            "type": "Warning", "reason": reason, "message": message, "count": 3,
            "involvedObject": {"kind": kind, "name": name, "namespace": "emrtask-prod"},
            "firstTimestamp": _stamp(timedelta(hours=3)), "lastTimestamp": _stamp(timedelta(hours=2))}


NODES = ["ip-10-0-1-201.ec2.internal", "ip-10-0-2-117.ec2.internal", "ip-10-0-3-52.ec2.internal"]
def _pods() -> list[dict]:
    """Made when the app is, not at import: the ages shown ("4 (3h ago)") are relative to now,
    and a worker may run this test many minutes after collecting it."""
    return [
        _pod("task-service-79f7964498-4ntwf", NODES[0], ready=False, waiting="CrashLoopBackOff", restarts=4),
        _pod("task-service-79f7964498-gmf6d", NODES[1], ready=False, waiting="CrashLoopBackOff", restarts=4),
        _pod("sync-service-556b4bc6bc-42bzt", NODES[2], ready=False, waiting="ContainerCreating"),
        _pod("handover-service-774c576b45-jxkk8", NODES[0], terminating=True),
        _pod("api-gateway-6f78cdbbcf-jvgmg", NODES[0]),
        _pod("emr-service-5c9884ff54-d69q5", NODES[1]),
        _pod("postgres-0", NODES[2]),
    ]


def _events() -> list[dict]:
    return [_event(1, "BackOff", "Pod", "task-service-79f7964498-4ntwf", "Back-off restarting failed container app"),
            _event(2, "Unhealthy", "Pod", "task-service-79f7964498-gmf6d", "Readiness probe failed: HTTP 503")]


def _app(tmp_path: Path, context: str, argv: list[str], config_text: str = ""):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG.format(context=context))
    config_file = tmp_path / "config.toml"
    config_file.write_text(config_text)
    args = parse_args([*argv, "--kubeconfig", str(kubeconfig), "--config", str(config_file)])
    config = Config.load(args.config)
    opened = open_connection(args, config)
    connection = FixedHost(**{f.name: getattr(opened, f.name) for f in fields(opened)})
    feed = ClusterFeed(connection.api_client, connection.namespace)
    feed.started = True  # its loops never run: the lists below are all the cluster there is
    now = datetime.now(timezone.utc).timestamp()
    for kind, rows in (("pods", [project_pod(p) for p in _pods()]), ("nodes", [project_node(_node(n)) for n in NODES]),
                       ("events", [project_event(e) for e in _events()])):
        feed.buffer.put(Reset(kind, rows, "1"))
        feed.buffer.put(Status(kind, SourceStatus(LIVE, since=now, last_ok=now)))
    return build_app(connection, config, args, feed=feed)


CRASH_ROW = re.compile(r"task-s\S*\s+0/1\s+CrashLoopBackOff\s+4 \(3h ago\)")


async def _shown(pilot) -> None:
    """Until the lists are drawn; then the states must read in words, not by colour alone:
    the crash loop's row and the header's connection state."""
    def shown() -> bool:
        text = screen_text(pilot.app)
        return bool(CRASH_ROW.search(text)) and "● connected" in text

    await until(shown, "the crash loop's row and the connection state in words", step=0.05, pilot=pilot)
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
@pytest.mark.parametrize("theme", SHIPPED)
def test_the_main_screen_in_every_shipped_theme(snap_compare, isolated, tmp_path, theme, size):
    app = _app(tmp_path, "staging", ["--theme", theme])
    assert app.theme == theme
    assert snap_compare(app, terminal_size=size, run_before=_shown)


def test_a_production_context_is_told_at_a_glance(snap_compare, isolated, tmp_path):
    config = '[contexts."prod-eu".ui]\ncolour = "#b00020"\n\n[ui]\ntheme = "war-room"\n'
    app = _app(tmp_path, "prod-eu", [], config)
    assert app.has_class("-context-cue") and app.theme_variables["irtui-context"] == "#b00020"
    assert snap_compare(app, terminal_size=(80, 24), run_before=_shown)
