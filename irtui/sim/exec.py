"""`pods/exec`: the WebSocket channel protocol that kubectl and the Python client speak.

A client opens `GET /api/v1/namespaces/NS/pods/POD/exec?command=...&container=...&stdout=true`
with `Upgrade: websocket` and the subprotocol `v5.channel.k8s.io` (or `v4.channel.k8s.io`).
Every binary message starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 the final
`Status` (with an `ExitCode` cause when the command failed), 4 terminal resize; in v5, 255
closes a channel (`[255, 0]`: the client is done with stdin).

Refusals before the upgrade (no such pod, container not running) are ordinary `Status`
responses, so kubectl prints them as it does against a real cluster; kubectl then retries over
SPDY and gets the same answer. The command itself runs in `irtui.sim.shell`.

After the upgrade the server speaks in the API server's order (its stream translator):
an empty message on the lowest channel it will write (stdout, else stderr, else the status
channel) to say the connection is up; the process's output once the runtime has started it;
the `Status` on channel 3; then a close frame, reading the client's close in return.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from irtui.sim import shell
from irtui.sim.api.http import container_name
from irtui.sim.errors import ApiError, not_found

if TYPE_CHECKING:
    from irtui.sim.store import Store
    from irtui.sim.world import World

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
CHUNK = 4096  # bytes per stdout/stderr message, as a container runtime's pipe reads them
# Real seconds between the upgrade and the process's first output. A container runtime takes
# tens of milliseconds to start an exec'd process, and clients rely on it: kubectl up to
# v1.32 (client-go before kubernetes/kubernetes#131203) starts reading the connection before
# it has set up its streams, drops the messages that arrive first ("Unknown stream id 3,
# discarding message") and fails with "closed all streams" if the close came with them.
START_LATENCY = 0.05


def _bool(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


def _env(store: Store, pod: dict, container: dict) -> dict[str, str]:
    """The container's environment as the kubelet builds it: literals, ConfigMap and Secret keys."""
    ns = pod["metadata"].get("namespace")
    env: dict[str, str] = {}
    for entry in container.get("env") or []:
        name = entry.get("name", "")
        if "value" in entry:
            env[name] = str(entry["value"])
            continue
        ref = entry.get("valueFrom") or {}
        if "configMapKeyRef" in ref:
            key = ref["configMapKeyRef"]
            cm = store.get("configmaps", ns, key.get("name", "")) or {}
            env[name] = str((cm.get("data") or {}).get(key.get("key", ""), ""))
        elif "secretKeyRef" in ref:
            key = ref["secretKeyRef"]
            secret = store.get("secrets", ns, key.get("name", "")) or {}
            raw = (secret.get("data") or {}).get(key.get("key", ""), "")
            try:
                env[name] = base64.b64decode(raw).decode("utf-8", "replace")
            except ValueError:
                env[name] = ""
    return env


def _exit_status(code: int, argv: list[str]) -> dict:
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {}, "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command {json.dumps(argv)}, "
                   f"exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


class ExecRequest:
    """One exec, checked against the pod before any upgrade."""

    def __init__(self, request: web.Request, store: Store, world: World, namespace: str, name: str) -> None:
        query = request.query
        self.argv = query.getall("command", [])
        if not self.argv:
            raise ApiError(400, "you must specify at least 1 command")
        self.stdout = _bool(query.get("stdout"))
        self.stderr = _bool(query.get("stderr"))
        if not (self.stdout or self.stderr or _bool(query.get("stdin"))):
            raise ApiError(400, "you must specify at least 1 of stdin, stdout, stderr")
        self.first_channel = STDOUT if self.stdout else STDERR if self.stderr else ERROR
        pod = store.get("pods", namespace, name)
        if pod is None:
            raise not_found("pods", name)
        wanted = container_name(pod, query.get("container"))
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            raise ApiError(400, f"cannot exec into a container in a completed pod; current phase is {phase}")
        rt = world.pods.get((namespace, name))
        if rt is None or not (pod.get("spec") or {}).get("nodeName"):
            raise ApiError(400, f"pod {name} does not have a host assigned")
        node = world.nodes.get(rt.node or "")
        if node is not None and not node.kubelet_up:
            raise ApiError(500, f"error dialing backend: dial tcp {node.ip}:10250: i/o timeout")
        runtime = next((c for c in rt.containers if c.name == wanted), None)
        if runtime is None or runtime.state != "running":
            raise ApiError(400, f'unable to upgrade connection: container not found ("{wanted}")')
        self.world = world
        self.pod = rt
        self.container = wanted
        self.env = _env(store, pod, next(c for c in pod["spec"]["containers"] if c.get("name") == wanted))


async def handle(request: web.Request, store: Store, world: World, namespace: str, name: str) -> web.StreamResponse:
    """Serve one exec; `ApiError` before the upgrade becomes the response's Status."""
    exec_request = ExecRequest(request, store, world, namespace, name)
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise ApiError(400, "Upgrade request required: this server speaks the WebSocket channel protocols "
                            f"({', '.join(PROTOCOLS)}), not SPDY", "BadRequest")
    ws = web.WebSocketResponse(protocols=PROTOCOLS, heartbeat=None, max_msg_size=1 << 20)
    if not ws.can_prepare(request).ok:
        raise ApiError(400, "unable to upgrade connection: no supported channel subprotocol requested "
                            f"(want one of {', '.join(PROTOCOLS)})")
    await ws.prepare(request)
    reader = asyncio.ensure_future(_drain(ws))
    try:
        await ws.send_bytes(bytes([exec_request.first_channel]))
        done, _ = await asyncio.wait({reader}, timeout=START_LATENCY)
        if done:
            return ws  # the client left before the process started
        result = shell.run(world, exec_request.pod, exec_request.container, exec_request.argv, exec_request.env)
        for channel, text in result.chunks:
            if (channel == shell.STDOUT and not exec_request.stdout) or (
                    channel == shell.STDERR and not exec_request.stderr):
                continue
            data = text.encode()
            for start in range(0, len(data), CHUNK):
                await ws.send_bytes(bytes([channel]) + data[start:start + CHUNK])
        if result.sleep:
            # A process that runs a while; the client going away ends it, as it would the exec.
            done, _ = await asyncio.wait({reader}, timeout=result.sleep)
            if done:
                return ws
        await ws.send_bytes(bytes([ERROR]) + json.dumps(_exit_status(result.code, exec_request.argv)).encode())
        reader.cancel()  # close() reads the client's closing handshake itself
        await ws.close()
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        reader.cancel()
    return ws


async def _drain(ws: web.WebSocketResponse) -> None:
    """Read (and ignore) what the client sends: stdin, resizes, channel closes; return when it leaves."""
    async for message in ws:
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            break
