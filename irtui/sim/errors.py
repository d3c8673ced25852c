"""Kubernetes-shaped errors: every refusal the simulator gives is a `Status` object.

Handlers raise `ApiError`; the server turns it into the JSON body and HTTP code a real API
server would send, so clients' error handling (kubectl's messages, the Python client's
`ApiException.status`) sees what it sees in production.
"""

from __future__ import annotations

import json
from typing import Any

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "AlreadyExists",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "InternalError",
    503: "ServiceUnavailable",
}


class ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or _REASONS.get(code, "Unknown")
        self.details = details

    def status(self) -> dict[str, Any]:
        return status_object(self.code, self.message, self.reason, self.details)

    def body(self) -> bytes:
        return json.dumps(self.status()).encode()


def status_object(code: int, message: str, reason: str, details: dict | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def not_found(resource: str, name: str, group: str = "") -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(404, f'{qualified} "{name}" not found', "NotFound",
                    {"name": name, "group": group, "kind": resource})


def already_exists(resource: str, name: str, group: str = "") -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(409, f'{qualified} "{name}" already exists', "AlreadyExists",
                    {"name": name, "group": group, "kind": resource})


def conflict(resource: str, name: str, group: str = "") -> ApiError:
    qualified = f"{resource}.{group}" if group else resource
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {qualified} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        "Conflict",
        {"name": name, "group": group, "kind": resource},
    )


def forbidden(user: str, verb: str, resource: str, group: str, namespace: str | None,
              name: str | None = None, subresource: str = "") -> ApiError:
    what = f"{resource}/{subresource}" if subresource else resource
    qualified = f'resource "{what}" in API group "{group}"'
    where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    named = f'{resource} "{name}" is forbidden' if name else f"{resource} is forbidden"
    return ApiError(403, f'{named}: User "{user}" cannot {verb} {qualified}{where}', "Forbidden",
                    {"name": name or "", "group": group, "kind": resource})


def invalid(kind: str, name: str, causes: list[tuple[str, str]], group: str = "") -> ApiError:
    """422 with one cause per (field, message), as validation failures are reported."""
    text = "; ".join(f"{field}: {message}" for field, message in causes)
    return ApiError(
        422,
        f'{kind} "{name}" is invalid: {text}',
        "Invalid",
        {"name": name, "group": group, "kind": kind,
         "causes": [{"reason": "FieldValueInvalid", "message": m, "field": f} for f, m in causes]},
    )


def gone(message: str) -> ApiError:
    return ApiError(410, message, "Expired")


def no_such_resource() -> ApiError:
    """A path the API server does not serve (unknown resource, subresource or namespace scope)."""
    return ApiError(404, "the server could not find the requested resource", "NotFound")


def method_not_allowed() -> ApiError:
    return ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
