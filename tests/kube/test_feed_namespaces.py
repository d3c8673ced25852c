"""The namespace list the app's picker offers comes from the cluster feed, against the simulator."""

from __future__ import annotations

import re
from pathlib import Path

from irtui.kube.client import connect
from irtui.kube.feed import ClusterFeed


def test_the_feed_lists_the_namespaces_kubectl_lists(sim):
    feed = ClusterFeed(connect(kubeconfig=sim.kubeconfig).api_client, "emrtask-prod")  # no loops: one GET
    listed = sim.kubectl("get", "namespaces", "-o", "name").stdout.split()
    assert feed.namespaces() == sorted(name.removeprefix("namespace/") for name in listed)
    assert "emrtask-prod" in feed.namespaces()


def test_a_refused_list_is_no_names_not_an_error(sim, tmp_path):
    bad = tmp_path / "bad-kubeconfig"
    bad.write_text(re.sub(r"token: \S+", "token: not-a-valid-token", Path(sim.kubeconfig).read_text()))
    feed = ClusterFeed(connect(kubeconfig=str(bad)).api_client, "emrtask-prod")
    assert feed.namespaces() == []
