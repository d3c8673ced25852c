"""Health checks of every configured service, and the `[health]` config section.

```toml
[health]
services = ["api-gateway", "task-service", "emr-service", "sync-service", "handover-service"]
namespace = "emrtask-prod"
port = 3000
path = "/health"
interval = 30          # seconds between automatic rounds
timeout = 5
history = 20           # results kept per service
url = ""               # a template for all, e.g. "http://{service}.svc:3000/health"; empty: service proxy

[health.urls]          # a direct URL for single services, over the template and the proxy
api-gateway = "https://api.emrtask.com/health"
```
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from irtui.config import Config, Section
from irtui.health.transport import DirectHttp, ServiceProxy, TransportError
from irtui.metrics.settings import PLATFORM_SERVICES
from irtui.safety import Guard
from irtui.text import visible

DETAIL_LIMIT = 500  # characters of a failing body's first line kept in a result


@dataclass(frozen=True)
class HealthSettings:
    services: tuple[str, ...] = PLATFORM_SERVICES
    namespace: str = "emrtask-prod"
    port: int = 3000
    path: str = "/health"
    interval: float = 30.0
    timeout: float = 5.0
    history: int = 20
    url: str = ""
    urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Config) -> HealthSettings:
        return cls.from_section(config.section("health"))

    @classmethod
    def from_section(cls, sec: Section) -> HealthSettings:
        sec.reject_unknown({"services", "namespace", "port", "path", "interval", "timeout", "history", "url", "urls"})
        base = cls()
        services = sec.get("services", list, list(base.services))
        if not services or not all(isinstance(s, str) and s for s in services):
            raise sec.error("services", "must be a non-empty list of service names")
        port = sec.get("port", int, base.port)
        if not 0 < port < 65536:
            raise sec.error("port", f"must be a TCP port, not {port}")
        path = sec.get("path", str, base.path)
        if not path.startswith("/"):
            raise sec.error("path", "must start with /")
        url = sec.get("url", str, "")
        if url and "{service}" not in url:
            raise sec.error("url", "must contain {service}")
        urls_sec = sec.section("urls")
        urls = {name: urls_sec.get(name, str) for name in urls_sec.keys()}
        for name, value in urls.items():
            if not value.startswith(("http://", "https://")):
                raise urls_sec.error(name, "must be an http:// or https:// URL")
        values = {}
        for key in ("interval", "timeout"):
            values[key] = sec.get(key, float, getattr(base, key))
            if values[key] <= 0:
                raise sec.error(key, f"must be greater than 0, not {values[key]}")
        history = sec.get("history", int, base.history)
        if history < 1:
            raise sec.error("history", "must be at least 1")
        return cls(tuple(services), sec.get("namespace", str, base.namespace), port, path,
                   values["interval"], values["timeout"], history, url, urls)


@dataclass(frozen=True)
class HealthResult:
    service: str
    at: float  # unix seconds when the check started
    ok: bool
    status: int | None  # HTTP status, None when the service could not be reached
    latency: float | None  # seconds
    detail: str  # on failure: the body's first line, or why it could not be reached
    where: str  # the URL or proxy path checked


def make_transport(settings: HealthSettings, guard: Guard, api_client=None):
    if settings.url:
        return DirectHttp(settings.url, guard, settings.timeout, overrides=settings.urls)
    if api_client is None:
        if len(settings.urls) == len(settings.services) and all(s in settings.urls for s in settings.services):
            return DirectHttp("{service}", guard, settings.timeout, overrides=settings.urls)
        raise ValueError("[health] without url needs a Kubernetes connection for the service proxy")
    return ServiceProxy(api_client, settings.namespace, settings.timeout, overrides=settings.urls, guard=guard)


class HealthChecker:
    """Runs one round of checks over all services, concurrently, and keeps their history."""

    def __init__(self, settings: HealthSettings, transport, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.history: dict[str, deque[HealthResult]] = {s: deque(maxlen=settings.history) for s in settings.services}
        self.rounds = 0

    async def check(self, service: str) -> HealthResult:
        s = self.settings
        at = self.clock()
        where = self.transport.where(service, s.port, s.path)
        try:
            # The transport has its own timeout; this one also bounds a thread stuck in the proxy.
            fetched = await asyncio.wait_for(self.transport.get(service, s.port, s.path), s.timeout + 1)
        except (TransportError, asyncio.TimeoutError) as exc:
            reason = visible(str(exc), DETAIL_LIMIT) or f"timed out after {s.timeout:g}s"
            return HealthResult(service, at, False, None, None, reason, where)
        # A body is whatever the service (or whoever controls it) answered.
        detail = "" if fetched.ok else (visible(fetched.first_line(), DETAIL_LIMIT) or f"HTTP {fetched.status}")
        return HealthResult(service, at, fetched.ok, fetched.status, fetched.elapsed, detail, fetched.where)

    async def check_all(self) -> list[HealthResult]:
        results = await asyncio.gather(*(self.check(svc) for svc in self.settings.services))
        for result in results:
            self.history[result.service].append(result)
        self.rounds += 1
        return list(results)

    async def aclose(self) -> None:
        await self.transport.aclose()
