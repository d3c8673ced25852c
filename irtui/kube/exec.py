"""Running a command in a container: `pods/exec` through the official client's stream support.

`run_exec` opens the WebSocket (channel protocol v5, or v4 on older servers), hands every
stdout/stderr chunk to a callback as it arrives, stops when asked to, and returns the exit
code from the final `Status`. `kubectl_command` is the line a human would type for the same
exec.

Read-only is enforced here, below any screen: an exec is a create on `pods/exec`. The stream
helper does not go through the session's `GuardedRESTClient` (it swaps `ApiClient.request`
for its own WebSocket call while it connects), so the guard is asked before the socket is
opened. That same swap would send another thread's request over a WebSocket if it shared the
`ApiClient`, so each exec gets its own client on the session's configuration.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from irtui.kube import kubeconfig as kubeconfig_module
from irtui.safety import Guard

k8s = kubeconfig_module.import_client()

if TYPE_CHECKING:
    from kubernetes.stream.ws_client import WSClient

    from irtui.kube.rest import GuardedApiClient

STDOUT, STDERR, ERROR = 1, 2, 3
POLL_SECONDS = 0.1  # how long one read waits; also how soon a cancel is noticed


class ExecError(Exception):
    """The exec could not start (no such pod, container not running, forbidden): one line."""


@dataclass(frozen=True)
class ExecResult:
    """How an exec ended. `exit_code` is None when it was cancelled or the connection dropped."""

    exit_code: int | None
    cancelled: bool = False
    error: str = ""


def kubectl_command(namespace: str, pod: str, container: str | None, argv: list[str],
                    context: str | None = None) -> str:
    """`kubectl exec -n NS POD -c C -- argv`, quoted so it can be pasted into a shell."""
    words = ["kubectl"]
    if context:
        words += ["--context", context]
    words += ["exec", "-n", namespace, pod]
    if container:
        words += ["-c", container]
    return shlex.join([*words, "--", *argv])


def run_exec(api_client: GuardedApiClient, guard: Guard, namespace: str, pod: str, container: str | None, argv: list[str], *,
             on_output: Callable[[int, bytes], None], cancelled: Callable[[], bool] = lambda: False,
             read_only_ok: bool = False) -> ExecResult:
    """Run `argv` in the container and stream its output; blocking (call it from a thread).

    `read_only_ok`: the caller has established that this command only reads and that the
    configuration allows such execs in a read-only session; otherwise a read-only guard refuses.
    """
    if not read_only_ok:
        guard.check(f"create pods/exec {namespace}/{pod} ({shlex.join(argv)})")
    from kubernetes.stream import stream

    api = k8s.CoreV1Api(k8s.ApiClient(api_client.configuration))
    kwargs = {"command": list(argv), "stdin": False, "stdout": True, "stderr": True, "tty": False}
    if container:
        kwargs["container"] = container
    try:
        client = stream(api.connect_get_namespaced_pod_exec, pod, namespace, _preload_content=False,
                        binary=True, **kwargs)
    except Exception as exc:  # ApiException(status=0) wrapping the handshake's refusal
        raise ExecError(_refusal(exc)) from None
    try:
        while client.is_open():
            if cancelled():
                return ExecResult(None, cancelled=True)
            client.update(timeout=POLL_SECONDS)
            _forward(client, on_output)
        _forward(client, on_output)
        return _ended(client.read_channel(ERROR))
    finally:
        client.close()


def _forward(client: WSClient, on_output: Callable[[int, bytes], None]) -> None:
    for channel in (STDOUT, STDERR):
        data = client.read_channel(channel)
        if data:
            on_output(channel, data)


def _ended(raw: bytes | str) -> ExecResult:
    if not raw:
        return ExecResult(None, error="the connection closed before the command's exit status arrived")
    try:
        status = json.loads(raw)
    except ValueError:
        return ExecResult(None, error=f"unreadable exit status: {raw[:200]!r}")
    if status.get("status") == "Success":
        return ExecResult(0)
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return ExecResult(int(cause.get("message", "")))
            except ValueError:
                break
    return ExecResult(None, error=str(status.get("message") or status))


def _refusal(exc: BaseException) -> str:
    """The API server's own message from a refused upgrade (404, 403, 400), else the error."""
    inner = exc.__context__ or exc.__cause__ or exc
    body = getattr(inner, "resp_body", None)
    code = getattr(inner, "status_code", None)
    if body:
        try:
            message = json.loads(body).get("message")
        except (ValueError, AttributeError):
            message = None
        if message:
            return f"{code}: {message}" if code else str(message)
    text = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:300]
