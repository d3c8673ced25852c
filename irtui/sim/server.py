"""The simulator's HTTP face: a Kubernetes API server over the store and the world.

It owns routing, authentication and RBAC enforcement, the audit log, list/get/watch,
create/update/patch/delete with dryRun, server-side tables, subresources (log, status,
scale, service proxy; exec is served by `irtui.sim.exec`), metrics.k8s.io,
SelfSubjectAccessReview, and the `/sim/` control API.

It never advances the world's state itself except as a client would: writes go through the
store, and the world's controllers react to them. Everything runs on one event loop, so the
store is never touched concurrently.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiohttp import web

from irtui.sim import discovery, protobuf, tables
from irtui.sim import exec as pod_exec
from irtui.sim.audit import AuditLog
from irtui.sim.discovery import Resource
from irtui.sim.errors import ApiError, already_exists, conflict, forbidden, invalid, not_found, status_object
from irtui.sim.patch import apply_patch
from irtui.sim.rbac import Policy, User
from irtui.sim.selectors import parse_field_selector, parse_label_selector, selector_from_match_labels
from irtui.sim.store import AlreadyExists, Conflict, Gone, NotFound, Store, WatchEvent, dumps, format_time, loads

JSON = "application/json"
_PUBLIC_PATHS = {"/version", "/version/", "/healthz", "/livez", "/readyz"}
_WATCH_BACKLOG_LIMIT = 500_000  # a watcher this far behind is cut off; it will relist
_BOOKMARK_INTERVAL = 1.0  # real seconds between BOOKMARK events; cheap, and clients resume closer
_OWNER_KINDS = ("deployments", "replicasets", "statefulsets")
_DNS1123_SUBDOMAIN_MAX = 253


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


def _json_response(obj: Any, status: int = 200) -> web.Response:
    return web.Response(body=dumps(obj), status=status, content_type=JSON)


def _raw_response(raw: bytes, status: int = 200) -> web.Response:
    return web.Response(body=raw, status=status, content_type=JSON)


def _error_response(err: ApiError) -> web.Response:
    return web.Response(body=err.body(), status=err.code, content_type=JSON)


def _flag(value: str | None) -> bool:
    return value is not None and value.lower() in ("true", "1", "")


def _wants(accept: str, as_kind: str) -> bool:
    """Whether the Accept header asks for `as=<as_kind>` before plain JSON."""
    for part in accept.split(","):
        params = {kv.split("=", 1)[0].strip(): kv.split("=", 1)[1].strip()
                  for kv in part.split(";")[1:] if "=" in kv}
        if params.get("as") == as_kind and params.get("g") == "meta.k8s.io":
            return True
    return False


def _encode_continue(rv: int, key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"rv": rv, "start": list(key)}).encode()).decode()


def _decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(data["rv"]), (data["start"][0], data["start"][1])
    except Exception:
        raise ApiError(400, "continue key is not valid") from None


def _prune_nulls(value: Any) -> Any:
    """Drop null fields, as decoding into the API's Go types does.

    kubectl serializes unset times as `"creationTimestamp": null` (rollout undo sends a pod
    template with one); a real server reads that as unset, so a template rolled back to is
    byte-for-byte the template it came from.
    """
    if isinstance(value, dict):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) for v in value]
    return value


def _valid_name(name: str) -> bool:
    if not name or len(name) > _DNS1123_SUBDOMAIN_MAX:
        return False
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-.")
    return set(name) <= allowed and name[0].isalnum() and name[-1].isalnum()


class Ticker:
    """Drives the world's controllers with the clock.

    The clock runs by itself (simulated time is real time times speed); the world only moves
    when ticked, by the simulated time that passed since its last tick. `advance` jumps the
    clock and replays the jump in steps of at most a second, so no controller timer is skipped.
    """

    def __init__(self, clock, world):
        self.clock = clock
        self.world = world
        self._last = clock.time()

    def catch_up(self) -> None:
        now = self.clock.time()
        dt = now - self._last
        if dt > 0:
            self._last = now
            self.world.tick(dt)

    async def advance(self, seconds: float) -> None:
        self.catch_up()
        remaining = seconds
        while remaining > 1e-9:
            step = min(1.0, remaining)
            self.clock.advance(step)
            self._last += step
            self.world.tick(step)
            remaining -= step
            await asyncio.sleep(0)  # let watchers stream what each step changed

    async def run(self, interval: float = 0.1) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                self.catch_up()
            except Exception:  # a controller bug must not stop time; it is printed, once per tick
                import traceback
                traceback.print_exc()


class ApiServer:
    def __init__(self, store: Store, world, clock, *, policy: Policy | None = None,
                 audit: AuditLog | None = None, server_url: str = "", ticker: Ticker | None = None):
        self.store = store
        self.world = world
        self.clock = clock
        self.ticker = ticker or Ticker(clock, world)
        self.policy = policy or Policy.load()
        self.audit = audit or AuditLog()
        self.server_url = server_url
        self._wakeups: set[asyncio.Event] = set()
        # Lines a test wrote into a pod's log (`POST /sim/logs/NS/POD`), after what it logs itself.
        self.written_logs: dict[tuple[str, str], list[str]] = {}
        self.closing = False
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("*", "/{tail:.*}", self.handle)
        self.app.on_shutdown.append(self._on_shutdown)

    async def _on_shutdown(self, app) -> None:
        # Long-lived watches and log follows must end for the runner to stop promptly.
        self.closing = True
        for event in list(self._wakeups):
            event.set()

    # --- entry point ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/sim/") or path == "/sim":
            try:
                return await self._control(request)
            except ApiError as err:
                return _error_response(err)
        info = RequestInfo()
        user: User | None = None
        status = 500
        started = time.time()
        try:
            info = self._request_info(request)
            user = self.policy.authenticate(request.headers.get("Authorization"))
            if user is None and path not in _PUBLIC_PATHS:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            if info.is_resource and not self.policy.allowed(user, info.verb, info.group, info.resource,
                                                            info.subresource, info.name):
                raise forbidden(user.name, info.verb, info.resource, info.group, info.namespace,
                                info.name, info.subresource)
            response = await self._dispatch(request, info, user)
            status = response.status
            return response
        except ApiError as err:
            status = err.code
            return _error_response(err)
        except (ConnectionResetError, asyncio.CancelledError):
            status = 499  # the client went away, as nginx records it
            raise
        except Exception as exc:  # a bug in the simulator: say so as a Status, keep serving
            status = 500
            import traceback
            traceback.print_exc()
            return _error_response(ApiError(500, f"internal error: {exc!r}", "InternalError"))
        finally:
            self._audit(request, info, user, status, started)

    def _audit(self, request: web.Request, info: RequestInfo, user: User | None, status: int, started: float) -> None:
        query = request.query
        self.audit.record({
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started)) + f".{int(started % 1 * 1e6):06d}Z",
            "sim_time": format_time(self.clock.now()),
            "user": user.name if user else "system:anonymous",
            "verb": info.verb or request.method.lower(),
            "method": request.method,
            "path": request.path,
            "query": request.query_string,
            "dry_run": "dryRun" in query and query.get("dryRun", "") != "",
            "status": status,
            "group": info.group,
            "resource": info.resource,
            "namespace": info.namespace,
            "name": info.name,
            "subresource": info.subresource,
            "user_agent": request.headers.get("User-Agent", ""),
        })

    # --- routing -------------------------------------------------------------------------

    def _request_info(self, request: web.Request) -> RequestInfo:
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
                raise ApiError(404, "the server could not find the requested resource", "NotFound")
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
        if info.watch or (method == "GET" and _flag(request.query.get("watch"))):
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

    async def _dispatch(self, request: web.Request, info: RequestInfo, user: User) -> web.StreamResponse:
        if not info.is_resource:
            return self._non_resource(request)
        res = discovery.lookup(info.group, info.version, info.resource)
        if res is None:
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        if info.namespace is not None and not res.namespaced and info.resource != "namespaces":
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        if info.group == "metrics.k8s.io":
            return self._metrics(request, info, res)
        if info.group == "authorization.k8s.io":
            return await self._access_review(request, info, res, user)
        if info.group == "authentication.k8s.io":
            return await self._self_subject_review(request, info, res, user)
        if info.subresource and info.subresource not in res.subresources:
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        if info.verb not in res.verbs and not info.subresource and info.verb != "watch":
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        if info.subresource == "log":
            return await self._pod_log(request, info)
        if info.subresource == "exec" and info.resource == "pods":
            return await pod_exec.handle(request, self.store, self.world, info.namespace or "", info.name or "")
        if info.subresource == "proxy":
            return await self._service_proxy(request, info)
        if info.subresource == "scale":
            return await self._scale(request, info, res)
        if info.subresource == "status":
            return await self._status(request, info, res)
        if info.subresource:
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        method = request.method
        if info.verb == "watch":
            return await self._watch(request, info, res)
        if method in ("GET", "HEAD"):
            return self._get(request, info, res) if info.name else self._list(request, info, res)
        if method == "POST":
            if info.name:
                raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
            return await self._create(request, info, res)
        if method == "PUT":
            return await self._update(request, info, res)
        if method == "PATCH":
            return await self._patch(request, info, res)
        if method == "DELETE":
            if info.name:
                return await self._delete(request, info, res)
            return await self._delete_collection(request, info, res)
        raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")

    def _non_resource(self, request: web.Request) -> web.Response:
        path = request.path.rstrip("/") or "/"
        if path == "/version":
            return _json_response(discovery.K8S_VERSION)
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        if path == "/api":
            host = request.host or ""
            return _json_response(discovery.api_versions(host))
        if path == "/apis":
            return _json_response(discovery.api_group_list())
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) == 2:
            doc = discovery.resource_list("", parts[1])
            if doc:
                return _json_response(doc)
        if parts[0] == "apis" and len(parts) == 2:
            doc = discovery.api_group(parts[1])
            if doc:
                return _json_response(doc)
        if parts[0] == "apis" and len(parts) == 3:
            doc = discovery.resource_list(parts[1], parts[2])
            if doc:
                return _json_response(doc)
        raise ApiError(404, "the server could not find the requested resource", "NotFound")

    # --- reading -------------------------------------------------------------------------

    def _kind(self, res: Resource) -> str:
        kind = discovery.store_kind(res)
        if kind is None:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        return kind

    def _lookup(self, info: RequestInfo, res: Resource) -> dict:
        obj = self.store.get(self._kind(res), info.namespace, info.name)
        if obj is None:
            raise not_found(res.plural, info.name or "", res.group)
        return obj

    def _get(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = self._kind(res)
        obj = self._lookup(info, res)
        accept = request.headers.get("Accept", "")
        if _wants(accept, "Table"):
            return _json_response(tables.table(kind, [obj], self.clock.now(),
                                               include=request.query.get("includeObject", "Metadata"),
                                               resource_version=obj["metadata"]["resourceVersion"]))
        if _wants(accept, "PartialObjectMetadata"):
            return _json_response(tables.partial_metadata(obj))
        return _raw_response(self.store.get_raw(kind, info.namespace, info.name))

    def _select(self, request: web.Request, info: RequestInfo, kind: str,
                after: tuple[str, str] | None = None) -> list[tuple[dict, bytes]]:
        query = request.query
        labels = parse_label_selector(query.get("labelSelector"))
        fields = parse_field_selector(query.get("fieldSelector"), kind)
        items = self.store.list_raw(kind, info.namespace, after=after)
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

    def _list(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = self._kind(res)
        query = request.query
        after = _decode_continue(query["continue"])[1] if query.get("continue") else None
        items = self._select(request, info, kind, after)
        rv = self.store.resource_version
        continue_token = ""
        remaining = None
        limit = int(query.get("limit") or 0)
        if limit > 0 and len(items) > limit:
            last = items[limit - 1][0]["metadata"]
            continue_token = _encode_continue(rv, (last.get("namespace") or "", last["name"]))
            remaining = len(items) - limit
            items = items[:limit]
        accept = request.headers.get("Accept", "")
        if _wants(accept, "Table"):
            return _json_response(tables.table(kind, [o for o, _ in items], self.clock.now(),
                                               include=query.get("includeObject", "Metadata"),
                                               resource_version=str(rv), continue_token=continue_token))
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if continue_token:
            meta["continue"] = continue_token
            meta["remainingItemCount"] = remaining
        if _wants(accept, "PartialObjectMetadataList"):
            return _json_response({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                                   "metadata": meta, "items": [tables.partial_metadata(o) for o, _ in items]})
        head = dumps({"kind": res.list_kind, "apiVersion": res.api_version, "metadata": meta})
        # The list is the cached bytes of each object joined: no per-object serialization.
        body = head[:-1] + b',"items":[' + b",".join(r for _, r in items) + b"]}"
        return _raw_response(body)

    # --- watching ------------------------------------------------------------------------

    async def _watch(self, request: web.Request, info: RequestInfo, res: Resource) -> web.StreamResponse:
        kind = self._kind(res)
        query = request.query
        labels = parse_label_selector(query.get("labelSelector"))
        fields = parse_field_selector(query.get("fieldSelector"), kind)
        namespace = info.namespace
        name = info.name  # the legacy /watch/.../NAME form
        bookmarks = _flag(query.get("allowWatchBookmarks"))
        timeout = float(query["timeoutSeconds"]) if query.get("timeoutSeconds") else None
        as_table = _wants(request.headers.get("Accept", ""), "Table")
        include = query.get("includeObject", "Metadata")

        def matches(obj: dict) -> bool:
            meta = obj["metadata"]
            if name is not None and meta["name"] != name:
                return False
            if labels is not None and not labels(meta.get("labels") or {}):
                return False
            return fields is None or fields(obj)

        pending: list[tuple[str, dict, bytes]] = []
        wake = asyncio.Event()

        selective = name is not None or labels is not None or fields is not None

        def translate(event: WatchEvent) -> tuple[str, dict, bytes] | None:
            """The event as this watch sees it: objects entering or leaving the selection are
            ADDED or DELETED, as the real API server's watch cache reports them."""
            now_matches = matches(event.obj)
            if event.type != "MODIFIED" or not selective or event.old is None:
                return (event.type, event.obj, event.raw) if now_matches else None
            was_matching = matches(event.old)
            if now_matches:
                return ("MODIFIED" if was_matching else "ADDED", event.obj, event.raw)
            if was_matching:
                before = {**event.old, "metadata": {**event.old["metadata"], "resourceVersion": str(event.rv)}}
                return ("DELETED", before, dumps(before))
            return None

        def listener(event: WatchEvent) -> None:
            if event.kind != kind or (namespace and event.namespace != namespace):
                return
            seen = translate(event)
            if seen is None:
                return
            pending.append(seen)
            wake.set()

        rv_text = query.get("resourceVersion", "")
        initial: list[bytes] = []
        error_line = b""
        table_header_sent = [False]

        def encode(event_type: str, obj: dict, raw: bytes | None) -> bytes:
            if as_table:
                t = tables.table(kind, [obj], self.clock.now(), include=include,
                                 resource_version=obj["metadata"].get("resourceVersion", ""))
                if table_header_sent[0]:
                    t["columnDefinitions"] = []
                table_header_sent[0] = True
                return dumps({"type": event_type, "object": t}) + b"\n"
            if raw is None:
                raw = dumps(obj)
            return b'{"type":"' + event_type.encode() + b'","object":' + raw + b"}\n"

        if rv_text in ("", "0"):
            for obj, raw in self.store.list_raw(kind, namespace):
                if matches(obj):
                    initial.append(encode("ADDED", obj, raw))
        else:
            try:
                since = int(rv_text)
            except ValueError:
                raise ApiError(400, f"invalid resource version: {rv_text!r}") from None
            try:
                for event in self.store.events_since(since):
                    if event.kind == kind and (not namespace or event.namespace == namespace):
                        seen = translate(event)
                        if seen is not None:
                            initial.append(encode(*seen))
            except Gone as exc:
                # As the real server does: 200, then one ERROR event carrying a 410 Status.
                error_line = dumps({"type": "ERROR", "object": status_object(410, str(exc), "Expired")}) + b"\n"
        if not error_line:
            self.store.add_watch_listener(listener)
        self._wakeups.add(wake)

        response = web.StreamResponse(status=200, headers={"Content-Type": JSON, "Cache-Control": "no-cache"})
        response.enable_chunked_encoding()
        try:
            await response.prepare(request)
            if error_line:
                await response.write(error_line)
                return response
            for i in range(0, len(initial), 2000):
                await response.write(b"".join(initial[i:i + 2000]))
            initial = []
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout if timeout is not None else None
            next_bookmark = loop.time() + _BOOKMARK_INTERVAL
            while not self.closing:
                now = loop.time()
                wait = next_bookmark - now if bookmarks else 30.0
                if deadline is not None:
                    wait = min(wait, deadline - now)
                if wait > 0 and not pending:
                    try:
                        await asyncio.wait_for(wake.wait(), timeout=max(wait, 0.001))
                    except asyncio.TimeoutError:
                        pass
                wake.clear()
                if pending:
                    if len(pending) > _WATCH_BACKLOG_LIMIT:
                        break
                    batch = pending[:]
                    pending.clear()
                    await response.write(b"".join(encode(*e) for e in batch))
                now = loop.time()
                if bookmarks and now >= next_bookmark:
                    bookmark = {"kind": res.kind, "apiVersion": res.api_version,
                                "metadata": {"resourceVersion": str(self.store.resource_version)}}
                    await response.write(dumps({"type": "BOOKMARK", "object": bookmark}) + b"\n")
                    next_bookmark = now + _BOOKMARK_INTERVAL
                if deadline is not None and now >= deadline:
                    break
            return response
        except (ConnectionResetError, ConnectionError):
            return response
        finally:
            self.store.remove_watch_listener(listener)
            self._wakeups.discard(wake)

    # --- writing -------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> Any:
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

    def _dry_run(self, request: web.Request) -> bool:
        values = request.query.getall("dryRun", [])
        for value in values:
            if value != "All":
                raise ApiError(400, f'unsupported dry run value "{value}": only "All" is supported')
        return bool(values)

    def _validate(self, kind: str, res: Resource, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        name = meta.get("name") or meta.get("generateName") or ""
        causes: list[tuple[str, str]] = []
        if meta.get("name") and not _valid_name(meta["name"]):
            causes.append(("metadata.name", f'Invalid value: "{meta["name"]}": a lowercase RFC 1123 subdomain must '
                                            "consist of lower case alphanumeric characters, '-' or '.', and must "
                                            "start and end with an alphanumeric character"))
        if not meta.get("name") and not meta.get("generateName"):
            causes.append(("metadata.name", "Required value: name or generateName is required"))
        spec = obj.get("spec") or {}
        if kind == "pods":
            containers = spec.get("containers") or []
            if not containers:
                causes.append(("spec.containers", "Required value"))
            for i, c in enumerate(containers):
                if not c.get("name"):
                    causes.append((f"spec.containers[{i}].name", "Required value"))
                if not c.get("image"):
                    causes.append((f"spec.containers[{i}].image", "Required value"))
        if kind in _OWNER_KINDS:
            replicas = spec.get("replicas", 1)
            if not isinstance(replicas, int) or replicas < 0:
                causes.append(("spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0"))
            selector = spec.get("selector")
            if not selector:
                causes.append(("spec.selector", "Required value"))
            else:
                template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
                match = parse_label_selector(selector_from_match_labels(selector))
                if match is not None and not match(template_labels):
                    causes.append(("spec.template.metadata.labels",
                                   f"Invalid value: {template_labels}: `selector` does not match template `labels`"))
        if causes:
            raise invalid(res.kind, name, causes, res.group)

    async def _create(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = self._kind(res)
        dry_run = self._dry_run(request)
        obj = await self._body(request)
        if not isinstance(obj, dict):
            raise ApiError(400, "the request body must be an object")
        meta = obj.setdefault("metadata", {})
        if res.namespaced:
            if meta.get("namespace") and meta["namespace"] != info.namespace:
                raise ApiError(400, "the namespace of the provided object does not match the namespace sent on the request")
            meta["namespace"] = info.namespace
            if self.store.get("namespaces", None, info.namespace) is None:
                raise not_found("namespaces", info.namespace or "")
        obj = _prune_nulls(obj)
        meta = obj.setdefault("metadata", {})
        obj.setdefault("kind", res.kind)
        obj.setdefault("apiVersion", res.api_version)
        for server_field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                             "deletionGracePeriodSeconds", "generation"):
            meta.pop(server_field, None)
        self._validate(kind, res, obj)
        self._defaults(kind, obj)
        try:
            created = self.store.create(kind, obj, dry_run=dry_run)
        except AlreadyExists:
            raise already_exists(res.plural, meta.get("name", ""), res.group) from None
        return _json_response(created, status=201)

    def _defaults(self, kind: str, obj: dict) -> None:
        if kind == "pods":
            spec = obj.setdefault("spec", {})
            spec.setdefault("restartPolicy", "Always")
            spec.setdefault("terminationGracePeriodSeconds", 30)
            spec.setdefault("dnsPolicy", "ClusterFirst")
            spec.setdefault("schedulerName", "default-scheduler")
            obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
        elif kind in _OWNER_KINDS:
            obj.setdefault("spec", {}).setdefault("replicas", 1)
            obj.setdefault("status", {})
            if kind == "deployments":
                spec = obj["spec"]
                spec.setdefault("revisionHistoryLimit", 10)
                spec.setdefault("progressDeadlineSeconds", 600)
                spec.setdefault("strategy", {"type": "RollingUpdate",
                                             "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        elif kind == "namespaces":
            obj.setdefault("status", {"phase": "Active"})
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        elif kind == "secrets":
            if not obj.get("type"):
                obj["type"] = "Opaque"
            string_data = obj.pop("stringData", None)
            if string_data:
                data = obj.setdefault("data", {})
                for k, v in string_data.items():
                    data[k] = base64.b64encode(v.encode()).decode()
        elif kind == "services":
            spec = obj.setdefault("spec", {})
            spec.setdefault("type", "ClusterIP")
            spec.setdefault("sessionAffinity", "None")
            for port in spec.get("ports") or []:
                port.setdefault("protocol", "TCP")
                port.setdefault("targetPort", port.get("port"))

    def _carry_server_fields(self, res: Resource, old: dict, new: dict) -> dict:
        """What a client cannot change through the main resource: status, deletion state."""
        new = dict(new)
        meta = dict(new.get("metadata") or {})
        for f in ("deletionTimestamp", "deletionGracePeriodSeconds"):
            if f in old["metadata"]:
                meta[f] = old["metadata"][f]
            else:
                meta.pop(f, None)
        new["metadata"] = meta
        if "status" in res.subresources:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        new["kind"], new["apiVersion"] = res.kind, res.api_version
        return _prune_nulls(new)

    def _write(self, kind: str, res: Resource, obj: dict, *, check_rv: bool, dry_run: bool) -> dict:
        try:
            return self.store.update(kind, obj, check_rv=check_rv, dry_run=dry_run)
        except Conflict:
            raise conflict(res.plural, obj["metadata"]["name"], res.group) from None
        except NotFound:
            raise not_found(res.plural, obj["metadata"]["name"], res.group) from None

    async def _update(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = self._kind(res)
        dry_run = self._dry_run(request)
        body = await self._body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be an object")
        old = self._lookup(info, res)
        meta = body.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != info.name:
            raise ApiError(400, "the name of the object does not match the name on the URL")
        meta["name"] = info.name
        if res.namespaced:
            meta["namespace"] = info.namespace
        new = self._carry_server_fields(res, old, body)
        self._validate(kind, res, new)
        updated = self._write(kind, res, new, check_rv=bool(meta.get("resourceVersion")), dry_run=dry_run)
        return _json_response(updated)

    async def _patched(self, request: web.Request, target: dict) -> tuple[dict, Any]:
        patch = await self._body(request)
        if patch is None:
            raise ApiError(400, "a patch body is required")
        result = apply_patch(request.headers.get("Content-Type", ""), target, patch)
        if not isinstance(result, dict):
            raise ApiError(422, "the patch does not produce an object")
        return result, patch

    async def _patch(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = self._kind(res)
        dry_run = self._dry_run(request)
        old = self._lookup(info, res)
        patched, patch = await self._patched(request, old)
        # A resourceVersion in the patch is a precondition (kubectl sends one with --resource-version).
        patch_meta = patch.get("metadata") if isinstance(patch, dict) else None
        check_rv = bool(isinstance(patch_meta, dict) and patch_meta.get("resourceVersion"))
        meta = patched.setdefault("metadata", {})
        meta["name"] = info.name
        if res.namespaced:
            meta["namespace"] = info.namespace
        if not check_rv:
            meta["resourceVersion"] = old["metadata"]["resourceVersion"]
        new = self._carry_server_fields(res, old, patched)
        self._validate(kind, res, new)
        return _json_response(self._write(kind, res, new, check_rv=check_rv, dry_run=dry_run))

    async def _status(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = self._kind(res)
        old = self._lookup(info, res)
        if request.method == "GET":
            return _raw_response(self.store.get_raw(kind, info.namespace, info.name))
        dry_run = self._dry_run(request)
        if request.method == "PUT":
            body = await self._body(request)
            if not isinstance(body, dict):
                raise ApiError(400, "the request body must be an object")
            source, check_rv = body, bool((body.get("metadata") or {}).get("resourceVersion"))
            rv = (body.get("metadata") or {}).get("resourceVersion")
        elif request.method == "PATCH":
            source, _ = await self._patched(request, old)
            check_rv, rv = False, None
        else:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        new = copy.deepcopy(old)
        new["status"] = source.get("status", {})
        if rv:
            new["metadata"]["resourceVersion"] = rv
        return _json_response(self._write(kind, res, new, check_rv=check_rv, dry_run=dry_run))

    # --- deleting ------------------------------------------------------------------------

    async def _delete_options(self, request: web.Request) -> dict:
        options = await self._body(request) or {}
        if not isinstance(options, dict):
            raise ApiError(400, "DeleteOptions must be an object")
        query = request.query
        if "gracePeriodSeconds" in query:
            options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
        if "propagationPolicy" in query:
            options["propagationPolicy"] = query["propagationPolicy"]
        if query.get("orphanDependents") is not None and "propagationPolicy" not in options:
            options["propagationPolicy"] = "Orphan" if _flag(query["orphanDependents"]) else "Background"
        if options.get("orphanDependents") is not None and "propagationPolicy" not in options:
            options["propagationPolicy"] = "Orphan" if options["orphanDependents"] else "Background"
        policy = options.get("propagationPolicy")
        if policy is not None and policy not in ("Background", "Foreground", "Orphan"):
            raise ApiError(422, f'propagationPolicy: Unsupported value: "{policy}"')
        return options

    async def _delete(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = self._kind(res)
        dry_run = self._dry_run(request)
        options = await self._delete_options(request)
        obj = self._lookup(info, res)
        precondition = (options.get("preconditions") or {})
        if precondition.get("uid") and precondition["uid"] != obj["metadata"]["uid"]:
            raise ApiError(409, "Precondition failed: UID in precondition does not match the object", "Conflict")
        if precondition.get("resourceVersion") and precondition["resourceVersion"] != obj["metadata"]["resourceVersion"]:
            raise conflict(res.plural, info.name or "", res.group)
        result = self.delete_object(kind, info.namespace, info.name or "", options.get("gracePeriodSeconds"),
                                    options.get("propagationPolicy"), dry_run=dry_run)
        return _json_response(result)

    async def _delete_collection(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = self._kind(res)
        dry_run = self._dry_run(request)
        options = await self._delete_options(request)
        items = [o for o, _ in self._select(request, info, kind)]
        deleted = []
        for obj in items:
            meta = obj["metadata"]
            try:
                deleted.append(self.delete_object(kind, meta.get("namespace"), meta["name"],
                                                  options.get("gracePeriodSeconds"),
                                                  options.get("propagationPolicy"), dry_run=dry_run))
            except ApiError as err:
                if err.code != 404:
                    raise
        return _json_response({"kind": res.list_kind, "apiVersion": res.api_version,
                               "metadata": {"resourceVersion": str(self.store.resource_version)}, "items": deleted})

    def delete_object(self, kind: str, namespace: str | None, name: str, grace: int | None,
                      propagation: str | None, *, dry_run: bool = False) -> dict:
        """Delete as the API server and garbage collector do together.

        Pods on a node end gracefully: they get a deletionTimestamp and the world's kubelet
        removes them when it passes; grace 0 (kubectl's --force) removes them at once.
        Owners delete their dependents (Background, Foreground) or orphan them.
        """
        obj = self.store.get(kind, namespace, name)
        if obj is None:
            raise not_found(kind, name)
        if kind == "pods":
            return self._delete_pod(obj, grace, dry_run)
        uid = obj["metadata"]["uid"]
        policy = propagation or "Background"
        dependents = self.store.dependents(uid) if kind in _OWNER_KINDS or kind == "namespaces" else []
        if kind == "namespaces":
            dependents = [(k, o) for k in self.store.kinds() for o in self.store.list(k, name)
                          if k not in ("namespaces", "nodes")]
        if dry_run:
            return obj
        if policy == "Orphan" and kind != "namespaces":
            for dep_kind, dep in dependents:
                orphan = copy.deepcopy(dep)
                orphan["metadata"]["ownerReferences"] = [r for r in dep["metadata"].get("ownerReferences") or []
                                                         if r.get("uid") != uid]
                if not orphan["metadata"]["ownerReferences"]:
                    del orphan["metadata"]["ownerReferences"]
                self.store.update(dep_kind, orphan)
            dependents = []
        if policy == "Foreground":
            self._delete_dependents(dependents)
            return self.store.delete(kind, namespace, name)
        gone_obj = self.store.delete(kind, namespace, name)
        self._delete_dependents(dependents)
        return gone_obj

    def _delete_dependents(self, dependents: list[tuple[str, dict]]) -> None:
        for dep_kind, dep in dependents:
            meta = dep["metadata"]
            if self.store.get(dep_kind, meta.get("namespace"), meta["name"]) is None:
                continue
            self.delete_object(dep_kind, meta.get("namespace"), meta["name"], None, "Background")

    def _delete_pod(self, pod: dict, grace: int | None, dry_run: bool) -> dict:
        meta = pod["metadata"]
        spec = pod.get("spec") or {}
        if grace is None:
            grace = meta.get("deletionGracePeriodSeconds", spec.get("terminationGracePeriodSeconds", 30))
        phase = (pod.get("status") or {}).get("phase")
        immediate = grace <= 0 or not spec.get("nodeName") or phase in ("Succeeded", "Failed")
        if dry_run:
            return pod
        if immediate:
            return self.store.delete("pods", meta.get("namespace"), meta["name"])
        current = meta.get("deletionGracePeriodSeconds")
        if current is not None and current <= grace:
            return pod  # already terminating at least as fast
        marked = copy.deepcopy(pod)
        marked["metadata"]["deletionTimestamp"] = format_time(self.clock.now() + timedelta(seconds=grace))
        marked["metadata"]["deletionGracePeriodSeconds"] = grace
        return self.store.update("pods", marked)

    # --- subresources --------------------------------------------------------------------

    def _scale_object(self, obj: dict) -> dict:
        meta = obj["metadata"]
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        return {
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": spec.get("replicas", 1)},
            "status": {"replicas": status.get("replicas", 0),
                       "selector": selector_from_match_labels(spec.get("selector"))},
        }

    async def _scale(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = self._kind(res)
        obj = self._lookup(info, res)
        scale = self._scale_object(obj)
        if request.method == "GET":
            return _json_response(scale)
        dry_run = self._dry_run(request)
        if request.method == "PUT":
            body = await self._body(request)
            if not isinstance(body, dict):
                raise ApiError(400, "the request body must be an object")
            wanted = body
        elif request.method == "PATCH":
            wanted, _ = await self._patched(request, scale)
        else:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        rv = (wanted.get("metadata") or {}).get("resourceVersion")
        if rv and rv != obj["metadata"]["resourceVersion"]:
            raise conflict(res.plural, info.name or "", res.group)
        replicas = (wanted.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise invalid("Scale", info.name or "", [("spec.replicas", f"Invalid value: {replicas}: must be "
                                                                     "greater than or equal to 0")], "autoscaling")
        new = copy.deepcopy(obj)
        new["spec"]["replicas"] = replicas
        updated = self.store.update(kind, new, dry_run=dry_run)
        return _json_response(self._scale_object(updated))

    async def _pod_log(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        if request.method != "GET":
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        pod = self.store.get("pods", info.namespace, info.name)
        if pod is None:
            raise not_found("pods", info.name or "")
        query = request.query
        names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
        container = query.get("container")
        if not container:
            if len(names) != 1:
                raise ApiError(400, f"a container name must be specified for pod {info.name}, "
                                    f"choose one of: [{' '.join(names)}]")
            container = names[0]
        elif container not in names and container not in [
                c.get("name") for c in (pod.get("spec") or {}).get("initContainers") or []]:
            raise ApiError(400, f"container {container} is not valid for pod {info.name}")
        previous = _flag(query.get("previous"))
        follow = _flag(query.get("follow")) and not previous
        tail = int(query["tailLines"]) if query.get("tailLines") else None

        def fetch() -> list[str]:
            try:
                return [*self.world.pod_logs(info.namespace, info.name, container, previous),
                        *([] if previous else self.written_logs.get((info.namespace or "", info.name or ""), []))]
            except KeyError:
                if previous:
                    raise ApiError(400, f'previous terminated container "{container}" in pod "{info.name}" not found') from None
                raise ApiError(400, f'container "{container}" in pod "{info.name}" is waiting to start: '
                                    "ContainerCreating") from None

        lines = fetch()
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        limit_bytes = int(query["limitBytes"]) if query.get("limitBytes") else None
        text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        if not follow:
            body = text.encode()
            if limit_bytes is not None:
                body = body[:limit_bytes]
            return web.Response(body=body, content_type="text/plain")
        response = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        wake = asyncio.Event()
        self._wakeups.add(wake)
        try:
            await response.prepare(request)
            if text:
                await response.write(text.encode())
            sent = fetch()
            while not self.closing:
                try:
                    await asyncio.wait_for(wake.wait(), timeout=0.25)
                except asyncio.TimeoutError:
                    pass
                current = self.store.get("pods", info.namespace, info.name)
                if current is None or current["metadata"]["uid"] != pod["metadata"]["uid"]:
                    break
                try:
                    latest = fetch()
                except ApiError:
                    continue
                new = _new_lines(sent, latest)
                if new:
                    await response.write("".join(line if line.endswith("\n") else line + "\n" for line in new).encode())
                sent = latest
            return response
        except (ConnectionResetError, ConnectionError):
            return response
        finally:
            self._wakeups.discard(wake)

    async def _service_proxy(self, request: web.Request, info: RequestInfo) -> web.Response:
        name, _, port = (info.name or "").partition(":")
        if name in ("http", "https") and port:
            name, _, port = port.partition(":")  # scheme:name:port
        service = self.store.get("services", info.namespace, name)
        if service is None:
            raise not_found("services", name)
        ports = (service.get("spec") or {}).get("ports") or []
        if not port:
            if not ports:
                raise ApiError(503, f'no endpoints available for service "{name}"', "ServiceUnavailable")
            port = ports[0].get("name") or str(ports[0].get("port"))
        elif not any(port in (p.get("name"), str(p.get("port"))) for p in ports):
            raise ApiError(503, f'no endpoints available for service "{info.name}"', "ServiceUnavailable")
        path = "/" + "/".join(info.extra)
        if request.path.endswith("/") and path != "/":
            path += "/"
        try:
            status, content_type, body = self.world.service_endpoint(info.namespace, name, port, path)
        except KeyError:
            raise ApiError(503, f'no endpoints available for service "{info.name}"', "ServiceUnavailable") from None
        payload = body.encode() if isinstance(body, str) else body
        response = web.Response(body=payload, status=status)
        response.headers["Content-Type"] = content_type
        return response

    # --- computed resources --------------------------------------------------------------

    def _metrics(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        if request.method != "GET" or info.watch:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
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
                    return _json_response(item)
            raise not_found(res.plural, info.name, res.group)
        return _json_response({"kind": res.list_kind, "apiVersion": res.api_version,
                               "metadata": {"resourceVersion": ""}, "items": items})

    async def _access_review(self, request: web.Request, info: RequestInfo, res: Resource, user: User) -> web.Response:
        if request.method != "POST" or info.name:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        body = await self._body(request) or {}
        spec = body.get("spec") or {}
        if res.plural == "selfsubjectrulesreviews":
            return _json_response({
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
        return _json_response({"kind": res.kind, "apiVersion": res.api_version,
                               "metadata": {"creationTimestamp": None}, "spec": spec, "status": status}, status=201)

    async def _self_subject_review(self, request: web.Request, info: RequestInfo, res: Resource,
                                   user: User) -> web.Response:
        """Who am I: the user the bearer token authenticated (what `kubectl auth whoami` asks)."""
        if request.method != "POST" or info.name:
            raise ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")
        return _json_response({"kind": res.kind, "apiVersion": res.api_version,
                               "metadata": {"creationTimestamp": None},
                               "status": {"userInfo": self.policy.user_info(user)}}, status=201)

    # --- the /sim/ control API -----------------------------------------------------------

    async def _control(self, request: web.Request) -> web.Response:
        parts = [p for p in request.path.split("/") if p][1:]
        method = request.method
        body: dict = {}
        if method in ("POST", "PUT"):
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise ApiError(400, "the request body is not valid JSON") from None
        if parts == ["health"]:
            return _json_response({"ok": True, "resourceVersion": self.store.resource_version})
        if parts == ["scenarios"] and method == "GET":
            return _json_response(self.world.scenarios())
        if len(parts) == 2 and parts[0] == "scenarios" and method in ("POST", "DELETE"):
            try:
                if method == "POST":
                    self.world.start_scenario(parts[1])
                else:
                    self.world.stop_scenario(parts[1])
            except KeyError:
                raise ApiError(404, f'scenario "{parts[1]}" not found', "NotFound") from None
            return _json_response(self.world.scenarios())
        if parts == ["speed"] and method == "POST":
            speed = float(body.get("speed", 1.0))
            if speed < 0:
                raise ApiError(422, "speed must be >= 0")
            self.clock.speed = speed
            return _json_response({"speed": speed})
        if parts == ["advance"] and method == "POST":
            seconds = float(body.get("seconds", 0))
            if seconds < 0:
                raise ApiError(422, "seconds must be >= 0")
            await self.ticker.advance(seconds)
            return _json_response({"now": format_time(self.clock.now()), "resourceVersion": self.store.resource_version})
        if parts == ["compact"] and method == "POST":
            self.store.compact()
            return _json_response({"compactedResourceVersion": self.store.compacted_rv})
        if parts == ["churn"] and method == "POST":
            rate = float(body.get("events_per_second", 0))
            self.world.set_churn(rate)
            return _json_response({"events_per_second": rate})
        if len(parts) == 3 and parts[0] == "logs" and method == "POST":
            # Whatever a container could print, control characters included.
            lines = body.get("lines")
            if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
                raise ApiError(422, "lines must be a list of strings")
            self.written_logs.setdefault((parts[1], parts[2]), []).extend(lines)  # a follow sees them within 0.25 s
            return _json_response({"lines": len(self.written_logs[(parts[1], parts[2])])})
        if parts == ["audit"] and method == "GET":
            return _json_response(list(self.audit.recent))
        if len(parts) == 2 and parts[0] == "metrics" and method == "GET":
            namespace = request.query.get("namespace", "emrtask-prod")
            try:
                status, content_type, text = self.world.service_endpoint(namespace, parts[1], "metrics", "/metrics")
            except KeyError:
                raise ApiError(404, f'service "{parts[1]}" not found', "NotFound") from None
            response = web.Response(body=text.encode() if isinstance(text, str) else text, status=status)
            response.headers["Content-Type"] = content_type
            return response
        raise ApiError(404, f"no control endpoint {method} {request.path}", "NotFound")


def _new_lines(sent: list[str], latest: list[str]) -> list[str]:
    """Lines of `latest` after the last line already sent, even if the log was trimmed."""
    if not sent:
        return latest
    if len(latest) >= len(sent) and latest[:len(sent)] == sent:
        return latest[len(sent):]
    last = sent[-1]
    for i in range(len(latest) - 1, -1, -1):
        if latest[i] == last:
            return latest[i + 1:]
    return latest
