"""RBAC and audit over real HTTP: what each user may do, what SelfSubjectAccessReview says,
and that both agree; every request lands in the audit log, refused and dry-run ones included.
"""

from __future__ import annotations

import json

import pytest

from api_helpers import NS, http

MERGE = {"Content-Type": "application/merge-patch+json"}

# (method, path, body, extra headers) for a mutation of every kind the server serves.
MUTATIONS = [
    ("POST", f"/api/v1/namespaces/{NS}/configmaps", {"metadata": {"name": "rbac-cm"}}, {}),
    ("PUT", f"/api/v1/namespaces/{NS}/configmaps/app-config", None, {}),
    ("PATCH", f"/api/v1/namespaces/{NS}/configmaps/app-config", {"metadata": {"labels": {"x": "y"}}}, MERGE),
    ("DELETE", f"/api/v1/namespaces/{NS}/configmaps/app-config", None, {}),
    ("DELETE", f"/api/v1/namespaces/{NS}/configmaps", None, {}),
    ("POST", f"/api/v1/namespaces/{NS}/pods", {"metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "c", "image": "i"}]}}, {}),
    ("DELETE", f"/api/v1/namespaces/{NS}/pods/postgres-0", None, {}),
    ("PATCH", f"/api/v1/namespaces/{NS}/pods/postgres-0/status", {"status": {"message": "x"}}, MERGE),
    ("DELETE", f"/api/v1/namespaces/{NS}/pods", None, {}),
    ("PATCH", f"/apis/apps/v1/namespaces/{NS}/deployments/task-service", {"spec": {"replicas": 9}}, MERGE),
    ("PATCH", f"/apis/apps/v1/namespaces/{NS}/deployments/task-service/scale", {"spec": {"replicas": 9}}, MERGE),
    ("PUT", f"/apis/apps/v1/namespaces/{NS}/statefulsets/postgres/scale", {"spec": {"replicas": 9}}, {}),
    ("DELETE", f"/apis/apps/v1/namespaces/{NS}/deployments/task-service", None, {}),
    ("DELETE", f"/apis/apps/v1/namespaces/{NS}/replicasets", None, {}),
    ("POST", f"/apis/apps/v1/namespaces/{NS}/deployments", {"metadata": {"name": "d"}}, {}),
    ("PATCH", "/api/v1/nodes/any-node", {"spec": {"unschedulable": True}}, MERGE),
    ("DELETE", f"/api/v1/namespaces/{NS}", None, {}),
    ("POST", "/api/v1/namespaces", {"metadata": {"name": "rbac-ns"}}, {}),
    ("DELETE", f"/api/v1/namespaces/{NS}/secrets/db-credentials", None, {}),
    ("POST", f"/api/v1/namespaces/{NS}/services", {"metadata": {"name": "s"}}, {}),
    ("POST", f"/api/v1/namespaces/{NS}/events", {"metadata": {"name": "e"}}, {}),
]


@pytest.mark.parametrize("user", ["viewer", "limited"])
def test_read_only_users_are_refused_every_mutation(module_sim, user):
    with http(module_sim, user) as h:
        for method, path, body, headers in MUTATIONS:
            for params in ({}, {"dryRun": "All"}):
                r = h.request(method, path, params=params, headers=headers,
                              content=json.dumps(body) if body is not None else None)
                assert r.status_code == 403, (method, path, r.status_code, r.text)
                status = r.json()
                assert status["kind"] == "Status" and status["reason"] == "Forbidden"
                assert f'User "{user}" cannot' in status["message"]
    refused = [a for a in module_sim.audit() if a["user"] == user]
    assert len(refused) == 2 * len(MUTATIONS)
    assert all(a["status"] == 403 for a in refused)
    assert {a["verb"] for a in refused} == {"create", "update", "patch", "delete", "deletecollection"}
    assert sum(a["dry_run"] for a in refused) == len(MUTATIONS)


def test_viewer_reads_everything_limited_cannot_see_nodes(module_sim):
    reads = ["/api/v1/namespaces/emrtask-prod/pods", "/api/v1/pods", "/api/v1/nodes",
             f"/apis/apps/v1/namespaces/{NS}/deployments", f"/api/v1/namespaces/{NS}/events",
             "/apis/metrics.k8s.io/v1beta1/nodes", f"/apis/metrics.k8s.io/v1beta1/namespaces/{NS}/pods"]
    with http(module_sim, "viewer") as viewer, http(module_sim, "limited") as limited:
        node = viewer.get("/api/v1/nodes").json()["items"][0]["metadata"]["name"]
        for path in reads:
            assert viewer.get(path).status_code == 200, path
        for path in reads:
            expected = 403 if "nodes" in path else 200
            assert limited.get(path).status_code == expected, path
        assert limited.get(f"/api/v1/nodes/{node}").status_code == 403
        assert limited.get("/api/v1/nodes", params={"watch": "true", "timeoutSeconds": "1"}).status_code == 403
        pod = limited.get(f"/api/v1/namespaces/{NS}/pods").json()["items"][0]["metadata"]["name"]
        assert limited.get(f"/api/v1/namespaces/{NS}/pods/{pod}/log", params={"tailLines": 1}).status_code == 200


@pytest.mark.parametrize("user", ["sre", "viewer", "limited"])
def test_access_reviews_agree_with_enforcement(module_sim, user):
    """For each question, SelfSubjectAccessReview's answer is what the server then does."""
    checks = [
        ("get", "", "pods", "", NS, "GET", f"/api/v1/namespaces/{NS}/pods/postgres-0", None),
        ("list", "", "nodes", "", None, "GET", "/api/v1/nodes", None),
        ("get", "", "pods", "log", NS, "GET", f"/api/v1/namespaces/{NS}/pods/postgres-0/log?tailLines=1", None),
        ("delete", "", "pods", "", NS, "DELETE", f"/api/v1/namespaces/{NS}/pods/postgres-0?dryRun=All", None),
        ("patch", "apps", "deployments", "scale", NS, "PATCH",
         f"/apis/apps/v1/namespaces/{NS}/deployments/task-service/scale?dryRun=All", {"spec": {"replicas": 3}}),
        ("create", "", "configmaps", "", NS, "POST", f"/api/v1/namespaces/{NS}/configmaps?dryRun=All",
         {"metadata": {"name": "ssar-probe"}}),
        ("patch", "", "nodes", "", None, "PATCH", "/api/v1/nodes/NODE?dryRun=All", {"metadata": {"labels": {"a": "b"}}}),
    ]
    with http(module_sim, user) as h, http(module_sim, "sre") as sre:
        node = sre.get("/api/v1/nodes").json()["items"][0]["metadata"]["name"]
        for verb, group, resource, sub, ns, method, path, body in checks:
            review = h.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json={
                "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource,
                                                "subresource": sub, "namespace": ns}}})
            assert review.status_code == 201
            allowed = review.json()["status"]["allowed"]
            r = h.request(method, path.replace("NODE", node), json=body,
                          headers=MERGE if method == "PATCH" else {})
            assert (r.status_code != 403) == allowed, (user, verb, resource, sub, r.status_code, allowed)
            assert r.status_code < 400 or r.status_code == 403, r.text


def test_audit_lines_carry_the_request_facts(module_sim):
    with http(module_sim, "sre") as h:
        h.get(f"/api/v1/namespaces/{NS}/pods", params={"labelSelector": "app=postgres"})
        h.patch(f"/apis/apps/v1/namespaces/{NS}/deployments/task-service/scale", params={"dryRun": "All"},
                content=json.dumps({"spec": {"replicas": 4}}), headers=MERGE)
    lines = module_sim.audit_log.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    listing = next(r for r in records if r["path"] == f"/api/v1/namespaces/{NS}/pods" and
                   "labelSelector" in r["query"])
    assert listing["verb"] == "list" and listing["user"] == "sre" and listing["status"] == 200
    assert listing["resource"] == "pods" and listing["namespace"] == NS and listing["dry_run"] is False
    scale = [r for r in records if r["path"].endswith("/task-service/scale") and r["user"] == "sre"][-1]
    assert scale == {**scale, "verb": "patch", "dry_run": True, "status": 200, "resource": "deployments",
                     "subresource": "scale", "name": "task-service", "group": "apps", "method": "PATCH"}
    assert all(set(r) >= {"time", "user", "verb", "method", "path", "query", "dry_run", "status"} for r in records)
