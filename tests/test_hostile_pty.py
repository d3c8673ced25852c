"""Acceptance: the hostile corpus, pushed through the cluster, a health body, PostgreSQL and
the incident store into every view, never reaches the terminal as a control sequence.

`irtui` runs as a real process in a pseudo-terminal against the simulator, PostgreSQL and a
health endpoint on 127.0.0.1; the test opens each view by keys and reads every byte the app
writes. Textual's own output is full of ESC sequences, so what is checked is each corpus
sequence's own payload (`hostile.PAYLOADS`): none may appear, the marks that stand for them
must, the process must still be running, and no traceback may have been printed. The same
corpus goes through `irtui report` in both formats.
"""

from __future__ import annotations

import asyncio
import fcntl
import http.server
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from hostile import HOSTILE_POD, NS, PAYLOADS, one_line, plant
from polling import TIMEOUT, until_sync

OSC52_SHOWN = "␛]52;c;aGVsbG8=␇".encode()
TITLE = "Hostile " + one_line()


class PtyApp:
    """A command in a pseudo-terminal of a given size; every byte it writes is kept."""

    def __init__(self, argv: list[str], cols: int = 200, rows: int = 60) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self.buffer = bytearray()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                if self.proc.poll() is not None:
                    return
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.buffer += data

    def output(self) -> bytes:
        with self.lock:
            return bytes(self.buffer)

    def wait_for(self, needle: bytes, what: str, timeout: float = TIMEOUT, since: int = 0) -> None:
        """Until `needle` is written after offset `since`; a process that exits first fails at once."""
        def missing() -> str:
            out = self.output()
            leaked = [name for name, payload in PAYLOADS.items() if payload in out]
            return (f"{what} ({needle!r} to be written; exit {self.proc.poll()}; corpus sequences written raw: "
                    f"{leaked}; last output: {out[-3000:].decode(errors='replace')!r})")

        until_sync(lambda: self.output().find(needle, since) >= 0 or self.proc.poll() is not None, missing,
                   timeout=timeout, step=0.05)
        assert self.output().find(needle, since) >= 0, missing()

    def keys(self, *keys: str) -> None:
        for key in keys:
            os.write(self.master, key.encode())
            time.sleep(0.15)  # as typed: one key at a time, so a lone ESC is read as the escape key

    def back(self, marker: str) -> None:
        """Escape from a full screen (describe, logs), and wait until the main screen, which
        shows `marker`, is drawn again: a key sent on its heels would be read with the ESC as
        one alt+key sequence."""
        since = len(self.output())
        self.keys("\x1b")
        self.wait_for(marker.encode(), "the main screen again", since=since)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)


class _HostileHealth(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (one_line("unhealthy: ") + "\nsecond line").encode()
        self.send_response(503)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def hostile_health():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HostileHealth)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/health"
    server.shutdown()
    server.server_close()


@pytest.fixture
def hostile_query(pg_dsn):
    """A backend running longer than a second whose query text is the corpus."""
    script = ("import asyncio, asyncpg, sys\n"
              "async def main():\n"
              "    conn = await asyncpg.connect(sys.argv[1])\n"
              "    await conn.execute(sys.argv[2])\n"
              "asyncio.run(main())\n")
    query = "SELECT pg_sleep(120), $h$" + one_line().replace("\x00", "") + "$h$"
    proc = subprocess.Popen([sys.executable, "-c", script, pg_dsn, query], stderr=subprocess.DEVNULL)
    yield query
    proc.kill()
    proc.wait()


def _declare_incident(store: Path) -> str:
    """An open incident whose title is the corpus, as another responder's irtui would have
    written it to the shared store."""
    from irtui.incident.boot import start_session

    async def declare() -> str:
        session = await start_session(store=str(store))
        try:
            return await session.declare(TITLE, "P1", ["task-service"])
        finally:
            await session.stop()
            await session.store.close()

    return asyncio.run(declare())


def _task_pod(sim) -> str:
    from hostile import api

    with api(sim) as http:
        pods = http.get(f"/api/v1/namespaces/{NS}/pods", params={"labelSelector": "app=task-service"}).json()
    return next(p["metadata"]["name"] for p in pods["items"] if p["status"].get("phase") == "Running")


def test_corpus_in_every_view_never_reaches_the_terminal(sim, tmp_path, hostile_health, hostile_query, pg_dsn,
                                                         monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    store = tmp_path / "incidents.sqlite"
    incident = _declare_incident(store)
    config = tmp_path / "config.toml"
    config.write_text(f'[health]\ninterval = 2\n[health.urls]\napi-gateway = "{hostile_health}"\n'
                      f'[database]\ndsn = "{pg_dsn}"\nlong_running_minutes = 0.01\ninterval = 1\n')
    log_pod = _task_pod(sim)
    node = plant(sim, log_pod)
    # 139 columns: one pane at a time over its companion, wide enough for the health
    # detail and query columns, which sit at the right of their tables.
    app = PtyApp([sys.executable, "-m", "irtui", "--kubeconfig", sim.kubeconfig, "--store", str(store),
                  "--config", str(config)], cols=139, rows=45)
    try:
        app.wait_for(b"task-service", "the pods pane")
        app.keys("3")
        app.wait_for("BackOff[/x]␛]".encode(), "the events pane")
        app.wait_for(OSC52_SHOWN, "the event message")
        app.keys("4")
        app.wait_for("Hostile ␛[2J ␛]52;c;aGVsbG8=␇".encode(), "the incident's title on the timeline")
        app.keys("\r")  # the highlighted entry's details
        app.wait_for(b"Timeline entry", "the entry's details")
        app.keys("6")
        app.wait_for("unhealthy: ␛[2J".encode(), "the health body")
        app.keys("7")
        app.wait_for("pg_sleep(120), $h$␛[2J".encode(), "the long-running query", timeout=90)
        app.keys("1", "/", *HOSTILE_POD, "\r", "d")
        app.wait_for("busybox:1.36␛[2J".encode(), "describe of the pod")
        app.back(incident)
        app.keys("/", *log_pod, "\r", "l")
        app.wait_for("container task-service".encode(), "the logs screen")
        app.keys("G")
        app.wait_for("secret␈␈␈␈␈␈shown".encode(), "the log lines")
        app.back(incident)
        app.keys("2", "/", *node, "\r", "d")
        app.wait_for("Hostile␛]0;node␇".encode(), "describe of the node")
        app.back(incident)
        time.sleep(1)
        assert app.proc.poll() is None, "irtui ended"
        out = app.output()
    finally:
        app.close()
    leaked = [name for name, payload in PAYLOADS.items() if payload in out]
    assert not leaked, leaked
    assert b"Traceback" not in out and b"MarkupError" not in out

    for fmt in ("md", "json"):
        report = subprocess.run([sys.executable, "-m", "irtui", "report", incident, "--store", str(store),
                                 "--format", fmt], capture_output=True, timeout=120)
        assert report.returncode == 0, report.stderr
        leaked = [name for name, payload in PAYLOADS.items() if payload in report.stdout]
        assert not leaked, (fmt, leaked)


async def test_a_health_body_is_kept_as_visible_text(hostile_health):
    from irtui.health.checks import HealthChecker, HealthSettings, make_transport
    from irtui.safety import Guard

    settings = HealthSettings(services=("api-gateway",), urls={"api-gateway": hostile_health})
    checker = HealthChecker(settings, make_transport(settings, Guard()))
    try:
        [result] = await checker.check_all()
    finally:
        await checker.aclose()
    assert not result.ok and result.status == 503
    assert result.detail.startswith("unhealthy: ␛[2J ␛]52;c;aGVsbG8=␇ ␛]0;pwned-title␇"), result.detail
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in result.detail)
