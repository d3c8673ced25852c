"""Stand-ins for Slack, Statuspage, PagerDuty and a generic webhook: one aiohttp server on
127.0.0.1 that records every request as it arrived (method, path, headers, body, time) and
answers as each service documents, unless a test scripted other answers for a path.

Statuspage keeps the incidents it created, so a create that "failed" after it happened can
be found again, as on the real service.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from polling import TIMEOUT, until


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # the receiver's monotonic clock when the request arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    apply: bool = False  # do what the request asks, then answer this (a lost success)
    delay: float = 0.0   # seconds before answering (longer than the client waits: no answer)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.scripts: dict[str, deque[Answer]] = defaultdict(deque)
        self.statuspage: dict[str, dict[str, Any]] = {}
        self.slack_channels: list[str] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    def script(self, path: str, *answers: Answer) -> None:
        """The next requests to `path` get these answers, in order; then the service's own."""
        self.scripts[path].extend(answers)

    def to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, path: str, count: int = 1, timeout: float = TIMEOUT) -> list[Request]:
        """Every request to `path` once there are at least `count` of them."""
        await until(lambda: len(self.to(path)) >= count,
                    lambda: f"{count} requests to {path} ({len(self.to(path))} arrived)", timeout=timeout, step=0.02)
        return self.to(path)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(Request(request.method, request.path, dict(request.headers), body, time.monotonic()))
        script = self.scripts.get(request.path)
        if script:
            answer = script.popleft()
            if answer.delay:
                await asyncio.sleep(answer.delay)
            if answer.apply:
                self._service(request.method, request.path, body)
            return web.Response(status=answer.status, text=answer.body, headers=answer.headers)
        status, payload = self._service(request.method, request.path, body)
        if isinstance(payload, str):
            return web.Response(status=status, text=payload)
        return web.json_response(payload, status=status)

    def _service(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if path.startswith("/services/"):  # Slack: plain text "ok"
            return 200, "ok"
        if path == "/api/conversations.create":  # Slack Web API: ok or ok:false with an error
            name = json.loads(body).get("name", "")
            if name in self.slack_channels:
                return 200, {"ok": False, "error": "name_taken"}
            self.slack_channels.append(name)
            return 200, {"ok": True, "channel": {"id": f"C{len(self.slack_channels):04d}", "name": name}}
        if parts[:2] == ["v1", "pages"] and len(parts) >= 4 and parts[3] == "incidents":
            if method == "GET" and parts[4:] == ["unresolved"]:
                return 200, [i for i in self.statuspage.values() if i["status"] != "resolved"]
            if method == "POST" and len(parts) == 4:
                fields = json.loads(body)["incident"]
                incident = {**fields, "id": f"sp{len(self.statuspage) + 1}"}
                self.statuspage[incident["id"]] = incident
                return 201, incident
            if method == "PATCH" and len(parts) == 5 and parts[4] in self.statuspage:
                self.statuspage[parts[4]].update(json.loads(body)["incident"])
                return 200, self.statuspage[parts[4]]
            return 404, {"error": "not found"}
        if path == "/v2/enqueue":  # PagerDuty Events API v2
            event = json.loads(body)
            return 202, {"status": "success", "message": "Event processed", "dedup_key": event.get("dedup_key")}
        if parts[0] == "incidents" and method == "PUT":  # PagerDuty REST API v2
            return 200, {"incident": {"id": parts[1], **json.loads(body)["incident"]}}
        if parts[0] == "hooks":
            return 200, {"ok": True}
        return 404, {"error": f"no such endpoint {path}"}
