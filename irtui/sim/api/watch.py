"""Watches: the initial state or the history since a resourceVersion, then every change.

A watch sees the store's events as the real API server's watch cache reports them: objects
that enter or leave a label/field selection arrive as ADDED or DELETED, a resourceVersion
older than the retained history gets one ERROR event with a 410 Status, BOOKMARKs come when
asked for, and `as=Table` watches stream Table rows (columns once). A watcher that falls too
far behind is cut off and relists, as a real one would be.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from irtui.sim import tables
from irtui.sim.api.http import JSON, LongRequests, RequestInfo, flag, store_kind, wants
from irtui.sim.clock import SimClock
from irtui.sim.discovery import Resource
from irtui.sim.errors import ApiError, status_object
from irtui.sim.selectors import parse_field_selector, parse_label_selector
from irtui.sim.store import Gone, Store, WatchEvent, dumps

WATCH_BACKLOG_LIMIT = 500_000  # a watcher this far behind is cut off; it will relist
BOOKMARK_INTERVAL = 1.0  # real seconds between BOOKMARK events; cheap, and clients resume closer


class Watches:
    """Streams of watch events, one per request, until the client, a timeout or shutdown ends it."""

    def __init__(self, store: Store, clock: SimClock, long: LongRequests) -> None:
        self.store = store
        self.clock = clock
        self.long = long

    async def watch(self, request: web.Request, info: RequestInfo, res: Resource) -> web.StreamResponse:
        kind = store_kind(res)
        query = request.query
        labels = parse_label_selector(query.get("labelSelector"))
        fields = parse_field_selector(query.get("fieldSelector"), kind)
        namespace = info.namespace
        name = info.name  # the legacy /watch/.../NAME form
        bookmarks = flag(query.get("allowWatchBookmarks"))
        timeout = float(query["timeoutSeconds"]) if query.get("timeoutSeconds") else None
        as_table = wants(request.headers.get("Accept", ""), "Table")
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
        self.long.add(wake)

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
            next_bookmark = loop.time() + BOOKMARK_INTERVAL
            while not self.long.closing:
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
                    if len(pending) > WATCH_BACKLOG_LIMIT:
                        break
                    batch = pending[:]
                    pending.clear()
                    await response.write(b"".join(encode(*e) for e in batch))
                now = loop.time()
                if bookmarks and now >= next_bookmark:
                    bookmark = {"kind": res.kind, "apiVersion": res.api_version,
                                "metadata": {"resourceVersion": str(self.store.resource_version)}}
                    await response.write(dumps({"type": "BOOKMARK", "object": bookmark}) + b"\n")
                    next_bookmark = now + BOOKMARK_INTERVAL
                if deadline is not None and now >= deadline:
                    break
            return response
        except (ConnectionResetError, ConnectionError):
            return response
        finally:
            self.store.remove_watch_listener(listener)
            self.long.discard(wake)
