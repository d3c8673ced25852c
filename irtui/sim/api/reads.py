"""GET of one object or a whole collection: JSON, server-side Tables, metadata only, pages.

Objects are served from the store's cached bytes, so a list of 10,000 pods is those bytes
joined rather than 10,000 serializations. `limit` and `continue` page a list as the real API
server does (the continue token names where the next page starts), and `Accept: ...;as=Table`
answers with the server-side Table that `kubectl get` prints.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from aiohttp import web

from irtui.sim import tables
from irtui.sim.api.http import RequestInfo, json_response, lookup, raw_response, select, store_kind, wants
from irtui.sim.clock import SimClock
from irtui.sim.discovery import Resource
from irtui.sim.errors import ApiError
from irtui.sim.store import Store, dumps


def _encode_continue(rv: int, key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"rv": rv, "start": list(key)}).encode()).decode()


def _decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(data["rv"]), (data["start"][0], data["start"][1])
    except Exception:
        raise ApiError(400, "continue key is not valid") from None



class Reads:
    """get and list, over the store."""

    def __init__(self, store: Store, clock: SimClock) -> None:
        self.store = store
        self.clock = clock

    def get_object(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = store_kind(res)
        obj = lookup(self.store, info, res)
        accept = request.headers.get("Accept", "")
        if wants(accept, "Table"):
            return json_response(tables.table(kind, [obj], self.clock.now(),
                                              include=request.query.get("includeObject", "Metadata"),
                                              resource_version=obj["metadata"]["resourceVersion"]))
        if wants(accept, "PartialObjectMetadata"):
            return json_response(tables.partial_metadata(obj))
        return raw_response(self.store.get_raw(kind, info.namespace, info.name))

    def list_objects(self, request: web.Request, info: RequestInfo, res: Resource) -> web.Response:
        kind = store_kind(res)
        query = request.query
        after = _decode_continue(query["continue"])[1] if query.get("continue") else None
        items = select(self.store, request, info, kind, after)
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
        if wants(accept, "Table"):
            return json_response(tables.table(kind, [o for o, _ in items], self.clock.now(),
                                              include=query.get("includeObject", "Metadata"),
                                              resource_version=str(rv), continue_token=continue_token))
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if continue_token:
            meta["continue"] = continue_token
            meta["remainingItemCount"] = remaining
        if wants(accept, "PartialObjectMetadataList"):
            return json_response({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                                  "metadata": meta, "items": [tables.partial_metadata(o) for o, _ in items]})
        head = dumps({"kind": res.list_kind, "apiVersion": res.api_version, "metadata": meta})
        # The list is the cached bytes of each object joined: no per-object serialization.
        body = head[:-1] + b',"items":[' + b",".join(r for _, r in items) + b"]}"
        return raw_response(body)
