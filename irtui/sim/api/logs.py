"""`pods/log`: a container's log, its previous run's, tailed, limited, or followed.

The lines come from the world (each container's runs tell what the scenarios made them do),
followed by whatever a test wrote into the pod's log through the control API. A follow polls
for new lines four times a second and ends when the pod is replaced or the server stops.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from irtui.sim.api.http import LongRequests, RequestInfo, container_name, flag
from irtui.sim.errors import ApiError, method_not_allowed, not_found
from irtui.sim.store import Store

if TYPE_CHECKING:
    from irtui.sim.world import World


class Logs:
    """Pod logs; `written` holds the lines written through `POST /sim/logs/NS/POD`."""

    def __init__(self, store: Store, world: World, long: LongRequests) -> None:
        self.store = store
        self.world = world
        self.long = long
        self.written: dict[tuple[str, str], list[str]] = {}

    def write(self, namespace: str, pod: str, lines: list[str]) -> int:
        """Append lines after what the pod logs itself (a follow sees them within 0.25 s)."""
        self.written.setdefault((namespace, pod), []).extend(lines)
        return len(self.written[(namespace, pod)])

    async def pod_log(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        if request.method != "GET":
            raise method_not_allowed()
        pod = self.store.get("pods", info.namespace, info.name)
        if pod is None:
            raise not_found("pods", info.name or "")
        query = request.query
        container = container_name(pod, query.get("container"), init_containers=True)
        previous = flag(query.get("previous"))
        follow = flag(query.get("follow")) and not previous
        tail = int(query["tailLines"]) if query.get("tailLines") else None

        def fetch() -> list[str]:
            try:
                return [*self.world.pod_logs(info.namespace, info.name, container, previous),
                        *([] if previous else self.written.get((info.namespace or "", info.name or ""), []))]
            except KeyError:
                if previous:
                    raise ApiError(400, f'previous terminated container "{container}" in pod "{info.name}" not found') from None
                raise ApiError(400, f'container "{container}" in pod "{info.name}" is waiting to start: '
                                    "ContainerCreating") from None

        lines = fetch()
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        limit_bytes = int(query["limitBytes"]) if query.get("limitBytes") else None
        text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        if not follow:
            body = text.encode()
            if limit_bytes is not None:
                body = body[:limit_bytes]
            return web.Response(body=body, content_type="text/plain")
        response = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        wake = asyncio.Event()
        self.long.add(wake)
        try:
            await response.prepare(request)
            if text:
                await response.write(text.encode())
            sent = fetch()
            while not self.long.closing:
                try:
                    await asyncio.wait_for(wake.wait(), timeout=0.25)
                except asyncio.TimeoutError:
                    pass
                current = self.store.get("pods", info.namespace, info.name)
                if current is None or current["metadata"]["uid"] != pod["metadata"]["uid"]:
                    break
                try:
                    latest = fetch()
                except ApiError:
                    continue
                new = _new_lines(sent, latest)
                if new:
                    await response.write("".join(line if line.endswith("\n") else line + "\n" for line in new).encode())
                sent = latest
            return response
        except (ConnectionResetError, ConnectionError):
            return response
        finally:
            self.long.discard(wake)


def _new_lines(sent: list[str], latest: list[str]) -> list[str]:
    """Lines of `latest` after the last line already sent, even if the log was trimmed."""
    if not sent:
        return latest
    if len(latest) >= len(sent) and latest[:len(sent)] == sent:
        return latest[len(sent):]
    last = sent[-1]
    for i in range(len(latest) - 1, -1, -1):
        if latest[i] == last:
            return latest[i + 1:]
    return latest
