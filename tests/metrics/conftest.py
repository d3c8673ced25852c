"""Real servers for the metrics tests: an HTTP server serving Prometheus text the test
controls, and a real Prometheus (the Debian package) scraping whatever the test names.
"""

from __future__ import annotations

import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from metrics_servers import Prometheus, TextServer, free_port
from polling import until_sync


@pytest.fixture
def text_server():
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            service = self.path.rsplit("/", 1)[-1]
            make = state["server"].body.get(service)
            state["server"].hits[service] = state["server"].hits.get(service, 0) + 1
            if make is None:
                self.send_response(404)
                self.end_headers()
                self.wfile.write(b"no such service\n")
                return
            payload = make(time.time()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server = TextServer(f"http://127.0.0.1:{httpd.server_address[1]}", httpd)
    state["server"] = server
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield server
    server.stop()


def root_helper(config: pytest.Config, name: str):
    """A helper from tests/conftest.py (every conftest is a module named "conftest", so it
    cannot be imported by name from here; pytest registers each under its path)."""
    root = config.pluginmanager.get_plugin(str(Path(__file__).resolve().parents[1] / "conftest.py"))
    return getattr(root, name)


@pytest.fixture
def prometheus_factory(tmp_path, request):
    """Start a real Prometheus scraping `targets` ({job: (host:port, metrics_path)}) every 1s."""
    binary = root_helper(request.config, "require_tool")("prometheus")
    started: list[Prometheus] = []

    def start(targets: dict[str, tuple[str, str]]) -> Prometheus:
        port = free_port()
        config = tmp_path / "prometheus.yml"
        jobs = "".join(
            f"  - job_name: {job!r}\n    metrics_path: {path!r}\n    static_configs:\n      - targets: [{hostport!r}]\n"
            for job, (hostport, path) in targets.items()
        )
        config.write_text(f"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n{jobs}")
        log = open(tmp_path / "prometheus.log", "wb")
        proc = subprocess.Popen([
            binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        ], stdout=log, stderr=subprocess.STDOUT)
        prom = Prometheus(f"http://127.0.0.1:{port}", proc)
        started.append(prom)

        def ready() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {Path(log.name).read_text()[-2000:]}")
            try:
                return httpx.get(f"{prom.url}/-/ready", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        until_sync(ready, "prometheus to be ready", step=0.2)
        return prom

    yield start
    for prom in started:
        prom.proc.terminate()
        try:
            prom.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            prom.proc.kill()
            prom.proc.wait()
