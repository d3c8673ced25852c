"""The paths outside any resource: version, health, and the discovery documents.

`kubectl` and the Python client read `/version`, `/api` and `/apis` (and each group's
resource list) before anything else to learn what the server serves; the documents themselves
are built by `irtui.sim.discovery` from the one catalogue of resources.
"""

from __future__ import annotations

from aiohttp import web

from irtui.sim import discovery
from irtui.sim.api.http import json_response
from irtui.sim.errors import no_such_resource

PUBLIC_PATHS = {"/version", "/version/", "/healthz", "/livez", "/readyz"}


def non_resource(request: web.Request) -> web.Response:
    """/version, the health endpoints, and the discovery documents under /api and /apis."""
    path = request.path.rstrip("/") or "/"
    if path == "/version":
        return json_response(discovery.K8S_VERSION)
    if path in ("/healthz", "/livez", "/readyz"):
        return web.Response(text="ok")
    if path == "/api":
        host = request.host or ""
        return json_response(discovery.api_versions(host))
    if path == "/apis":
        return json_response(discovery.api_group_list())
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) == 2:
        doc = discovery.resource_list("", parts[1])
        if doc:
            return json_response(doc)
    if parts[0] == "apis" and len(parts) == 2:
        doc = discovery.api_group(parts[1])
        if doc:
            return json_response(doc)
    if parts[0] == "apis" and len(parts) == 3:
        doc = discovery.resource_list(parts[1], parts[2])
        if doc:
            return json_response(doc)
    raise no_such_resource()
