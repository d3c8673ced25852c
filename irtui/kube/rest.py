"""The one REST client of the Kubernetes API, for the kube sources and the actions alike.

This module owns:
- the guard at the socket: `GuardedRESTClient`, the `ApiClient`'s transport, asks the
  session's `Guard` before any request but a read leaves the process (`is_mutating`); access
  reviews and the identity review are POSTs that change nothing, allowed at exactly their paths;
- the kind -> path table (`RESOURCES`, `resource_path`) and the RBAC (group, resource) of a kind;
- `RestClient`, every request made over a connection's `ApiClient` (its auth, TLS, token
  refresh and guard), with two ways of reading the answer: decoded JSON raising
  `ApiException` (`request` and the verbs, for the actions and Investigate screens), or the
  body unread for streaming lists and watches, a failure raised as an `ApiError` sorted into
  what the panes say (`open`, `get_bytes`, `get_json`, `ping`);
- how a failure is told: the server's own `Status` message (`server_message`), in the panes'
  words (`http_error`, `network_reason`) and the actions' (`api_message`).

Bodies stay plain JSON: the official client's model classes are slow and lossy for what is
read and sent here. Everything here blocks: callers run it in a thread.
"""

from __future__ import annotations

import json
import socket
import ssl
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import quote, urlsplit

import urllib3

try:  # ~4x faster than json on a 15 MB pod list; the stdlib is the fallback
    from orjson import loads as json_loads
except ImportError:  # pragma: no cover - depends on the environment
    json_loads = json.loads  # type: ignore[assignment]  # the stdlib's takes keywords orjson's does not

from irtui.kube import kubeconfig as kubeconfig_module
from irtui.kube.errors import ApiError
from irtui.kube.state import ERROR, FORBIDDEN, STALE, UNAUTHORIZED
from irtui.safety import Guard

k8s = kubeconfig_module.import_client()  # without kubernetes/__init__.py's config loader & co.
from kubernetes.client import rest  # noqa: E402 - after the import above, on purpose
from kubernetes.client.configuration import Configuration  # noqa: E402
from kubernetes.client.exceptions import ApiException  # noqa: E402

from irtui import __version__  # noqa: E402

# Names irtui in the API server's audit log (the official client sends "OpenAPI-Generator/…").
USER_AGENT = f"irtui/{__version__}"

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"

# --- the guard ---------------------------------------------------------------------------

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Exact paths, not suffixes: a pod or secret may be named `selfsubjectaccessreviews`, and a
# DELETE of it is a mutation like any other.
_REVIEW_PATHS = frozenset({
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
})


def is_mutating(method: str, url: str, server: str = "") -> bool:
    """Whether a request would change cluster state (a POST of a self-review is a question).

    `server` is the API server's URL; a path it carries (a proxy's `/k8s/clusters/c-1`) is
    taken off before the request's path is compared.
    """
    method = method.upper()
    if method in _SAFE_METHODS:
        return False
    path = urlsplit(url).path
    prefix = urlsplit(server).path.rstrip("/")
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix):]
    return not (method == "POST" and path in _REVIEW_PATHS)


class GuardedRESTClient(rest.RESTClientObject):
    """The client's transport, refusing mutating requests when the guard says read-only."""

    def __init__(self, configuration: Configuration, guard: Guard) -> None:
        super().__init__(configuration)
        self._guard = guard
        self._server = configuration.host or ""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> rest.RESTResponse:
        if is_mutating(method, url, self._server):
            self._guard.check(f"{method.upper()} {urlsplit(url).path}")
        return super().request(method, url, *args, **kwargs)


# --- where each kind lives -----------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    group: str  # "" for the core API
    version: str
    plural: str
    namespaced: bool

    @property
    def prefix(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"


RESOURCES: dict[str, Resource] = {
    "pod": Resource("", "v1", "pods", True),
    "node": Resource("", "v1", "nodes", False),
    "secret": Resource("", "v1", "secrets", True),
    "service": Resource("", "v1", "services", True),
    "event": Resource("", "v1", "events", True),
    "namespace": Resource("", "v1", "namespaces", False),
    "configmap": Resource("", "v1", "configmaps", True),
    "deployment": Resource("apps", "v1", "deployments", True),
    "statefulset": Resource("apps", "v1", "statefulsets", True),
    "replicaset": Resource("apps", "v1", "replicasets", True),
    "daemonset": Resource("apps", "v1", "daemonsets", True),
    "podmetrics": Resource("metrics.k8s.io", "v1beta1", "pods", True),
    "nodemetrics": Resource("metrics.k8s.io", "v1beta1", "nodes", False),
}

# (API group, resource) of each kind, as an access review names it.
RBAC_RESOURCE = {kind: (res.group, res.plural) for kind, res in RESOURCES.items()}


def resource_path(kind: str, namespace: str | None = None, name: str | None = None, sub: str | None = None) -> str:
    """`/apis/apps/v1/namespaces/ns/deployments/name/scale` and friends, each part quoted;
    a namespaced kind without a namespace is its list across all namespaces."""
    res = RESOURCES[kind]
    path = res.prefix
    if res.namespaced and namespace:
        path += f"/namespaces/{quote(namespace, safe='')}"
    path += f"/{res.plural}"
    if name:
        path += f"/{quote(name, safe='')}"
    if sub:
        path += f"/{sub}"
    return path


# --- how a failure is told -------------------------------------------------------------------


def server_message(body: bytes | str | None) -> str | None:
    """The API server's own explanation in an error body (its `Status` message, else its
    reason), or None when the body is not a JSON object."""
    try:
        doc = json.loads(body or b"")
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    return str(doc.get("message") or doc.get("reason") or "").strip()


def first_line(body: bytes | str | None, limit: int = 200) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    lines = text.strip().splitlines()
    return lines[0][:limit] if lines else ""


_HTTP_WORDS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
               405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error",
               502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def http_error(status: int, body: bytes) -> ApiError:
    """A non-2xx answer as the panes tell it: "403 Forbidden: <the server's message>"."""
    word = _HTTP_WORDS.get(status, "HTTP error")
    message = server_message(body)
    if message is None:
        message = first_line(body)
    reason = f"{status} {word}" + (f": {message}" if message else "")
    if status == 401:
        return ApiError(UNAUTHORIZED, reason, status)
    if status == 403:
        return ApiError(FORBIDDEN, reason, status)
    if status == 404:
        return ApiError(ERROR, reason, status)
    return ApiError(STALE, reason, status)


def api_message(exc: BaseException) -> str:
    """A failed request as the actions tell it: the server's message and its status, else
    the HTTP reason and the body's first line."""
    if isinstance(exc, ApiException):
        message = server_message(exc.body)
        if message:
            return f"{message} ({exc.status})"
        line = first_line(exc.body)
        if line:
            return f"{exc.status} {exc.reason}: {line}"
        return f"{exc.status} {exc.reason}".strip()
    return str(exc) or type(exc).__name__


def network_reason(exc: BaseException) -> str:
    """Words for a transport failure: "connection refused", "timed out", "TLS error: ..."."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cur, urllib3.exceptions.NewConnectionError):
            # (a subclass of ConnectTimeoutError in urllib3 2: test it first)
            if "refused" in str(cur).lower():
                return "connection refused"
            inner = cur.__cause__ or cur.__context__
            if inner is not None:
                cur = inner
                continue
            return f"cannot connect: {str(cur).split(':', 1)[-1].strip()}"
        if isinstance(cur, (socket.timeout, TimeoutError, urllib3.exceptions.TimeoutError)):
            return "timed out"
        if isinstance(cur, socket.gaierror):
            return f"cannot resolve host ({cur.strerror or cur})"
        if isinstance(cur, (urllib3.exceptions.SSLError, ssl.SSLError)):
            return _tls_reason(cur)
        if isinstance(cur, ConnectionResetError):
            return "connection reset"
        if isinstance(cur, urllib3.exceptions.MaxRetryError) and cur.reason is not None:
            cur = cur.reason
            continue
        if isinstance(cur, (urllib3.exceptions.ProtocolError, urllib3.exceptions.IncompleteRead)):
            nested = cur.args[1] if len(cur.args) > 1 and isinstance(cur.args[1], BaseException) else None
            if nested is not None:
                cur = nested
                continue
            return "connection lost"
        cur = cur.__cause__ or cur.__context__
    full = " ".join(str(exc).split())
    if "CERTIFICATE_VERIFY_FAILED" in full or "SSLError" in full or "SSL:" in full:
        # The client reports TLS failures as ApiException(status=0, reason="SSLError\n...").
        return _tls_reason(exc)
    text = full or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text[:160]


def _tls_reason(exc: BaseException) -> str:
    full = " ".join(str(exc).split())
    detail = full.split("] ", 1)[1] if "] " in full else full
    return "TLS: " + detail.split(" (_ssl", 1)[0].strip()[:140]


# --- the requests ----------------------------------------------------------------------------

Query = Iterable[tuple[str, Any]] | dict[str, Any] | None
Timeout = float | tuple[float, float] | None


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, dict) else str(value)


class GuardedApiClient:
    """A connection's client: the official client's `Configuration` (server, TLS,
    credentials and their refresh) and its REST transport behind the guard.

    The official `ApiClient` is not built for it: importing that module loads pydantic and
    the client's ~700 model classes, 0.2 s of CPU before the first frame, for (de)serialising
    that irtui does in plain JSON. `irtui.kube.exec` makes one of its own for each exec."""

    def __init__(self, configuration: Configuration, guard: Guard) -> None:
        self.configuration = configuration
        self.rest_client = GuardedRESTClient(configuration, guard)

    def close(self) -> None:
        """Close its pooled connections (a new request opens new ones)."""
        self.rest_client.pool_manager.clear()


class RestClient:
    """Requests through a connection's guarded client (a `GuardedApiClient`, or anything
    with a `configuration` and a `rest_client`, such as an official `ApiClient`); `timeout`
    is the default for requests that are not streamed."""

    def __init__(self, api_client: Any, timeout: float = 30.0) -> None:
        self.api = api_client
        self.timeout = timeout

    # --- the one place a request is made -----------------------------------------------
    def send(self, method: str, path: str, *, query: Query = None, body: Any = None,
             content_type: str | None = None, accept: str = "application/json",
             timeout: Timeout = None) -> rest.RESTResponse:
        """Send one request and return the client's response, body unread. A refused
        mutation raises `ReadOnlyError` (from the transport) before anything is sent; a
        transport failure raises whatever urllib3 raised."""
        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        url, headers = self._prepare(path, query, headers)
        return self.api.rest_client.request(method, url, headers=headers, body=body, _request_timeout=timeout)

    def get_once(self, path: str, *, timeout: float | urllib3.Timeout,
                 accept: str = "application/json") -> urllib3.BaseHTTPResponse:
        """One GET, not retried (the client's default read retries would stretch one probe
        to four timeouts); the urllib3 response, body read. Only a GET: nothing to guard."""
        url, headers = self._prepare(path, None, {"Accept": accept})
        return self.api.rest_client.pool_manager.request("GET", url, headers=headers, retries=False, timeout=timeout)

    def _prepare(self, path: str, query: Query, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
        """The URL and headers of a request, as the official `ApiClient` would make them: the
        server's URL and path, the query (None values left out, booleans as `true`/`false`,
        values percent-encoded), and the bearer token, refreshed by the configuration's hook
        when it has one (exec plugins, expiring service-account tokens)."""
        config = self.api.configuration
        headers = {"User-Agent": USER_AGENT, **headers}
        auth = config.auth_settings().get("BearerToken")
        if auth and auth["value"]:
            headers[auth["key"]] = auth["value"]
        pairs = query.items() if isinstance(query, dict) else (query or [])
        encoded = [f"{key}={quote(_query_text(value))}" for key, value in pairs if value is not None]
        url = config.host + path + ("?" + "&".join(encoded) if encoded else "")
        return url, headers

    # --- decoded JSON, failures as ApiException (actions, Investigate) --------------------
    def request(self, method: str, path: str, *, query: Query = None, body: Any = None,
                content_type: str | None = None, accept: str = "application/json", stream: bool = False,
                text: bool = False, timeout: Timeout = None) -> Any:
        """Send one request; returns the decoded JSON (the body as text when `text`, the raw
        streaming response when `stream`), raises `ApiException` for a non-2xx answer and
        `ReadOnlyError` (from the guarded transport) for a refused mutation."""
        response = self.send(method, path, query=query, body=body, content_type=content_type, accept=accept,
                             timeout=timeout if timeout is not None else (None if stream else self.timeout))
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

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query=query)

    def items(self, path: str, **query: Any) -> list[dict]:
        return list((self.get(path, **query) or {}).get("items") or [])

    def patch(self, path: str, body: Any, patch_type: str = STRATEGIC, *, dry_run: bool = False) -> Any:
        if patch_type == JSON_PATCH and not isinstance(body, list):
            raise TypeError("a JSON patch is a list of operations")
        return self.request("PATCH", path, query=[("dryRun", "All" if dry_run else None)],
                            body=body, content_type=patch_type)

    def delete(self, path: str, *, dry_run: bool = False, grace_period: int | None = None,
               propagation: str | None = None) -> Any:
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

    def create(self, path: str, body: dict, *, dry_run: bool = False) -> Any:
        return self.request("POST", path, query=[("dryRun", "All" if dry_run else None)], body=body)

    # --- raw GETs, failures as ApiError (the kube sources) -------------------------------
    def open(self, path: str, query: dict[str, Any] | None = None, timeout: Timeout = None) -> urllib3.BaseHTTPResponse:
        """Send a GET and return the urllib3 response, body unread; non-2xx raises ApiError."""
        try:
            response = self.send("GET", path, query=query,
                                 timeout=timeout if timeout is not None else self.timeout).response
        except Exception as exc:  # urllib3 and socket errors in their many forms
            raise ApiError(STALE, network_reason(exc)) from exc
        if not 200 <= response.status < 300:
            body = response.data
            response.release_conn()
            raise http_error(response.status, body)
        return response

    def get_bytes(self, path: str, query: dict[str, Any] | None = None, timeout: Timeout = None) -> bytes:
        """The whole body of a GET; failures as `open`'s."""
        response = self.open(path, query, timeout)
        try:
            return response.data
        except Exception as exc:
            raise ApiError(STALE, network_reason(exc)) from exc
        finally:
            response.release_conn()

    def get_json(self, path: str, query: dict[str, Any] | None = None, timeout: Timeout = None) -> Any:
        return json_loads(self.get_bytes(path, query, timeout))

    def ping(self, timeout: float) -> None:
        """One GET /version; returns on any HTTP answer (even a refusal: the server answered),
        raises ApiError when none came within `timeout`."""
        try:
            self.get_once("/version", timeout=urllib3.Timeout(connect=timeout, read=timeout))
        except Exception as exc:
            raise ApiError(STALE, network_reason(exc)) from exc
