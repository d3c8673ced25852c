"""The simulator's API server over real HTTP: discovery, reads, writes, patches, subresources.

One simulator serves the module; each test uses its own objects or reads only.
"""

from __future__ import annotations

import json

import pytest
from kubernetes import client

from api_helpers import NS, advance, http, kube
from polling import until_sync

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@pytest.fixture(scope="module")
def api(module_sim):
    with http(module_sim) as h:
        yield h


def _cm(name: str, **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"test": "core"}},
            "data": data}


def test_discovery_announces_every_served_group(api):
    assert api.get("/version").json()["gitVersion"].startswith("v1.32")
    assert api.get("/api").json()["versions"] == ["v1"]
    groups = {g["name"]: g for g in api.get("/apis").json()["groups"]}
    assert {"apps", "metrics.k8s.io", "authorization.k8s.io"} <= set(groups)
    core = {r["name"]: r for r in api.get("/api/v1").json()["resources"]}
    for name in ("pods", "pods/log", "pods/status", "nodes", "events", "services", "services/proxy",
                 "secrets", "configmaps", "namespaces"):
        assert name in core, name
    assert core["pods"]["namespaced"] and not core["nodes"]["namespaced"]
    assert "watch" in core["pods"]["verbs"]
    apps = {r["name"] for r in api.get("/apis/apps/v1").json()["resources"]}
    assert {"deployments", "deployments/scale", "statefulsets", "statefulsets/scale", "replicasets"} <= apps
    metrics = {r["name"] for r in api.get("/apis/metrics.k8s.io/v1beta1").json()["resources"]}
    assert metrics == {"pods", "nodes"}


def test_requests_without_a_valid_token_get_401_status(module_sim):
    for user, headers in ((None, {}), (None, {"Authorization": "Bearer nope"})):
        with http(module_sim, user, headers=headers) as anon:
            response = anon.get(f"/api/v1/namespaces/{NS}/pods")
            assert response.status_code == 401
            body = response.json()
            assert body["kind"] == "Status" and body["code"] == 401 and body["reason"] == "Unauthorized"


def test_pod_table_has_kubectl_columns_and_words(api):
    table = api.get(f"/api/v1/namespaces/{NS}/pods", headers={"Accept": TABLE}).json()
    assert table["kind"] == "Table"
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names[:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert names[5:] == ["IP", "Node", "Nominated Node", "Readiness Gates"]
    assert [c["priority"] for c in table["columnDefinitions"]][5:] == [1, 1, 1, 1]
    rows = {r["cells"][0]: r for r in table["rows"]}
    postgres = rows["postgres-0"]
    assert postgres["cells"][1] == "1/1" and postgres["cells"][2] == "Running"
    assert postgres["object"]["kind"] == "PartialObjectMetadata"
    assert postgres["object"]["metadata"]["name"] == "postgres-0"
    full = api.get(f"/api/v1/namespaces/{NS}/pods/postgres-0", params={"includeObject": "Object"},
                   headers={"Accept": TABLE}).json()
    assert full["rows"][0]["object"]["kind"] == "Pod" and full["rows"][0]["object"]["spec"]["containers"]


@pytest.mark.parametrize("path, first_columns", [
    ("/api/v1/nodes", ["Name", "Status", "Roles", "Age", "Version"]),
    (f"/apis/apps/v1/namespaces/{NS}/deployments", ["Name", "Ready", "Up-to-date", "Available", "Age"]),
    (f"/apis/apps/v1/namespaces/{NS}/replicasets", ["Name", "Desired", "Current", "Ready", "Age"]),
    (f"/apis/apps/v1/namespaces/{NS}/statefulsets", ["Name", "Ready", "Age"]),
    (f"/api/v1/namespaces/{NS}/services", ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"]),
    (f"/api/v1/namespaces/{NS}/events", ["Last Seen", "Type", "Reason", "Object"]),
    ("/api/v1/namespaces", ["Name", "Status", "Age"]),
    (f"/api/v1/namespaces/{NS}/secrets", ["Name", "Type", "Data", "Age"]),
    (f"/api/v1/namespaces/{NS}/configmaps", ["Name", "Data", "Age"]),
])
def test_every_resource_has_a_table(api, path, first_columns):
    if path.endswith("/events"):  # a quiet cluster may have none yet
        api.post(path, json={"metadata": {"name": "table-probe.1"}, "type": "Normal", "reason": "Probe",
                             "message": "from a test", "involvedObject": {"kind": "Pod", "name": "postgres-0",
                                                                          "namespace": NS},
                             "source": {"component": "test"}, "count": 1})
    table = api.get(path, headers={"Accept": TABLE}).json()
    assert table["kind"] == "Table", table
    columns = [c["name"] for c in table["columnDefinitions"]]
    assert columns[:len(first_columns)] == first_columns
    assert table["rows"], f"no rows for {path}"
    assert all(len(r["cells"]) == len(columns) for r in table["rows"])


def test_label_selectors(api):
    def names(selector: str) -> set[str]:
        items = api.get(f"/api/v1/namespaces/{NS}/pods", params={"labelSelector": selector}).json()["items"]
        return {p["metadata"]["labels"]["app"] for p in items}

    everything = names("")
    assert {"task-service", "api-gateway", "postgres"} <= everything
    assert names("app=task-service") == {"task-service"}
    assert names("app==task-service") == {"task-service"}
    assert names("app in (task-service, api-gateway)") == {"task-service", "api-gateway"}
    assert names("app notin (task-service)") == everything - {"task-service"}
    assert names("app!=postgres") == everything - {"postgres"}
    assert names("app") == everything
    assert names("!app") == set()
    assert names("app=task-service,app=api-gateway") == set()


def test_field_selectors(api):
    pods = api.get(f"/api/v1/namespaces/{NS}/pods").json()["items"]
    node = pods[0]["spec"]["nodeName"]
    on_node = api.get("/api/v1/pods", params={"fieldSelector": f"spec.nodeName={node}"}).json()["items"]
    assert on_node and all(p["spec"]["nodeName"] == node for p in on_node)
    assert {p["metadata"]["name"] for p in on_node} >= {p["metadata"]["name"] for p in pods
                                                       if p["spec"].get("nodeName") == node}
    running = api.get(f"/api/v1/namespaces/{NS}/pods", params={"fieldSelector": "status.phase=Running"}).json()
    assert running["items"] and all(p["status"]["phase"] == "Running" for p in running["items"])
    one = api.get(f"/api/v1/namespaces/{NS}/pods",
                  params={"fieldSelector": "metadata.name=postgres-0,metadata.namespace=" + NS}).json()["items"]
    assert [p["metadata"]["name"] for p in one] == ["postgres-0"]
    not_one = api.get(f"/api/v1/namespaces/{NS}/pods", params={"fieldSelector": "metadata.name!=postgres-0"}).json()
    assert len(not_one["items"]) == len(pods) - 1
    pod = one[0]
    events = api.get(f"/api/v1/namespaces/{NS}/events", params={
        "fieldSelector": f"involvedObject.name=postgres-0,involvedObject.namespace={NS},"
                         f"involvedObject.uid={pod['metadata']['uid']}"}).json()["items"]
    assert all(e["involvedObject"]["name"] == "postgres-0" for e in events)
    bad = api.get(f"/api/v1/namespaces/{NS}/pods", params={"fieldSelector": "spec.nope=1"})
    assert bad.status_code == 400 and bad.json()["kind"] == "Status"


def test_limit_and_continue_page_through_everything_once(api):
    everything = [p["metadata"]["name"] for p in api.get("/api/v1/pods").json()["items"]]
    seen, token, pages = [], None, 0
    while True:
        params = {"limit": 4, **({"continue": token} if token else {})}
        page = api.get("/api/v1/pods", params=params).json()
        seen += [p["metadata"]["name"] for p in page["items"]]
        pages += 1
        token = page["metadata"].get("continue")
        if not token:
            break
        assert page["metadata"]["remainingItemCount"] == len(everything) - len(seen)
    assert seen == everything and pages == -(-len(everything) // 4)
    table_page = api.get("/api/v1/pods", params={"limit": 2}, headers={"Accept": TABLE}).json()
    assert len(table_page["rows"]) == 2 and table_page["metadata"]["continue"]


def test_create_get_update_delete_with_kubernetes_errors(api):
    base = f"/api/v1/namespaces/{NS}/configmaps"
    created = api.post(base, json=_cm("crud-a", k="1"))
    assert created.status_code == 201
    meta = created.json()["metadata"]
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"]
    again = api.post(base, json=_cm("crud-a", k="1"))
    assert again.status_code == 409 and again.json()["reason"] == "AlreadyExists"

    current = api.get(f"{base}/crud-a").json()
    current["data"]["k"] = "2"
    updated = api.put(f"{base}/crud-a", json=current)
    assert updated.status_code == 200 and updated.json()["data"]["k"] == "2"
    assert int(updated.json()["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])
    stale = api.put(f"{base}/crud-a", json=current)  # still carries the old resourceVersion
    assert stale.status_code == 409 and stale.json()["reason"] == "Conflict"

    invalid = api.post(base, json=_cm("Not_A_Name"))
    assert invalid.status_code == 422 and invalid.json()["reason"] == "Invalid"
    assert invalid.json()["details"]["causes"][0]["field"] == "metadata.name"
    assert api.post("/api/v1/namespaces/no-such-ns/configmaps", json=_cm("x")).status_code == 404

    generated = api.post(base, json={"metadata": {"generateName": "crud-gen-"}, "data": {}}).json()
    assert generated["metadata"]["name"].startswith("crud-gen-") and len(generated["metadata"]["name"]) == 14

    assert api.delete(f"{base}/crud-a").status_code == 200
    missing = api.get(f"{base}/crud-a")
    assert missing.status_code == 404
    assert missing.json() == {**missing.json(), "kind": "Status", "reason": "NotFound", "code": 404}
    assert api.delete(f"{base}/crud-a").status_code == 404


def test_three_patch_formats(api):
    base = f"/apis/apps/v1/namespaces/{NS}/deployments"
    name = "sync-service"
    deploy = api.get(f"{base}/{name}").json()
    container = deploy["spec"]["template"]["spec"]["containers"][0]["name"]
    env_before = {e["name"] for e in deploy["spec"]["template"]["spec"]["containers"][0].get("env", [])}
    smp = {"spec": {"template": {"spec": {"containers": [
        {"name": container, "env": [{"name": "PATCHED", "value": "yes"}]}]}}}}
    r = api.patch(f"{base}/{name}", content=json.dumps(smp),
                  headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert r.status_code == 200, r.text
    c = r.json()["spec"]["template"]["spec"]["containers"]
    assert len(c) == 1 and {e["name"] for e in c[0]["env"]} == env_before | {"PATCHED"}
    assert r.json()["metadata"]["generation"] == deploy["metadata"]["generation"] + 1

    delete_env = {"spec": {"template": {"spec": {"containers": [
        {"name": container, "env": [{"name": "PATCHED", "$patch": "delete"}]}]}}}}
    r = api.patch(f"{base}/{name}", content=json.dumps(delete_env),
                  headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert {e["name"] for e in r.json()["spec"]["template"]["spec"]["containers"][0].get("env", [])} == env_before

    r = api.patch(f"{base}/{name}", content=json.dumps({"metadata": {"labels": {"merged": "true"}}}),
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.json()["metadata"]["labels"]["merged"] == "true" and r.json()["metadata"]["labels"]["app"] == name
    r = api.patch(f"{base}/{name}", content=json.dumps({"metadata": {"labels": {"merged": None}}}),
                  headers={"Content-Type": "application/merge-patch+json"})
    assert "merged" not in r.json()["metadata"]["labels"]

    ops = [{"op": "add", "path": "/metadata/annotations/json-patched", "value": "1"},
           {"op": "test", "path": "/metadata/name", "value": name}]
    r = api.patch(f"{base}/{name}", content=json.dumps(ops), headers={"Content-Type": "application/json-patch+json"})
    assert r.status_code == 200 and r.json()["metadata"]["annotations"]["json-patched"] == "1"
    failed = api.patch(f"{base}/{name}", content=json.dumps([{"op": "test", "path": "/metadata/name", "value": "x"}]),
                       headers={"Content-Type": "application/json-patch+json"})
    assert failed.status_code == 422
    stale = api.patch(f"{base}/{name}", content=json.dumps({"metadata": {"resourceVersion": "1", "labels": {"a": "b"}}}),
                      headers={"Content-Type": "application/merge-patch+json"})
    assert stale.status_code == 409


def test_dry_run_validates_and_stores_nothing(module_sim, api):
    base = f"/api/v1/namespaces/{NS}/configmaps"
    r = api.post(base, params={"dryRun": "All"}, json=_cm("dry-one", a="1"))
    assert r.status_code == 201 and r.json()["metadata"]["name"] == "dry-one"
    assert api.get(f"{base}/dry-one").status_code == 404
    assert api.post(base, params={"dryRun": "All"}, json=_cm("Bad_Name")).status_code == 422
    api.post(base, json=_cm("dry-two", a="1"))
    r = api.patch(f"{base}/dry-two", params={"dryRun": "All"}, content=json.dumps({"data": {"a": "2"}}),
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.json()["data"]["a"] == "2"
    assert api.get(f"{base}/dry-two").json()["data"]["a"] == "1"
    assert api.delete(f"{base}/dry-two", params={"dryRun": "All"}).status_code == 200
    assert api.get(f"{base}/dry-two").status_code == 200
    pods = f"/api/v1/namespaces/{NS}/pods"
    assert api.delete(f"{pods}/postgres-0", params={"dryRun": "All", "gracePeriodSeconds": "0"}).status_code == 200
    assert "deletionTimestamp" not in api.get(f"{pods}/postgres-0").json()["metadata"]
    assert api.post(base, params={"dryRun": "Some"}, json=_cm("dry-three")).status_code == 400

    dry = [a for a in module_sim.audit() if a["dry_run"]]
    assert {(a["verb"], a["resource"]) for a in dry} >= {("create", "configmaps"), ("patch", "configmaps"),
                                                         ("delete", "configmaps"), ("delete", "pods")}
    assert all(a["user"] == "sre" for a in dry)
    wet = [a for a in module_sim.audit() if a["verb"] == "create" and a["path"] == base and not a["dry_run"]]
    assert wet


def test_graceful_and_forced_pod_deletion(module_sim, api):
    pods = f"/api/v1/namespaces/{NS}/pods"
    victims = [p["metadata"]["name"] for p in
               api.get(pods, params={"labelSelector": "app=handover-service"}).json()["items"]]
    graceful, forced = victims[0], victims[1]
    r = api.delete(f"{pods}/{graceful}")
    assert r.status_code == 200 and r.json()["metadata"]["deletionTimestamp"]
    table = api.get(f"{pods}/{graceful}", headers={"Accept": TABLE}).json()
    assert table["rows"][0]["cells"][2] == "Terminating"
    r = api.request("DELETE", f"{pods}/{forced}", json={"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0})
    assert r.status_code == 200
    assert api.get(f"{pods}/{forced}").status_code == 404
    advance(module_sim, 40)  # past the 30 s grace period
    until_sync(lambda: api.get(f"{pods}/{graceful}").status_code == 404, what="graceful deletion to finish")
    # The ReplicaSet replaces both.
    until_sync(lambda: len([p for p in api.get(pods, params={"labelSelector": "app=handover-service"}).json()["items"]
                            if p["metadata"]["name"] not in victims]) >= len(victims), what="replacement pods")


def test_owner_cascade_and_orphaning(module_sim, api):
    base = f"/apis/apps/v1/namespaces/{NS}"
    template = {"metadata": {"labels": {"app": "cascade"}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/cascade:1"}]}}

    def deploy(name):
        t = json.loads(json.dumps(template).replace("cascade", name))
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}}, "template": t}}

    for name in ("cascade-bg", "cascade-orphan"):
        assert api.post(f"{base}/deployments", json=deploy(name)).status_code == 201
        advance(module_sim, 5)
        until_sync(lambda: api.get(f"{base}/replicasets", params={"labelSelector": f"app={name}"}).json()["items"],
                   what=f"{name}'s ReplicaSet")

    r = api.request("DELETE", f"{base}/deployments/cascade-bg", json={"propagationPolicy": "Background"})
    assert r.status_code == 200
    assert api.get(f"{base}/replicasets", params={"labelSelector": "app=cascade-bg"}).json()["items"] == []

    api.delete(f"{base}/deployments/cascade-orphan", params={"propagationPolicy": "Orphan"})
    left = api.get(f"{base}/replicasets", params={"labelSelector": "app=cascade-orphan"}).json()["items"]
    assert len(left) == 1 and not left[0]["metadata"].get("ownerReferences")

    bad = api.post(f"{base}/deployments", json={**deploy("cascade-bad"), "spec": {
        **deploy("cascade-bad")["spec"], "selector": {"matchLabels": {"app": "other"}}}})
    assert bad.status_code == 422


def test_scale_subresource(module_sim, api):
    path = f"/apis/apps/v1/namespaces/{NS}/deployments/emr-service/scale"
    scale = api.get(path).json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"]["replicas"] == 2 and scale["status"]["selector"] == "app=emr-service"
    scale["spec"]["replicas"] = 3
    assert api.put(path, json=scale).json()["spec"]["replicas"] == 3
    assert api.put(path, json=scale).status_code == 409  # stale resourceVersion
    r = api.patch(path, content=json.dumps({"spec": {"replicas": 4}}),
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.json()["spec"]["replicas"] == 4
    deploy = api.get(f"/apis/apps/v1/namespaces/{NS}/deployments/emr-service").json()
    assert deploy["spec"]["replicas"] == 4
    negative = api.patch(path, content=json.dumps({"spec": {"replicas": -1}}),
                         headers={"Content-Type": "application/merge-patch+json"})
    assert negative.status_code == 422
    sts = api.get(f"/apis/apps/v1/namespaces/{NS}/statefulsets/postgres-replica/scale").json()
    assert sts["spec"]["replicas"] >= 1


def test_status_subresource_is_separate_from_spec(api):
    path = f"/api/v1/namespaces/{NS}/configmaps"
    api.post(path, json=_cm("status-probe"))
    pod_path = f"/api/v1/namespaces/{NS}/pods/postgres-replica-0"
    before = api.get(pod_path).json()
    r = api.patch(pod_path, content=json.dumps({"status": {"phase": "Failed"}, "metadata": {"labels": {"s": "1"}}}),
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.json()["status"]["phase"] == before["status"]["phase"]  # status ignored on the main resource
    assert r.json()["metadata"]["labels"]["s"] == "1"
    r = api.patch(f"{pod_path}/status", content=json.dumps({"status": {"message": "probe"}}),
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200 and r.json()["status"]["message"] == "probe"
    assert r.json()["spec"] == api.get(pod_path).json()["spec"]


def test_service_proxy_by_port_name_and_number(api):
    base = f"/api/v1/namespaces/{NS}/services"
    for port in ("http", "3000"):
        r = api.get(f"{base}/task-service:{port}/proxy/health")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ok"
    metrics = api.get(f"{base}/task-service:metrics/proxy/metrics")
    assert metrics.status_code == 200 and "# TYPE" in metrics.text
    assert api.get(f"{base}/no-such:http/proxy/health").status_code == 404
    assert api.get(f"{base}/task-service:9999/proxy/health").status_code == 503


def test_pod_logs(module_sim, api):
    pod = api.get(f"/api/v1/namespaces/{NS}/pods", params={"labelSelector": "app=api-gateway"}).json()["items"][0]
    path = f"/api/v1/namespaces/{NS}/pods/{pod['metadata']['name']}/log"
    # The service logs requests as simulated time passes: stop the clock while reads are
    # compared with each other, or a line logged between two of them makes them differ.
    module_sim.control("POST", "/sim/speed", json={"speed": 0})
    try:
        r = api.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        lines = r.text.splitlines()
        assert lines
        assert api.get(path, params={"tailLines": 2}).text.splitlines() == lines[-2:]
        container = pod["spec"]["containers"][0]["name"]
        assert api.get(path, params={"container": container, "tailLines": 1}).text.splitlines() == lines[-1:]
    finally:
        module_sim.control("POST", "/sim/speed", json={"speed": 1})
    assert api.get(path, params={"container": "nope"}).status_code == 400
    previous = api.get(path, params={"previous": "true"})
    assert previous.status_code == 400 and "previous terminated container" in previous.json()["message"]
    assert api.get(f"/api/v1/namespaces/{NS}/pods/nope/log").status_code == 404

    with api.stream("GET", path, params={"follow": "true", "tailLines": 1}) as stream:
        got = []
        for line in stream.iter_lines():
            got.append(line)
            if len(got) == 1:
                advance(module_sim, 30)  # the service logs requests as simulated time passes
            if len(got) >= 3:
                break
    assert len(got) >= 3 and got[0] == lines[-1]


def test_metrics_api(api):
    pods = api.get(f"/apis/metrics.k8s.io/v1beta1/namespaces/{NS}/pods").json()
    assert pods["kind"] == "PodMetricsList" and pods["items"]
    usage = pods["items"][0]["containers"][0]["usage"]
    assert usage["cpu"] and usage["memory"]
    nodes = api.get("/apis/metrics.k8s.io/v1beta1/nodes").json()
    assert nodes["kind"] == "NodeMetricsList" and nodes["items"][0]["usage"]["cpu"]
    one = api.get(f"/apis/metrics.k8s.io/v1beta1/namespaces/{NS}/pods/postgres-0").json()
    assert one["metadata"]["name"] == "postgres-0"


def test_python_client_reads_every_resource(module_sim):
    api_client = kube(module_sim)
    core, apps = client.CoreV1Api(api_client), client.AppsV1Api(api_client)
    assert core.read_namespace(NS).status.phase == "Active"
    assert core.list_node().items
    assert core.list_namespaced_pod(NS, label_selector="app=postgres").items[0].status.container_statuses
    assert core.list_namespaced_service(NS).items
    assert core.list_namespaced_event(NS).items
    core.list_namespaced_secret(NS)
    core.list_namespaced_config_map(NS)
    assert {d.metadata.name for d in apps.list_namespaced_deployment(NS).items} >= {
        "api-gateway", "task-service", "emr-service", "sync-service", "handover-service"}
    assert {s.metadata.name for s in apps.list_namespaced_stateful_set(NS).items} >= {"postgres", "postgres-replica"}
    assert apps.list_namespaced_replica_set(NS).items
    assert apps.read_namespaced_deployment_scale("task-service", NS).spec.replicas >= 1
    log = core.read_namespaced_pod_log("postgres-0", NS, tail_lines=1)
    assert log.strip()
    with pytest.raises(client.ApiException) as err:
        core.read_namespaced_pod("nope", NS)
    assert err.value.status == 404


def test_control_api(module_sim):
    scenarios = module_sim.control("GET", "/sim/scenarios").json()
    assert {"crashloop-task-service", "node-notready", "emr-integration-failure", "complete-outage"} <= set(
        scenarios["available"])
    with http(module_sim, None) as h:
        assert h.post("/sim/scenarios/no-such-scenario").status_code == 404
        assert h.get("/sim/nope").status_code == 404
        # A refused request is audited too; the control API itself is not.
        assert h.get("/api/v1/namespaces/emrtask-prod/pods").status_code == 401
    before = advance(module_sim, 0)["now"]
    assert advance(module_sim, 90)["now"] > before
    assert module_sim.control("POST", "/sim/speed", json={"speed": 1}).json()["speed"] == 1
    recent = module_sim.control("GET", "/sim/audit").json()
    assert recent and {"time", "user", "verb", "path", "dry_run", "status"} <= set(recent[-1])
    assert {"user": "system:anonymous", "verb": "list", "status": 401} in [
        {k: r[k] for k in ("user", "verb", "status")} for r in recent if r["path"] == "/api/v1/namespaces/emrtask-prod/pods"]
    text = module_sim.control("GET", "/sim/metrics/task-service").text
    assert "# TYPE" in text
