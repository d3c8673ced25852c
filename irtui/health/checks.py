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
import json
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable

from irtui.config import Config, Section
from irtui.health.transport import PING_TIMEOUT, DirectHttp, Fetched, ServiceProxy, TransportError
from irtui.platform import HEALTH_PATH, HEALTH_PORT, NAMESPACE, SERVICES
from irtui.safety import Guard
from irtui.text import visible

DETAIL_LIMIT = 500  # characters of a failing body's first line kept in a result


@dataclass(frozen=True)
class HealthSettings:
    services: tuple[str, ...] = SERVICES
    namespace: str = NAMESPACE
    port: int = HEALTH_PORT
    path: str = HEALTH_PATH
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


# What a check can say about a service. UNKNOWN is not a kind of failure: the question did
# not reach the service (the API server's proxy timed out or refused), so nothing is known.
HEALTHY, DEGRADED, FAILING, UNKNOWN = "healthy", "degraded", "failing", "unknown"
STATES = (HEALTHY, DEGRADED, FAILING, UNKNOWN)

# The `status` word of a health body (`{"status": "ok"|"degraded"|"down", ...}` on the
# platform; the common synonyms of other health-check libraries too).
_BODY_STATES = {
    "ok": HEALTHY, "up": HEALTHY, "pass": HEALTHY, "healthy": HEALTHY,
    "degraded": DEGRADED, "warn": DEGRADED, "warning": DEGRADED,
    "down": FAILING, "error": FAILING, "fail": FAILING, "failing": FAILING, "unhealthy": FAILING,
}


@dataclass(frozen=True)
class HealthResult:
    service: str
    at: float  # unix seconds when the check started
    state: str  # HEALTHY, DEGRADED, FAILING or UNKNOWN
    status: int | None  # HTTP status, None when the service could not be reached
    latency: float | None  # seconds
    detail: str  # unless healthy: what the body said was wrong, or why it could not be asked
    where: str  # the URL or proxy path checked

    @property
    def ok(self) -> bool:
        return self.state == HEALTHY


def judge(fetched: Fetched) -> tuple[str, str]:
    """(state, detail) of one answer: the HTTP status first, then the body's `status` word.

    A 200 whose body says `"status": "degraded"` (the EMR service in fallback mode) is
    degraded, not healthy; a 2xx body without a known word is taken at its HTTP word.
    """
    if not fetched.ok:
        return FAILING, fetched.first_line() or f"HTTP {fetched.status}"
    try:
        body = json.loads(fetched.body)
    except ValueError:
        return HEALTHY, ""
    if not isinstance(body, dict):
        return HEALTHY, ""
    word = str(body.get("status", "")).strip().lower()
    state = _BODY_STATES.get(word, HEALTHY)
    if state == HEALTHY:
        return HEALTHY, ""
    return state, _body_reason(body, word)


def _body_reason(body: dict, word: str) -> str:
    """What is wrong, from the body: its error, and the checks that are not ok."""
    parts = []
    if body.get("error"):
        parts.append(str(body["error"]))
    if body.get("mode"):
        parts.append(f"mode {body['mode']}")
    checks = body.get("checks")
    if isinstance(checks, dict):
        parts += [f"{name}: {value}" for name, value in checks.items()
                  if str(value).strip().lower() not in ("ok", "up", "pass", "healthy")]
    reason = "; ".join(parts) or f"status {word}"
    return reason.splitlines()[0][:200]


def summarize(results: list[HealthResult]) -> str:
    """One line for a round: "3 healthy, 1 degraded, 1 unknown (API server not answering)".

    Each state is counted on its own: an unknown is never added to the failures, and a
    degraded service is neither healthy nor failing.
    """
    if not results:
        return "no services checked"
    counts = Counter(r.state for r in results)
    if counts[HEALTHY] == len(results):
        return f"all {len(results)} services healthy"
    parts = []
    for state in STATES:
        if counts[state]:
            parts.append(f"{counts[state]} {state}")
    # Why they are unknown, when it is one reason ("API server not answering"), without its details.
    unknown = {r.detail.split(":", 1)[0] for r in results if r.state == UNKNOWN}
    if len(unknown) == 1 and parts[-1].endswith(UNKNOWN):
        parts[-1] += f" ({unknown.pop()})"
    return ", ".join(parts)


def naming(results: list[HealthResult]) -> str:
    """Which services are failing and which degraded: "failing: task-service · degraded: emr-service"."""
    groups = []
    for state in (FAILING, DEGRADED):
        names = [r.service for r in results if r.state == state]
        if names:
            groups.append(f"{state}: {', '.join(names)}")
    return " · ".join(groups)


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
            # The transport has its own timeout (and through the proxy, a short question to the
            # API server after it); this one also bounds a thread stuck in the proxy.
            fetched = await asyncio.wait_for(self.transport.get(service, s.port, s.path),
                                             s.timeout + PING_TIMEOUT + 1)
        except TransportError as exc:
            return HealthResult(service, at, UNKNOWN if exc.unknown else FAILING, None, None, visible(str(exc), DETAIL_LIMIT), where)
        except asyncio.TimeoutError:
            if self.transport.proxied(service):
                return HealthResult(service, at, UNKNOWN, None, None, "API server not answering", where)
            return HealthResult(service, at, FAILING, None, None, f"timed out after {s.timeout:g}s", where)
        state, detail = judge(fetched)
        detail = visible(detail, DETAIL_LIMIT)  # a body is whatever the service (or whoever controls it) answered
        return HealthResult(service, at, state, fetched.status, fetched.elapsed, detail, fetched.where)

    async def check_all(self) -> list[HealthResult]:
        results = await asyncio.gather(*(self.check(svc) for svc in self.settings.services))
        for result in results:
            self.history[result.service].append(result)
        self.rounds += 1
        return list(results)

    async def aclose(self) -> None:
        await self.transport.aclose()
