"""Resources computed on request rather than stored: metrics.k8s.io and the access reviews.

`kubectl top` reads PodMetrics and NodeMetrics, computed from the world's telemetry at the
moment of asking. SelfSubjectAccessReview and SelfSubjectRulesReview (`kubectl auth can-i`)
and SelfSubjectReview (`kubectl auth whoami`) answer from the same RBAC policy that guards
every request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from irtui.sim.api.http import RequestInfo, json_response, read_body
from irtui.sim.discovery import Resource
from irtui.sim.errors import method_not_allowed, not_found
from irtui.sim.rbac import Policy, User
from irtui.sim.selectors import parse_field_selector, parse_label_selector

if TYPE_CHECKING:
    from irtui.sim.world import World


class Computed:
    """metrics.k8s.io from the world; authorization and authentication reviews from the policy."""

    def __init__(self, world: World, policy: Policy) -> None:
        self.world = world
        self.policy = policy

    def metrics(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        if request.method != "GET" or info.watch:
            raise method_not_allowed()
        if res.plural == "pods":
            items = self.world.pod_metrics(info.namespace)
        else:
            items = self.world.node_metrics()
        labels = parse_label_selector(request.query.get("labelSelector"))
        fields = parse_field_selector(request.query.get("fieldSelector"), "metrics")
        items = [i for i in items
                 if (labels is None or labels(i["metadata"].get("labels") or {})) and (fields is None or fields(i))]
        for item in items:
            item.setdefault("kind", res.kind)
            item.setdefault("apiVersion", res.api_version)
        if info.name:
            for item in items:
                if item["metadata"]["name"] == info.name:
                    return json_response(item)
            raise not_found(res.plural, info.name, res.group)
        return json_response({"kind": res.list_kind, "apiVersion": res.api_version,
                              "metadata": {"resourceVersion": ""}, "items": items})

    async def access_review(self, request: web.Request, info: RequestInfo, res: Resource, user: User) -> web.Response:
        if request.method != "POST" or info.name:
            raise method_not_allowed()
        body = await read_body(request) or {}
        spec = body.get("spec") or {}
        if res.plural == "selfsubjectrulesreviews":
            return json_response({
                "kind": res.kind, "apiVersion": res.api_version, "metadata": {"creationTimestamp": None},
                "spec": spec,
                "status": {"resourceRules": self.policy.rules_review(user),
                           "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis",
                                                                                       "/apis/*", "/version"]}],
                           "incomplete": False},
            }, status=201)
        attrs = spec.get("resourceAttributes")
        if attrs is not None:
            allowed = self.policy.allowed(user, attrs.get("verb", ""), attrs.get("group", ""),
                                          attrs.get("resource", ""), attrs.get("subresource", ""),
                                          attrs.get("name") or None)
        else:
            non_resource = spec.get("nonResourceAttributes") or {}
            allowed = non_resource.get("verb", "get") == "get"
        status: dict[str, Any] = {"allowed": allowed}
        if allowed:
            status["reason"] = f'RBAC: allowed by rules of user "{user.name}"'
        else:
            status["denied"] = False
        return json_response({"kind": res.kind, "apiVersion": res.api_version,
                              "metadata": {"creationTimestamp": None}, "spec": spec, "status": status}, status=201)

    async def self_subject_review(self, request: web.Request, info: RequestInfo, res: Resource,
                                  user: User) -> web.Response:
        """Who am I: the user the bearer token authenticated (what `kubectl auth whoami` asks)."""
        if request.method != "POST" or info.name:
            raise method_not_allowed()
        return json_response({"kind": res.kind, "apiVersion": res.api_version,
                              "metadata": {"creationTimestamp": None},
                              "status": {"userInfo": self.policy.user_info(user)}}, status=201)
