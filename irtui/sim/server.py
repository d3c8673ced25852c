"""The simulator's HTTP face: a Kubernetes API server over the store and the world.

It owns what every request goes through, in the real API server's order: resolving the
request's `RequestInfo`, authentication, RBAC authorization, the audit log, and turning an
`ApiError` into a `Status`. Then it routes to the handler for the request's API area, each
in its own module of `irtui.sim.api`: `root` (version, health, discovery), `reads` (get,
list), `watch`, `writes` (create, update, patch, status, scale), `deletes`, `logs`, `proxy`
(services/proxy), `computed` (metrics.k8s.io, access reviews) and `control` (`/sim/`); exec
is `irtui.sim.exec`.

It never advances the world's state itself except as a client would: writes go through the
store, and the world's controllers react to them. Everything runs on one event loop, so the
store is never touched concurrently.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from typing import TYPE_CHECKING

from aiohttp import web

from irtui.sim import discovery
from irtui.sim import exec as pod_exec
from irtui.sim.api import proxy, root
from irtui.sim.api.computed import Computed
from irtui.sim.api.control import Control
from irtui.sim.api.deletes import Deletes
from irtui.sim.api.http import LongRequests, RequestInfo, error_response, request_info
from irtui.sim.api.logs import Logs
from irtui.sim.api.reads import Reads
from irtui.sim.api.watch import Watches
from irtui.sim.api.writes import Writes
from irtui.sim.audit import AuditLog
from irtui.sim.errors import ApiError, forbidden, method_not_allowed, no_such_resource
from irtui.sim.rbac import Policy, User
from irtui.sim.store import Store, format_time
from irtui.sim.ticker import Ticker

if TYPE_CHECKING:
    from irtui.sim.clock import SimClock
    from irtui.sim.world import World


class ApiServer:
    """The aiohttp application (`app`) that serves the Kubernetes API and `/sim/`."""

    def __init__(self, store: Store, world: World, clock: SimClock, *, policy: Policy | None = None,
                 audit: AuditLog | None = None, server_url: str = "", ticker: Ticker | None = None):
        self.store = store
        self.world = world
        self.clock = clock
        self.policy = policy or Policy.load()
        self.audit = audit or AuditLog()
        self.server_url = server_url
        self.long = LongRequests()
        self.reads = Reads(store, clock)
        self.watches = Watches(store, clock, self.long)
        self.writes = Writes(store)
        self.deletes = Deletes(store, clock)
        self.logs = Logs(store, world, self.long)
        self.computed = Computed(world, self.policy)
        self.control = Control(store, world, clock, ticker or Ticker(clock, world), self.audit, self.logs)
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("*", "/{tail:.*}", self.handle)
        self.app.on_shutdown.append(self._on_shutdown)

    async def _on_shutdown(self, app: web.Application) -> None:
        self.long.close_all()

    # --- every request -------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/sim/") or path == "/sim":
            try:
                return await self.control.handle(request)
            except ApiError as err:
                return error_response(err)
        info = RequestInfo()
        user: User | None = None
        status = 500
        started = time.time()
        try:
            info = request_info(request)
            user = self.policy.authenticate(request.headers.get("Authorization"))
            if user is None and path not in root.PUBLIC_PATHS:
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
            return error_response(err)
        except (ConnectionResetError, asyncio.CancelledError):
            status = 499  # the client went away, as nginx records it
            raise
        except Exception as exc:  # a bug in the simulator: say so as a Status, keep serving
            status = 500
            traceback.print_exc()
            return error_response(ApiError(500, f"internal error: {exc!r}", "InternalError"))
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

    async def _dispatch(self, request: web.Request, info: RequestInfo, user: User) -> web.StreamResponse:
        if not info.is_resource:
            return root.non_resource(request)
        res = discovery.lookup(info.group, info.version, info.resource)
        if res is None:
            raise no_such_resource()
        if info.namespace is not None and not res.namespaced and info.resource != "namespaces":
            raise no_such_resource()
        if info.group == "metrics.k8s.io":
            return self.computed.metrics(request, info, res)
        if info.group == "authorization.k8s.io":
            return await self.computed.access_review(request, info, res, user)
        if info.group == "authentication.k8s.io":
            return await self.computed.self_subject_review(request, info, res, user)
        if info.subresource and info.subresource not in res.subresources:
            raise no_such_resource()
        if info.verb not in res.verbs and not info.subresource and info.verb != "watch":
            raise method_not_allowed()
        if info.subresource == "log":
            return await self.logs.pod_log(request, info)
        if info.subresource == "exec" and info.resource == "pods":
            return await pod_exec.handle(request, self.store, self.world, info.namespace or "", info.name or "")
        if info.subresource == "proxy":
            return await proxy.service_proxy(self.store, self.world, request, info)
        if info.subresource == "scale":
            return await self.writes.scale(request, info, res)
        if info.subresource == "status":
            return await self.writes.status(request, info, res)
        if info.subresource:
            raise no_such_resource()
        method = request.method
        if info.verb == "watch":
            return await self.watches.watch(request, info, res)
        if method in ("GET", "HEAD"):
            return self.reads.get_object(request, info, res) if info.name else self.reads.list_objects(request, info, res)
        if method == "POST":
            if info.name:
                raise method_not_allowed()
            return await self.writes.create(request, info, res)
        if method == "PUT":
            return await self.writes.update(request, info, res)
        if method == "PATCH":
            return await self.writes.patch(request, info, res)
        if method == "DELETE":
            if info.name:
                return await self.deletes.delete(request, info, res)
            return await self.deletes.delete_collection(request, info, res)
        raise method_not_allowed()
