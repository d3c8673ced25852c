"""HTTP GETs to a platform service: directly by URL, or through the Kubernetes API server's
service proxy (`/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`).

Shared by the health checks and the direct `/metrics` scrape. Both transports only read,
and both go through guarded clients: a guarded `httpx.AsyncClient` for direct URLs, and the
session's guarded kubernetes `ApiClient` (its auth, TLS and token refresh come from the
kubeconfig) for the proxy. The kubernetes client blocks, so its calls run in a thread.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from urllib.parse import quote

import urllib3

from irtui.kube.errors import ApiError
from irtui.kube.rest import RestClient, network_reason
from irtui.safety import Guard, LazyHttpClient

# How long a check through the proxy that got no reply waits for the API server's own
# /version, to tell a hung service (the server answers) from a hung server. One round trip.
PING_TIMEOUT = 2.0


class TransportError(Exception):
    """The service could not be reached at all (refused, timed out, TLS).

    `unknown` is true when what failed was the way to the service, not the service: the API
    server's proxy did not answer or could not be reached, which says nothing about it.
    """

    def __init__(self, message: str, *, unknown: bool = False) -> None:
        super().__init__(message)
        self.unknown = unknown


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    elapsed: float  # seconds, request sent to body read
    where: str  # the URL or proxy path asked, for the screen

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def first_line(self, limit: int = 200) -> str:
        """The body's first line; for the API server's own refusal (a `Status` object, e.g.
        "no endpoints available for service"), its message, which is what a human needs."""
        text = self.body.decode("utf-8", "replace").strip()
        if text.startswith("{") and '"Status"' in text[:200]:
            try:
                status = json.loads(text)
            except ValueError:
                status = None
            if isinstance(status, dict) and status.get("kind") == "Status" and status.get("message"):
                return str(status["message"]).splitlines()[0][:limit]
        line = text.splitlines()[0] if text else ""
        return line[:limit]


class DirectHttp:
    """GET `template.format(service=..., port=..., path=...)` with a guarded httpx client."""

    def __init__(self, template: str, guard: Guard | None = None, timeout: float = 5.0,
                 overrides: dict[str, str] | None = None) -> None:
        self.template = template
        self.overrides = dict(overrides or {})
        self._http = LazyHttpClient(guard or Guard(), timeout=timeout)

    def proxied(self, service: str) -> bool:
        return False

    def where(self, service: str, port: int, path: str) -> str:
        if service in self.overrides:
            return self.overrides[service]
        return self.template.format(service=service, port=port, path=path)

    async def get(self, service: str, port: int, path: str) -> Fetched:
        url = self.where(service, port, path)
        started = time.perf_counter()
        try:
            response = await self._http.get(url)
        except Exception as exc:  # httpx.HTTPError and OS errors alike: the service is unreachable
            raise TransportError(f"{url}: {_reason(exc)}") from exc
        return Fetched(response.status_code, response.content, time.perf_counter() - started, url)

    async def aclose(self) -> None:
        await self._http.aclose()


class ServiceProxy:
    """GET through the API server's service proxy with the session's kubernetes client."""

    def __init__(self, api_client, namespace: str, timeout: float = 5.0,
                 overrides: dict[str, str] | None = None, guard: Guard | None = None) -> None:
        self.api_client = api_client
        self.namespace = namespace
        self.timeout = timeout
        # A service may still be reached by a direct URL (config), e.g. one outside the cluster.
        self._direct = (DirectHttp("{service}", guard, timeout=timeout, overrides=overrides)
                        if overrides else None)
        # The GET in flight per path. A caller that gives up waiting (a hung API server) does
        # not end the thread, which the client's read retries can keep for several timeouts;
        # the next round joins that request instead of stacking another thread behind it.
        self._in_flight: dict[str, asyncio.Future[Fetched]] = {}

    def proxy_path(self, service: str, port: int, path: str) -> str:
        return (f"/api/v1/namespaces/{quote(self.namespace, safe='')}/services/"
                f"{quote(service, safe='')}:{port}/proxy{path}")

    def proxied(self, service: str) -> bool:
        """Whether the check goes through the API server (rather than a direct URL)."""
        return not (self._direct and service in self._direct.overrides)

    def where(self, service: str, port: int, path: str) -> str:
        if self._direct and service in self._direct.overrides:
            return self._direct.where(service, port, path)
        return self.proxy_path(service, port, path)

    async def get(self, service: str, port: int, path: str) -> Fetched:
        if self._direct and service in self._direct.overrides:
            return await self._direct.get(service, port, path)
        resource = self.proxy_path(service, port, path)
        request = self._in_flight.get(resource)
        if request is None or request.done():
            request = asyncio.ensure_future(asyncio.to_thread(self._get_blocking, resource))
            # Read its outcome even when every waiter has given up, so that no error is left unread.
            request.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._in_flight[resource] = request
        return await asyncio.shield(request)

    def _get_blocking(self, resource: str) -> Fetched:
        api = RestClient(self.api_client)
        started = time.perf_counter()
        try:
            response = api.get_once(resource, timeout=urllib3.Timeout(total=self.timeout), accept="*/*")
        except Exception as exc:  # urllib3 errors in their many forms
            reason = network_reason(exc)
            if "timed out" not in reason:  # refused, reset, TLS: the API server, not the service
                raise TransportError(f"API server unreachable: {reason}", unknown=True) from exc
            # No reply through the proxy: the API server or the service behind it is hung.
            # The API server itself tells which.
            try:
                api.ping(PING_TIMEOUT)
            except ApiError:
                raise TransportError(f"API server not answering: no reply in {self.timeout:g}s",
                                     unknown=True) from exc
            raise TransportError(f"no reply in {self.timeout:g}s (the API server answers)") from exc
        return Fetched(response.status, response.data or b"", time.perf_counter() - started, resource)

    async def aclose(self) -> None:
        if self._direct:
            await self._direct.aclose()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    reason = text[0] if text else ""
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
