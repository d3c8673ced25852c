"""The read-only switch every mutating client consults before it sends anything.

A `Guard` is created once, from the command line and config, and handed to the guarded
Kubernetes, PostgreSQL and HTTP clients and to anything that runs a command (helm). It can
be made stricter but never looser at run time, so no key, palette entry or code path can
turn a read-only session into a writable one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


class ReadOnlyError(PermissionError):
    """Raised by a guarded client instead of sending a mutating request."""

    def __init__(self, what: str) -> None:
        super().__init__(f"read-only mode: refused to send {what}")
        self.what = what


class Guard:
    """Decides whether a mutating request may leave this process."""

    __slots__ = ("_read_only",)

    def __init__(self, read_only: bool = False) -> None:
        self._read_only = bool(read_only)

    @property
    def read_only(self) -> bool:
        return self._read_only

    def make_read_only(self) -> None:
        """Tighten to read-only; there is deliberately no way back."""
        self._read_only = True

    def check(self, what: str) -> None:
        """Raise `ReadOnlyError` if `what` (a short description of the request) may not be sent."""
        if self._read_only:
            raise ReadOnlyError(what)

    def __repr__(self) -> str:
        return f"Guard(read_only={self._read_only})"


_SAFE_HTTP_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def guarded_http_client(guard: Guard, **kwargs: Any) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` whose every non-read request passes the guard first.

    The check runs in a request event hook, before the connection is used, so a refused
    request never reaches the network.
    """
    import httpx

    async def check(request: httpx.Request) -> None:
        if request.method.upper() not in _SAFE_HTTP_METHODS:
            guard.check(f"{request.method} {request.url.copy_with(query=None)}")

    hooks = kwargs.pop("event_hooks", {}) or {}
    hooks = {**hooks, "request": [check, *hooks.get("request", [])]}
    return httpx.AsyncClient(event_hooks=hooks, **kwargs)


class LazyHttpClient:
    """A `guarded_http_client` made on first use, standing in for it until then.

    Importing httpx (with httpcore, and trio where installed) costs ~0.3 s, which the
    metrics and health panes would otherwise add to every launch before the first frame.
    """

    def __init__(self, guard: Guard, **kwargs: Any) -> None:
        self._guard = guard
        self._kwargs = kwargs
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = guarded_http_client(self._guard, **self._kwargs)
        return self._client

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not the client's API (and no recursion before __init__)
            raise AttributeError(name)
        return getattr(self.client, name)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
