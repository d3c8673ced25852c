"""Watches over real HTTP with the official client: every resource streams its changes,
an expired resourceVersion gets 410 and a client recovers by relisting, bookmarks and
timeouts behave as on a real API server.
"""

from __future__ import annotations

import json
import threading

import pytest
from kubernetes import client, watch

from api_helpers import NS, advance, http, kube

MERGE = {"Content-Type": "application/merge-patch+json"}


def _first_name(h, path: str) -> str:
    return h.get(path).json()["items"][0]["metadata"]["name"]


# (list function of the client, needs namespace, path of the collection)
RESOURCES = [
    ("CoreV1Api", "list_namespaced_pod", True, f"/api/v1/namespaces/{NS}/pods"),
    ("CoreV1Api", "list_node", False, "/api/v1/nodes"),
    ("CoreV1Api", "list_namespace", False, "/api/v1/namespaces"),
    ("CoreV1Api", "list_namespaced_service", True, f"/api/v1/namespaces/{NS}/services"),
    ("CoreV1Api", "list_namespaced_secret", True, f"/api/v1/namespaces/{NS}/secrets"),
    ("CoreV1Api", "list_namespaced_config_map", True, f"/api/v1/namespaces/{NS}/configmaps"),
    ("CoreV1Api", "list_namespaced_event", True, f"/api/v1/namespaces/{NS}/events"),
    ("AppsV1Api", "list_namespaced_deployment", True, f"/apis/apps/v1/namespaces/{NS}/deployments"),
    ("AppsV1Api", "list_namespaced_replica_set", True, f"/apis/apps/v1/namespaces/{NS}/replicasets"),
    ("AppsV1Api", "list_namespaced_stateful_set", True, f"/apis/apps/v1/namespaces/{NS}/statefulsets"),
    ("CoreV1Api", "list_pod_for_all_namespaces", False, f"/api/v1/namespaces/{NS}/pods"),
]


@pytest.mark.parametrize("api_name, func_name, namespaced, path", RESOURCES, ids=[r[1] for r in RESOURCES])
def test_python_client_lists_then_watches_every_resource(module_sim, api_name, func_name, namespaced, path):
    api = getattr(client, api_name)(kube(module_sim))
    func = getattr(api, func_name)
    args = (NS,) if namespaced else ()
    listed = func(*args)
    rv = listed.metadata.resource_version
    assert rv and int(rv) > 0
    with http(module_sim) as h:
        if func_name == "list_namespaced_event":
            h.post(path, json={"metadata": {"name": f"watch-probe.{rv}"}, "reason": "Probe", "type": "Normal",
                               "message": "m", "involvedObject": {"kind": "Pod", "name": "x", "namespace": NS}})
            target = f"watch-probe.{rv}"
        else:
            target = _first_name(h, path)
            r = h.patch(f"{path}/{target}", content=json.dumps({"metadata": {"labels": {"watched": rv}}}),
                        headers=MERGE)
            assert r.status_code == 200, r.text
    seen = []
    for event in watch.Watch().stream(func, *args, resource_version=rv, timeout_seconds=5):
        seen.append((event["type"], event["object"].metadata.name))
        if event["object"].metadata.name == target:
            break
    assert (("ADDED" if func_name == "list_namespaced_event" else "MODIFIED"), target) in seen


def test_watch_without_resource_version_starts_with_the_current_state(module_sim):
    core = client.CoreV1Api(kube(module_sim))
    names = {p.metadata.name for p in core.list_namespaced_pod(NS).items}
    first = []
    for event in watch.Watch().stream(core.list_namespaced_pod, NS, timeout_seconds=2):
        first.append((event["type"], event["object"].metadata.name))
        if len(first) == len(names):
            break
    assert {n for _, n in first} == names and {t for t, _ in first} == {"ADDED"}


def test_expired_resource_version_gets_410_and_a_relist_recovers(module_sim):
    core = client.CoreV1Api(kube(module_sim))
    old_rv = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, {"metadata": {"name": "gone-before"}})
    module_sim.control("POST", "/sim/compact")

    with pytest.raises(client.ApiException) as err:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, NS, resource_version=old_rv,
                                      timeout_seconds=5):
            pass
    assert err.value.status == 410

    # What an informer does: relist, then watch from the list's resourceVersion.
    relisted = core.list_namespaced_config_map(NS)
    assert "gone-before" in {c.metadata.name for c in relisted.items}
    core.create_namespaced_config_map(NS, {"metadata": {"name": "after-relist"}})
    seen = []
    for event in watch.Watch().stream(core.list_namespaced_config_map, NS,
                                      resource_version=relisted.metadata.resource_version, timeout_seconds=5):
        seen.append((event["type"], event["object"].metadata.name))
        break
    assert seen == [("ADDED", "after-relist")]


def test_raw_watch_error_event_bookmarks_and_timeout(module_sim):
    with http(module_sim) as h:
        listed = h.get(f"/api/v1/namespaces/{NS}/configmaps").json()
        rv = listed["metadata"]["resourceVersion"]
        module_sim.control("POST", "/sim/compact")
        with h.stream("GET", f"/api/v1/namespaces/{NS}/configmaps",
                      params={"watch": "1", "resourceVersion": "1", "timeoutSeconds": "5"}) as r:
            lines = [json.loads(line) for line in r.iter_lines() if line]
        assert r.status_code == 200
        assert lines[0]["type"] == "ERROR"
        assert lines[0]["object"]["code"] == 410 and lines[0]["object"]["reason"] == "Expired"

        # A quiet watch with bookmarks gets BOOKMARKs and ends when timeoutSeconds runs out.
        with h.stream("GET", f"/api/v1/namespaces/{NS}/secrets",
                      params={"watch": "true", "resourceVersion": h.get(f"/api/v1/namespaces/{NS}/secrets").json()[
                          "metadata"]["resourceVersion"], "allowWatchBookmarks": "true", "timeoutSeconds": "3",
                              "labelSelector": "never=matches"}) as r:
            events = [json.loads(line) for line in r.iter_lines() if line]
        assert events and {e["type"] for e in events} == {"BOOKMARK"}
        assert events[-1]["object"]["kind"] == "Secret"
        assert int(events[-1]["object"]["metadata"]["resourceVersion"]) >= int(rv)


def test_label_selected_watch_sees_only_matching_objects_and_deletions(module_sim):
    path = f"/api/v1/namespaces/{NS}/configmaps"
    with http(module_sim) as h:
        rv = h.get(path).json()["metadata"]["resourceVersion"]
        h.post(path, json={"metadata": {"name": "sel-yes", "labels": {"sel": "yes"}}})
        h.post(path, json={"metadata": {"name": "sel-no", "labels": {"sel": "no"}}})
        h.delete(f"{path}/sel-yes")
        with h.stream("GET", path, params={"watch": "true", "resourceVersion": rv, "labelSelector": "sel=yes",
                                           "timeoutSeconds": "1"}) as r:
            events = [(e["type"], e["object"]["metadata"]["name"]) for e in
                      (json.loads(line) for line in r.iter_lines() if line)]
    assert events == [("ADDED", "sel-yes"), ("DELETED", "sel-yes")]


def test_live_watch_streams_controller_changes(module_sim):
    """A watch open while the world runs sees the Deployment controller's work as it happens."""
    apps = client.AppsV1Api(kube(module_sim))
    rv = apps.list_namespaced_replica_set(NS).metadata.resource_version
    seen: list[tuple[str, str]] = []
    done = threading.Event()

    def consume():
        for event in watch.Watch().stream(apps.list_namespaced_replica_set, NS, resource_version=rv,
                                          timeout_seconds=20):
            seen.append((event["type"], event["object"].metadata.name))
            if event["type"] == "ADDED":
                done.set()
                return

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    apps.patch_namespaced_deployment("handover-service", NS, {"spec": {"template": {"metadata": {
        "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}}}}})
    advance(module_sim, 2)
    assert done.wait(30), seen
    thread.join(30)
    assert any(t == "ADDED" and n.startswith("handover-service-") for t, n in seen)


def test_objects_entering_and_leaving_a_selection_are_added_and_deleted(module_sim):
    path = f"/api/v1/namespaces/{NS}/configmaps"
    with http(module_sim) as h:
        h.post(path, json={"metadata": {"name": "moving", "labels": {"stage": "in"}}})
        rv = h.get(path).json()["metadata"]["resourceVersion"]
        for stage in ("out", "in"):
            h.patch(f"{path}/moving", content=json.dumps({"metadata": {"labels": {"stage": stage}}}), headers=MERGE)
        with h.stream("GET", path, params={"watch": "true", "resourceVersion": rv, "labelSelector": "stage=in",
                                           "timeoutSeconds": "1"}) as r:
            events = [(e["type"], e["object"]["metadata"]["labels"]["stage"]) for e in
                      (json.loads(line) for line in r.iter_lines() if line)]
    # Leaving is reported with the object as it was last seen matching.
    assert events == [("DELETED", "in"), ("ADDED", "in")]
