"""Rows projected from objects whose every string is hostile show no control character, and
an object with a timestamp that is not one still becomes a row."""

from __future__ import annotations

import dataclasses
import unicodedata

from irtui.kube.model import project_deployment, project_event, project_node, project_pod

from hostile import BIG, one_line

LINE = one_line()


def _strings(row) -> list[tuple[str, str]]:
    out = []
    for f in dataclasses.fields(row):
        if f.name in ("key", "uid", "resource_version"):  # addresses, not shown
            continue
        value = getattr(row, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, str):
                out.append((f.name, item))
    return out


def _assert_plain(row) -> None:
    for name, text in _strings(row):
        bad = [c for c in text if unicodedata.category(c) == "Cc"]
        assert not bad, (type(row).__name__, name, bad[:3])


def test_pod_node_event_and_workload_rows_are_plain():
    meta = {"name": "p" + LINE, "namespace": "ns" + LINE, "uid": "u", "creationTimestamp": LINE,
            "labels": {"node-role.kubernetes.io/" + LINE: ""},
            "ownerReferences": [{"kind": "ReplicaSet" + LINE, "name": "rs" + LINE, "controller": True}]}
    pod = {"metadata": meta,
           "spec": {"nodeName": LINE, "containers": [{"name": LINE, "image": LINE}]},
           "status": {"phase": LINE, "podIP": LINE, "containerStatuses": [
               {"name": LINE, "state": {"waiting": {"reason": "CrashLoopBackOff" + LINE}}, "restartCount": 3,
                "lastState": {"terminated": {"finishedAt": LINE}}}]}}
    node = {"metadata": meta, "spec": {},
            "status": {"conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": LINE,
                                       "message": LINE}],
                       "nodeInfo": {"kubeletVersion": LINE},
                       "addresses": [{"type": "InternalIP", "address": LINE}]}}
    event = {"metadata": meta, "involvedObject": {"kind": LINE, "name": LINE}, "reason": LINE,
             "message": LINE + "\n" + LINE, "type": LINE, "source": {"component": LINE},
             "lastTimestamp": LINE, "firstTimestamp": LINE, "count": 2}
    for row in (project_pod(pod), project_node(node), project_event(event),
                project_deployment({"metadata": meta, "spec": {"replicas": 1}, "status": {}})):
        _assert_plain(row)


def test_an_event_message_is_one_bounded_line():
    row = project_event({"metadata": {"name": "e", "namespace": "n"}, "reason": "Big", "type": "Warning",
                         "message": "\n\n" + BIG + "\nsecond"})
    assert len(row.message) <= 1000 and row.message.startswith("AAAA") and row.message.endswith("…")
