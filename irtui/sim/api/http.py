"""What every handler of the simulated API server shares.

The request's `RequestInfo` (verb, group, resource, namespace, name, subresource, read from
the path as the API server's resolver reads it), JSON responses, request bodies (JSON, and
protobuf for the kinds kubectl sends that way), `dryRun`, looking an object up, selecting by
label and field, and `LongRequests`, which ends watches and log follows when the server stops.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from irtui.sim import discovery, protobuf
from irtui.sim.discovery import Resource
from irtui.sim.errors import ApiError, method_not_allowed, no_such_resource, not_found
from irtui.sim.selectors import parse_field_selector, parse_label_selector
from irtui.sim.store import Store, dumps, loads

JSON = "application/json"


@dataclass
class RequestInfo:
    """What a request is about, in the API server's own terms (its `RequestInfo`)."""

    verb: str = ""
    is_resource: bool = False
    group: str = ""
    version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str | None = None
    name: str | None = None
    extra: list[str] = field(default_factory=list)  # path after the subresource (service proxy)
    watch: bool = False


def request_info(request: web.Request) -> RequestInfo:
    """Read the path and method as the API server's request-info resolver does."""
    info = RequestInfo()
    parts = [p for p in request.path.split("/") if p]
    method = request.method
    if not parts or parts[0] not in ("api", "apis"):
        info.verb = method.lower()
        return info
    if parts[0] == "api":
        if len(parts) < 3:
            info.verb = method.lower()
            return info
        info.group, info.version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 4:
            info.verb = method.lower()
            return info
        info.group, info.version, rest = parts[1], parts[2], parts[3:]
    if rest[0] == "watch":
        info.watch = True
        rest = rest[1:]
        if not rest:
            raise no_such_resource()
    if rest[0] == "namespaces" and len(rest) >= 3:
        res = discovery.lookup(info.group, info.version, rest[2])
        if res is not None and res.namespaced:
            info.namespace = rest[1]
            rest = rest[2:]
    info.is_resource = True
    info.resource = rest[0]
    if len(rest) > 1:
        info.name = rest[1]
    if len(rest) > 2:
        info.subresource = rest[2]
        info.extra = rest[3:]
    if rest[0] == "namespaces" and info.name and info.namespace is None:
        info.namespace = info.name
    if info.watch or (method == "GET" and flag(request.query.get("watch"))):
        info.watch = True
    info.verb = {
        "GET": "watch" if info.watch else ("get" if info.name else "list"),
        "HEAD": "get" if info.name else "list",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete" if info.name else "deletecollection",
    }.get(method, method.lower())
    if info.resource == "pods" and info.subresource == "exec":
        # Over WebSocket the upgrade is a GET, but an exec is a create on pods/exec either
        # way (the API server authorizes WebSocket execs as create since v1.30).
        info.verb = "create"
    if info.subresource == "proxy":
        info.verb = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
                     "DELETE": "delete"}.get(method, "get")
    return info


def json_response(obj: Any, status: int = 200) -> web.Response:
    return web.Response(body=dumps(obj), status=status, content_type=JSON)


def raw_response(raw: bytes, status: int = 200) -> web.Response:
    return web.Response(body=raw, status=status, content_type=JSON)


def error_response(err: ApiError) -> web.Response:
    return web.Response(body=err.body(), status=err.code, content_type=JSON)


def flag(value: str | None) -> bool:
    return value is not None and value.lower() in ("true", "1", "")


def wants(accept: str, as_kind: str) -> bool:
    """Whether the Accept header asks for `as=<as_kind>` before plain JSON."""
    for part in accept.split(","):
        params = {kv.split("=", 1)[0].strip(): kv.split("=", 1)[1].strip()
                  for kv in part.split(";")[1:] if "=" in kv}
        if params.get("as") == as_kind and params.get("g") == "meta.k8s.io":
            return True
    return False


async def read_body(request: web.Request) -> Any:
    """The request's object: JSON, or protobuf for the kinds `protobuf.DECODERS` reads."""
    raw = await request.read()
    if not raw:
        return None
    if request.headers.get("Content-Type", "").startswith("application/vnd.kubernetes.protobuf"):
        try:
            _, kind, message = protobuf.unwrap(raw)
            decoder = protobuf.DECODERS.get(kind)
            if decoder is not None:
                return decoder(message)
        except (ValueError, IndexError, UnicodeDecodeError):
            raise ApiError(400, "the request body is not valid protobuf") from None
        raise ApiError(415, f"the simulator reads protobuf bodies only for {', '.join(protobuf.DECODERS)}, "
                            f"not {kind}; send JSON", "UnsupportedMediaType")
    try:
        return loads(raw)
    except Exception:
        raise ApiError(400, "the request body is not valid JSON") from None


async def read_object(request: web.Request) -> dict:
    """The request's body, which must be an object (a create, an update, a status or scale PUT)."""
    body = await read_body(request)
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be an object")
    return body


def container_name(pod: dict, wanted: str | None, *, init_containers: bool = False) -> str:
    """The container a pods/log or pods/exec request means: the one it names, or the pod's only one."""
    spec = pod.get("spec") or {}
    pod_name = pod["metadata"]["name"]
    names = [c.get("name") for c in spec.get("containers") or []]
    if not wanted:
        if len(names) != 1:
            raise ApiError(400, f"a container name must be specified for pod {pod_name}, "
                                f"choose one of: [{' '.join(names)}]")
        return names[0]
    if init_containers:
        names += [c.get("name") for c in spec.get("initContainers") or []]
    if wanted not in names:
        raise ApiError(400, f"container {wanted} is not valid for pod {pod_name}")
    return wanted


def is_dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    for value in values:
        if value != "All":
            raise ApiError(400, f'unsupported dry run value "{value}": only "All" is supported')
    return bool(values)


def store_kind(res: Resource) -> str:
    """The store's kind behind a resource; a computed resource has none to read or write."""
    kind = discovery.store_kind(res)
    if kind is None:
        raise method_not_allowed()
    return kind


def lookup(store: Store, info: RequestInfo, res: Resource) -> dict:
    obj = store.get(store_kind(res), info.namespace, info.name)
    if obj is None:
        raise not_found(res.plural, info.name or "", res.group)
    return obj


def select(store: Store, request: web.Request, info: RequestInfo, kind: str,
           after: tuple[str, str] | None = None) -> list[tuple[dict, bytes]]:
    """The objects a list or deletecollection is about, with their cached bytes."""
    query = request.query
    labels = parse_label_selector(query.get("labelSelector"))
    fields = parse_field_selector(query.get("fieldSelector"), kind)
    items = store.list_raw(kind, info.namespace, after=after)
    if labels is None and fields is None:
        return items
    out = []
    for obj, raw in items:
        if labels is not None and not labels(obj["metadata"].get("labels") or {}):
            continue
        if fields is not None and not fields(obj):
            continue
        out.append((obj, raw))
    return out


class LongRequests:
    """Watches and log follows in progress: each waits on an event that shutdown sets."""

    def __init__(self) -> None:
        self._wakeups: set[asyncio.Event] = set()
        self.closing = False

    def add(self, wake: asyncio.Event) -> None:
        self._wakeups.add(wake)

    def discard(self, wake: asyncio.Event) -> None:
        self._wakeups.discard(wake)

    def close_all(self) -> None:
        # Long-lived watches and log follows must end for the runner to stop promptly.
        self.closing = True
        for event in list(self._wakeups):
            event.set()
