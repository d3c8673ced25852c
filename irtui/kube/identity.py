"""Who the API server says we are: a SelfSubjectReview, the question `kubectl auth whoami` asks.

The kubeconfig's user entry is only a name on this machine (anyone can call an entry
`cto-jane`); the review's answer is the user the server authenticated from the credentials,
which is what the incident record names beside it. A review changes nothing, so the guarded
transport lets it through on a read-only terminal.
"""

from __future__ import annotations

import logging
from typing import Any

from irtui.kube.rest import RestClient

log = logging.getLogger(__name__)

REVIEW = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
REVIEW_PATH = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
# Asked once at start, beside opening the incident store; a cluster that does not answer
# in this time is reported by the panes, and the record names the kubeconfig user alone.
TIMEOUT = 2.0


def authenticated_user(api_client: Any) -> str | None:
    """The username the server authenticated, or None when it cannot say (a server before
    Kubernetes 1.28 without the API, unreachable, or refusing)."""
    try:
        answer = RestClient(api_client).request("POST", REVIEW_PATH, body=REVIEW, timeout=TIMEOUT)
    except Exception as exc:  # the record still names the kubeconfig user; say why once
        log.info("no SelfSubjectReview answer: %s", exc)
        return None
    username = ((answer.get("status") or {}).get("userInfo") or {}).get("username") if isinstance(answer, dict) else None
    return username if isinstance(username, str) and username else None
