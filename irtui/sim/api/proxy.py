"""The services/proxy subresource: what a Service's endpoint answers, through the API server.

`/api/v1/namespaces/NS/services/[scheme:]NAME[:PORT]/proxy/PATH` reaches the world's simulated
service (its `/health`, `/metrics`, ...), as `kubectl get --raw` and the health checks use it.
A Service without that port, or without ready endpoints, answers 503 as the real proxy does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from irtui.sim.api.http import RequestInfo
from irtui.sim.errors import ApiError, not_found
from irtui.sim.store import Store

if TYPE_CHECKING:
    from irtui.sim.world import World


async def service_proxy(store: Store, world: World, request: web.Request, info: RequestInfo) -> web.Response:
    name, _, port = (info.name or "").partition(":")
    if name in ("http", "https") and port:
        name, _, port = port.partition(":")  # scheme:name:port
    service = store.get("services", info.namespace, name)
    if service is None:
        raise not_found("services", name)
    ports = (service.get("spec") or {}).get("ports") or []
    if not port:
        if not ports:
            raise ApiError(503, f'no endpoints available for service "{name}"', "ServiceUnavailable")
        port = ports[0].get("name") or str(ports[0].get("port"))
    elif not any(port in (p.get("name"), str(p.get("port"))) for p in ports):
        raise ApiError(503, f'no endpoints available for service "{info.name}"', "ServiceUnavailable")
    path = "/" + "/".join(info.extra)
    if request.path.endswith("/") and path != "/":
        path += "/"
    try:
        answer = world.service_endpoint(info.namespace, name, port, path)
    except KeyError:
        raise ApiError(503, f'no endpoints available for service "{info.name}"', "ServiceUnavailable") from None
    return endpoint_response(*answer)


def endpoint_response(status: int, content_type: str, body: str | bytes) -> web.Response:
    """What a simulated service's endpoint answered, as the HTTP response that carries it."""
    response = web.Response(body=body.encode() if isinstance(body, str) else body, status=status)
    response.headers["Content-Type"] = content_type
    return response
