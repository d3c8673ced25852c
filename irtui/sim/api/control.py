"""`/sim/...`: the simulator's control API, which is not part of the Kubernetes API.

Tests, the demo and the benchmarks use it to start and stop scenarios, set the clock's speed
or jump it ahead, compact the store's history, set the rate of pod churn, write lines into a
pod's log, read the request audit log, and read a service's `/metrics` without the API
server's proxy. Clients of the cluster never need it, and it asks for no credentials.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aiohttp import web

from irtui.sim.api.http import json_response
from irtui.sim.api.logs import Logs
from irtui.sim.api.proxy import endpoint_response
from irtui.sim.audit import AuditLog
from irtui.sim.clock import SimClock
from irtui.sim.errors import ApiError
from irtui.sim.store import Store, format_time
from irtui.sim.ticker import Ticker

if TYPE_CHECKING:
    from irtui.sim.world import World


class Control:
    """The `/sim/` endpoints, over the world, its clock and ticker, the store and the audit log."""

    def __init__(self, store: Store, world: World, clock: SimClock, ticker: Ticker, audit: AuditLog,
                 logs: Logs) -> None:
        self.store = store
        self.world = world
        self.clock = clock
        self.ticker = ticker
        self.audit = audit
        self.logs = logs

    async def handle(self, request: web.Request) -> web.Response:
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
            return json_response({"ok": True, "resourceVersion": self.store.resource_version})
        if parts == ["scenarios"] and method == "GET":
            return json_response(self.world.scenarios())
        if len(parts) == 2 and parts[0] == "scenarios" and method in ("POST", "DELETE"):
            try:
                if method == "POST":
                    self.world.start_scenario(parts[1])
                else:
                    self.world.stop_scenario(parts[1])
            except KeyError:
                raise ApiError(404, f'scenario "{parts[1]}" not found', "NotFound") from None
            return json_response(self.world.scenarios())
        if parts == ["speed"] and method == "POST":
            speed = float(body.get("speed", 1.0))
            if speed < 0:
                raise ApiError(422, "speed must be >= 0")
            self.clock.speed = speed
            return json_response({"speed": speed})
        if parts == ["advance"] and method == "POST":
            seconds = float(body.get("seconds", 0))
            if seconds < 0:
                raise ApiError(422, "seconds must be >= 0")
            await self.ticker.advance(seconds)
            return json_response({"now": format_time(self.clock.now()), "resourceVersion": self.store.resource_version})
        if parts == ["compact"] and method == "POST":
            self.store.compact()
            return json_response({"compactedResourceVersion": self.store.compacted_rv})
        if parts == ["churn"] and method == "POST":
            rate = float(body.get("events_per_second", 0))
            self.world.set_churn(rate)
            return json_response({"events_per_second": rate})
        if len(parts) == 3 and parts[0] == "logs" and method == "POST":
            # Whatever a container could print, control characters included.
            lines = body.get("lines")
            if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
                raise ApiError(422, "lines must be a list of strings")
            return json_response({"lines": self.logs.write(parts[1], parts[2], lines)})
        if parts == ["audit"] and method == "GET":
            return json_response(list(self.audit.recent))
        if len(parts) == 2 and parts[0] == "metrics" and method == "GET":
            namespace = request.query.get("namespace", "emrtask-prod")
            try:
                answer = self.world.service_endpoint(namespace, parts[1], "metrics", "/metrics")
            except KeyError:
                raise ApiError(404, f'service "{parts[1]}" not found', "NotFound") from None
            return endpoint_response(*answer)
        raise ApiError(404, f"no control endpoint {method} {request.path}", "NotFound")
