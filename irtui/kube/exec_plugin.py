"""A kubeconfig user's `exec` credential plugin (aws, gke-gcloud-auth-plugin, kubelogin, ...),
run with a deadline and its own words on failure.

The official loader runs the plugin without a timeout (a plugin waiting on a browser login or
a dead metadata server leaves irtui blank forever) and, when the plugin fails, logs the error
and carries on without credentials, so the panes only say "401 Unauthorized". Here:

- the plugin runs as kubectl runs it (argv, `env`, `KUBERNETES_EXEC_INFO`, from the directory
  of the kubeconfig that names it), never interactively: irtui owns the terminal;
- it has `EXEC_TIMEOUT` seconds; then it is killed, with anything it started, and the error
  is "exec plugin X did not answer within 30 s";
- a failure is the first line of what the plugin wrote on stderr, with anything token-like
  redacted: that line is the connection error the responder sees;
- a token with an expiry is fetched again shortly before it expires, on the thread that
  needs it (a failure then shows in the pane that made the request).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from irtui.redact import redact_text

# Long enough for a plugin that refreshes through a cloud's token endpoint on a slow link
# (seconds), short enough that a plugin stuck on a browser login or an unreachable metadata
# server is reported while the responder is still looking at the screen.
EXEC_TIMEOUT = 30.0
REFRESH_BEFORE = 60.0  # seconds before a token's expiry when it is fetched again
RETRY_AFTER = 10.0  # seconds a failed run is the answer before the plugin is run again


class ExecPluginError(Exception):
    """The plugin failed, did not answer, or answered something that is not a credential."""


class ExecPlugin:
    """One user's plugin; `credential()` is its last answer's `status`, fetched when due."""

    def __init__(self, spec: dict[str, Any], cwd: str, cluster: dict[str, Any] | None = None) -> None:
        command = spec.get("command")
        if not command:
            raise ExecPluginError("exec plugin: the kubeconfig names no command")
        self.name = str(command)
        self.argv = [self.name, *(str(a) for a in spec.get("args") or ())]
        self.api_version = str(spec.get("apiVersion") or "client.authentication.k8s.io/v1")
        self.env = {str(e.get("name")): str(e.get("value", "")) for e in spec.get("env") or () if isinstance(e, dict)}
        self.install_hint = str(spec.get("installHint") or "")  # what kubectl shows when it is missing
        self.cwd = cwd
        self.cluster = cluster if spec.get("provideClusterInfo") else None
        self._status: dict[str, Any] | None = None
        self._expires: float | None = None
        self._failure: tuple[float, ExecPluginError] | None = None  # (when, what) of the last failed run
        self._lock = threading.Lock()

    def credential(self) -> dict[str, Any]:
        with self._lock:
            if self._status is None or (self._expires is not None and time.time() >= self._expires - REFRESH_BEFORE):
                if self._failure is not None and time.monotonic() < self._failure[0] + RETRY_AFTER:
                    raise self._failure[1]
                try:
                    status = self._run()
                except ExecPluginError as exc:
                    # Every source thread asks at once; one run (up to EXEC_TIMEOUT) answers
                    # them all, instead of each running the plugin again in turn.
                    self._failure = (time.monotonic(), exc)
                    raise
                self._failure = None
                self._status = status
                self._expires = _expiry(status.get("expirationTimestamp"))
            return self._status

    def token(self) -> str | None:
        return self.credential().get("token") or None

    def _exec_info(self) -> str:
        spec: dict[str, Any] = {"interactive": False}
        if self.cluster is not None:
            spec["cluster"] = self.cluster
        return json.dumps({"apiVersion": self.api_version, "kind": "ExecCredential", "spec": spec})

    def _run(self) -> dict[str, Any]:
        env = {**os.environ, **self.env, "KUBERNETES_EXEC_INFO": self._exec_info()}
        try:
            # Its own session: on a timeout the whole group goes, a shell script's children too.
            proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=self.cwd, env=env, start_new_session=True)
        except OSError as exc:
            hint = f" ({_first_line(self.install_hint.encode())})" if self.install_hint else ""
            raise ExecPluginError(f"exec plugin {self.name}: cannot run it: {exc.strerror or exc}{hint}") from None
        try:
            stdout, stderr = proc.communicate(timeout=EXEC_TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ExecPluginError(f"exec plugin {self.name} did not answer within {EXEC_TIMEOUT:g} s") from None
        except BaseException:  # interrupted (SIGTERM while connecting): leave nothing behind
            _kill_group(proc)
            raise
        if proc.returncode != 0:
            said = _first_line(stderr)  # not stdout: that is where a credential would be
            detail = f": {redact_text(said)}" if said else f" exited with code {proc.returncode}"
            raise ExecPluginError(f"exec plugin {self.name}{detail}")
        try:
            doc = json.loads(stdout)
            status = doc["status"]
            if not isinstance(status, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise ExecPluginError(f"exec plugin {self.name} answered something that is not an "
                                  "ExecCredential") from None
        if doc.get("apiVersion") != self.api_version:
            raise ExecPluginError(f"exec plugin {self.name} answered apiVersion {doc.get('apiVersion')!r}, "
                                  f"not {self.api_version!r}")
        if not status.get("token") and not status.get("clientCertificateData"):
            raise ExecPluginError(f"exec plugin {self.name} answered no token and no client certificate")
        return status


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def _first_line(data: bytes) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


def _expiry(stamp: Any) -> float | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def cluster_info(cluster: dict[str, Any], ca_file: str | None) -> dict[str, Any]:
    """The cluster as `provideClusterInfo` hands it to the plugin (client-go's field names)."""
    info: dict[str, Any] = {"server": cluster.get("server", "")}
    if cluster.get("tls-server-name"):
        info["tlsServerName"] = cluster["tls-server-name"]
    if cluster.get("insecure-skip-tls-verify"):
        info["insecureSkipTLSVerify"] = True
    if ca_file:
        try:
            info["certificateAuthorityData"] = base64.b64encode(Path(ca_file).read_bytes()).decode()
        except OSError:
            pass
    if cluster.get("proxy-url"):
        info["proxyURL"] = cluster["proxy-url"]
    for extension in cluster.get("extensions") or ():
        if isinstance(extension, dict) and extension.get("name") == "client.authentication.k8s.io/exec":
            info["config"] = extension.get("extension")
    return info
