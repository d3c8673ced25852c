"""The actions' door to the Kubernetes API: the kube REST client (`irtui.kube.rest`, which
owns requests, the kind -> path table, the read-only guard and the error wording) with the
question only the actions ask, an access review of an `AccessCheck`, and its short cache.

The action steps and the Investigate screens take the client's names from here, so that
`actions/` reads the cluster through one module. Everything here blocks: callers run it in
a thread.
"""

from __future__ import annotations

import time
from typing import Callable

from irtui.actions.model import AccessCheck
from irtui.kube.rest import JSON_PATCH, MERGE, RBAC_RESOURCE, STRATEGIC, RestClient, api_message, resource_path

__all__ = ["JSON_PATCH", "MERGE", "RBAC_RESOURCE", "STRATEGIC", "AccessCache", "Kube", "api_message",
           "resource_path"]


class Kube(RestClient):
    """The REST client over the session's guarded `ApiClient`, able to ask access reviews."""

    def access_review(self, check: AccessCheck) -> tuple[bool, str]:
        """(allowed, the server's reason) for one SelfSubjectAccessReview."""
        answer = self.create("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", check.review_body())
        status = (answer or {}).get("status") or {}
        reason = status.get("reason") or status.get("evaluationError") or ""
        return bool(status.get("allowed")) and not status.get("denied"), reason


class AccessCache:
    """Access review answers, remembered briefly: the palette and key gating ask often, and a
    role binding rarely changes during an incident (the executor asks again on run)."""

    def __init__(self, kube: Kube, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
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
