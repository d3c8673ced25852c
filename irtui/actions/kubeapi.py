"""Raw Kubernetes REST calls for actions and the Investigate screens, over the session's
guarded `ApiClient`.

This module owns how a request is made (path, query, patch content type, dry run) and how
an API error becomes a sentence. It goes through `ApiClient.call_api`, so the guarded REST
transport (read-only) and the kubeconfig's auth and TLS apply to every request; bodies stay
plain JSON dicts because the typed models are slow and lossy for what we send. Everything
here blocks: callers run it in a thread.
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterable
from urllib.parse import quote

from kubernetes.client.exceptions import ApiException

from irtui.actions.model import AccessCheck

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"

# kind -> (API prefix, plural, namespaced)
_RESOURCES = {
    "pod": ("/api/v1", "pods", True),
    "node": ("/api/v1", "nodes", False),
    "secret": ("/api/v1", "secrets", True),
    "service": ("/api/v1", "services", True),
    "event": ("/api/v1", "events", True),
    "namespace": ("/api/v1", "namespaces", False),
    "configmap": ("/api/v1", "configmaps", True),
    "deployment": ("/apis/apps/v1", "deployments", True),
    "statefulset": ("/apis/apps/v1", "statefulsets", True),
    "replicaset": ("/apis/apps/v1", "replicasets", True),
    "daemonset": ("/apis/apps/v1", "daemonsets", True),
}

# (group, plural) for access reviews
RBAC_RESOURCE = {
    "pod": ("", "pods"), "node": ("", "nodes"), "secret": ("", "secrets"),
    "service": ("", "services"), "event": ("", "events"),
    "deployment": ("apps", "deployments"), "statefulset": ("apps", "statefulsets"),
    "replicaset": ("apps", "replicasets"), "configmap": ("", "configmaps"),
}


def resource_path(kind: str, namespace: str | None = None, name: str | None = None, sub: str | None = None) -> str:
    """`/apis/apps/v1/namespaces/ns/deployments/name/scale` and friends, each part quoted."""
    prefix, plural, namespaced = _RESOURCES[kind]
    path = prefix
    if namespaced and namespace:
        path += f"/namespaces/{quote(namespace, safe='')}"
    path += f"/{plural}"
    if name:
        path += f"/{quote(name, safe='')}"
    if sub:
        path += f"/{sub}"
    return path


def api_message(exc: BaseException) -> str:
    """The API server's own explanation (its Status.message), else the HTTP reason."""
    if isinstance(exc, ApiException):
        body = exc.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        if body:
            try:
                status = json.loads(body)
                if isinstance(status, dict) and status.get("message"):
                    return f"{status['message']} ({exc.status})"
            except ValueError:
                pass
            first = body.strip().splitlines()[0][:200] if body.strip() else ""
            if first:
                return f"{exc.status} {exc.reason}: {first}"
        return f"{exc.status} {exc.reason}".strip()
    return str(exc) or type(exc).__name__


class Kube:
    """A thin JSON client over the session's guarded `ApiClient`."""

    def __init__(self, api_client, timeout: float = 30.0) -> None:
        self.api = api_client
        self.timeout = timeout

    # --- the one place a request is made -----------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        query: Iterable[tuple[str, Any]] | dict[str, Any] | None = None,
        body: Any = None,
        content_type: str | None = None,
        accept: str = "application/json",
        stream: bool = False,
        text: bool = False,
        timeout: float | tuple[float, float] | None = None,
    ):
        """Send one request; returns the decoded JSON (the body as text when `text`, the raw
        streaming response when `stream`), raises `ApiException` for a non-2xx answer and
        `ReadOnlyError` (from the guarded transport) for a refused mutation."""
        params = list(query.items()) if isinstance(query, dict) else list(query or [])
        params = [(k, v) for k, v in params if v is not None]
        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        method_, url, headers_, body_, _ = self.api.param_serialize(
            method=method, resource_path=path, query_params=params or None,
            header_params=headers, body=body, auth_settings=["BearerToken"],
        )
        response = self.api.call_api(
            method_, url, header_params=headers_, body=body_,
            _request_timeout=timeout if timeout is not None else (None if stream else self.timeout),
        )
        if not 200 <= response.status <= 299:
            data = response.read()
            raise ApiException(status=response.status, reason=response.reason,
                               body=data.decode("utf-8", "replace") if data else None)
        if stream:
            return response.response
        data = response.read()
        if text:
            return (data or b"").decode("utf-8", "replace")
        if not data:
            return {}
        ctype = response.headers.get("content-type", "") or ""
        if "json" in ctype or data[:1] in (b"{", b"["):
            try:
                return json.loads(data)
            except ValueError:
                pass
        return data.decode("utf-8", "replace")

    # --- verbs -------------------------------------------------------------------------
    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)

    def items(self, path: str, **query: Any) -> list[dict]:
        return list((self.get(path, **query) or {}).get("items") or [])

    def patch(self, path: str, body: Any, patch_type: str = STRATEGIC, *, dry_run: bool = False) -> dict:
        if patch_type == JSON_PATCH and not isinstance(body, list):
            raise TypeError("a JSON patch is a list of operations")
        return self.request("PATCH", path, query=[("dryRun", "All" if dry_run else None)],
                            body=body, content_type=patch_type)

    def delete(self, path: str, *, dry_run: bool = False, grace_period: int | None = None,
               propagation: str | None = None) -> dict:
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if dry_run:
            options["dryRun"] = ["All"]
        if grace_period is not None:
            options["gracePeriodSeconds"] = grace_period
        if propagation:
            options["propagationPolicy"] = propagation
        return self.request(
            "DELETE", path,
            query=[("dryRun", "All" if dry_run else None), ("gracePeriodSeconds", grace_period)],
            body=options,
        )

    def create(self, path: str, body: dict, *, dry_run: bool = False) -> dict:
        return self.request("POST", path, query=[("dryRun", "All" if dry_run else None)], body=body)

    # --- access reviews ----------------------------------------------------------------
    def access_review(self, check: AccessCheck) -> tuple[bool, str]:
        """(allowed, the server's reason) for one SelfSubjectAccessReview."""
        answer = self.create("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", check.review_body())
        status = (answer or {}).get("status") or {}
        reason = status.get("reason") or status.get("evaluationError") or ""
        return bool(status.get("allowed")) and not status.get("denied"), reason


class AccessCache:
    """Access review answers, remembered briefly: the palette and key gating ask often, and a
    role binding rarely changes during an incident (the executor asks again on run)."""

    def __init__(self, kube: Kube, ttl: float = 30.0, clock=time.monotonic) -> None:
        self.kube = kube
        self.ttl = ttl
        self.clock = clock
        self._answers: dict[AccessCheck, tuple[float, bool, str]] = {}

    def cached(self, check: AccessCheck) -> tuple[bool, str] | None:
        hit = self._answers.get(check)
        if hit and self.clock() - hit[0] < self.ttl:
            return hit[1], hit[2]
        return None

    def allowed(self, check: AccessCheck, *, fresh: bool = False) -> tuple[bool, str]:
        if not fresh:
            hit = self.cached(check)
            if hit is not None:
                return hit
        allowed, reason = self.kube.access_review(check)
        self._answers[check] = (self.clock(), allowed, reason)
        return allowed, reason
