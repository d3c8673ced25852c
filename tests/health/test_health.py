"""Service health checks and their pane, against a real HTTP server the test controls."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from textual.app import App, ComposeResult

from irtui.config import Config, ConfigError
from irtui.health.checks import HealthChecker, HealthSettings, make_transport
from irtui.safety import Guard
from irtui.ui.panes.health import HealthPane
from irtui.ui.widgets.virtual_table import CellTable

from polling import until


@pytest.fixture
def health_server():
    """`GET /health/{service}`: answers from `replies` {service: (status, body)}, counts hits."""
    state = {"replies": {}, "hits": {}}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            service = self.path.rsplit("/", 1)[-1]
            state["hits"][service] = state["hits"].get(service, 0) + 1
            status, body = state["replies"].get(service, (404, "no such service"))
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}/health/{{service}}"
    yield state
    httpd.shutdown()
    httpd.server_close()


SERVICES = ("api-gateway", "task-service", "emr-service")


def checker_for(server) -> HealthChecker:
    settings = HealthSettings(services=SERVICES, url=server["url"], interval=3600, timeout=3)
    return HealthChecker(settings, make_transport(settings, Guard(read_only=True)))


async def test_check_all_reports_status_latency_and_the_first_line_of_a_failure(health_server):
    health_server["replies"].update({
        "api-gateway": (200, '{"status":"ok"}'),
        "task-service": (503, "database connection pool exhausted (20/20 in use)\nat Pool.acquire (pool.js:88)\n"),
    })
    checker = checker_for(health_server)
    try:
        results = {r.service: r for r in await checker.check_all()}
        assert results["api-gateway"].ok and results["api-gateway"].status == 200
        assert results["api-gateway"].latency is not None and results["api-gateway"].latency >= 0
        bad = results["task-service"]
        assert not bad.ok and bad.status == 503
        assert bad.detail == "database connection pool exhausted (20/20 in use)"
        assert results["emr-service"].status == 404 and results["emr-service"].detail == "no such service"
        assert all(health_server["hits"][s] == 1 for s in SERVICES)
    finally:
        await checker.aclose()


async def test_unreachable_service_says_why():
    settings = HealthSettings(services=("api-gateway",), url="http://127.0.0.1:9/{service}/health", timeout=2)
    checker = HealthChecker(settings, make_transport(settings, Guard()))
    try:
        (result,) = await checker.check_all()
        assert not result.ok and result.status is None and "ConnectError" in result.detail
    finally:
        await checker.aclose()


class PaneApp(App):
    def __init__(self, pane):
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


async def test_pane_shows_each_service_and_one_key_reruns_all(health_server):
    health_server["replies"].update({s: (200, "ok") for s in SERVICES})
    health_server["replies"]["emr-service"] = (500, "EMR upstream: OAuth token expired\n")
    pane = HealthPane(checker_for(health_server))
    async with PaneApp(pane).run_test(size=(160, 20)) as pilot:
        await until(lambda: pane.rounds == 1, what="the first round", pilot=pilot)
        await pilot.pause()
        table = pane.query_one(CellTable)
        assert str(table.get_cell("api-gateway", "status")) == "● healthy"
        assert str(table.get_cell("emr-service", "status")) == "✗ FAILING"
        assert str(table.get_cell("emr-service", "code")) == "500"
        assert str(table.get_cell("emr-service", "detail")) == "EMR upstream: OAuth token expired"
        assert "failing: emr-service" in str(pane.query_one("#health-status").render())

        # emr-service recovers; one key re-runs every check (the server sees each again).
        health_server["replies"]["emr-service"] = (200, "ok")
        table.focus()
        await pilot.press("r")
        await until(lambda: pane.rounds == 2, what="the second round", pilot=pilot)
        await pilot.pause()
        assert all(health_server["hits"][s] == 2 for s in SERVICES)
        assert str(table.get_cell("emr-service", "status")) == "● healthy"
        assert str(table.get_cell("emr-service", "history")) == "✗●"
        assert "all 3 services healthy" in str(pane.query_one("#health-status").render())


def test_bad_health_config_names_file_line_and_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[health]\nport = 3000\ninterval = -1\n')
    with pytest.raises(ConfigError) as err:
        HealthSettings.from_config(Config.load(path))
    assert f"{path}:3: health.interval" in str(err.value)


async def test_pane_from_config_checks_the_configured_services(health_server, tmp_path):
    health_server["replies"].update({"api-gateway": (200, "ok"), "task-service": (503, "pool exhausted\n")})
    path = tmp_path / "config.toml"
    path.write_text(f'[health]\nservices = ["api-gateway", "task-service"]\nurl = "{health_server["url"]}"\n'
                    'interval = 3600\n')
    pane = HealthPane.from_config(Config.load(path), Guard(read_only=True))
    async with PaneApp(pane).run_test(size=(160, 20)) as pilot:
        await until(lambda: pane.rounds == 1, what="the first round", pilot=pilot)
        await pilot.pause()
        table = pane.query_one(CellTable)
        assert list(table.rows) == ["api-gateway", "task-service"]
        assert str(table.get_cell("task-service", "detail")) == "pool exhausted"


FALLBACK = ('{"status":"degraded","mode":"fallback","service":"emr-service",'
            '"checks":{"database":"ok","emr":"unavailable (serving cached data)"}}')


async def test_the_body_status_word_decides_between_healthy_degraded_and_failing(health_server):
    health_server["replies"].update({
        "api-gateway": (200, '{"status":"ok","checks":{"database":"ok"}}'),
        "task-service": (200, '{"status":"down","error":"database unavailable"}'),
        "emr-service": (200, FALLBACK),
    })
    checker = checker_for(health_server)
    try:
        results = {r.service: r for r in await checker.check_all()}
    finally:
        await checker.aclose()
    assert results["api-gateway"].state == "healthy" and results["api-gateway"].ok
    assert results["task-service"].state == "failing" and results["task-service"].status == 200
    assert results["task-service"].detail == "database unavailable"
    emr = results["emr-service"]
    assert emr.state == "degraded" and not emr.ok and emr.status == 200
    assert emr.detail == "mode fallback; emr: unavailable (serving cached data)"


async def test_a_proxy_that_cannot_be_reached_leaves_the_service_unknown(health_server):
    """Refused by the API server: nothing is known of the service, so it is not FAILING,
    and the count keeps unknown apart from healthy and degraded."""
    import socket

    from kubernetes.client import ApiClient, Configuration

    with socket.socket() as probe:  # a port with nobody listening: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = Configuration()
    config.host = f"http://127.0.0.1:{port}"
    health_server["replies"].update({"api-gateway": (200, '{"status":"ok"}'), "task-service": (200, FALLBACK)})
    settings = HealthSettings(services=SERVICES, interval=3600, timeout=3,
                              urls={s: health_server["url"].format(service=s) for s in SERVICES[:2]})
    api = ApiClient(config)
    checker = HealthChecker(settings, make_transport(settings, Guard(read_only=True), api))
    try:
        results = {r.service: r for r in await checker.check_all()}
    finally:
        await checker.aclose()
        api.close()
    emr = results["emr-service"]
    assert emr.state == "unknown" and emr.status is None
    assert emr.detail == "API server unreachable: connection refused"
    from irtui.health.checks import summarize

    assert summarize(list(results.values())) == "1 healthy, 1 degraded, 1 unknown (API server unreachable)"


async def test_pane_shows_degraded_and_unknown_as_words_and_symbols(health_server):
    health_server["replies"].update({"api-gateway": (200, '{"status":"ok"}'), "emr-service": (200, FALLBACK)})
    health_server["replies"]["task-service"] = (503, '{"status":"error","error":"pool exhausted"}')
    pane = HealthPane(checker_for(health_server))
    async with PaneApp(pane).run_test(size=(160, 20)) as pilot:
        await until(lambda: pane.rounds == 1, what="the first round", pilot=pilot)
        await pilot.pause()
        table = pane.query_one(CellTable)
        assert str(table.get_cell("emr-service", "status")) == "◐ degraded"
        assert str(table.get_cell("emr-service", "code")) == "200"
        assert str(table.get_cell("emr-service", "history")) == "◐"
        assert "emr: unavailable (serving cached data)" in str(table.get_cell("emr-service", "detail"))
        status = str(pane.query_one("#health-status").render())
        assert status.startswith("1 healthy, 1 degraded, 1 failing · failing: task-service · degraded: emr-service"), status


@pytest.fixture
def api_server():
    """An API server that answers /version at once and holds `/…/services/slow…/proxy/…` past
    any timeout: a hung service behind a working proxy."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if "/services/slow" in self.path:
                release.wait(30)
                return
            payload = b'{"major":"1","minor":"32","gitVersion":"v1.32.0"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    release.set()
    httpd.shutdown()
    httpd.server_close()


def _proxy_checker(host: str, services: tuple[str, ...]):
    from kubernetes.client import ApiClient, Configuration

    config = Configuration()
    config.host = host
    api = ApiClient(config)
    settings = HealthSettings(services=services, interval=3600, timeout=1)
    return HealthChecker(settings, make_transport(settings, Guard(read_only=True), api)), api


async def test_no_reply_through_a_working_proxy_is_the_service_failing(api_server):
    checker, api = _proxy_checker(api_server, ("slow",))
    try:
        (result,) = await checker.check_all()
    finally:
        await checker.aclose()
        api.close()
    assert (result.state, result.status) == ("failing", None), result
    assert result.detail == "no reply in 1s (the API server answers)"


async def test_no_reply_from_a_silent_api_server_leaves_the_service_unknown():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # connections complete in the backlog; nothing is ever answered
        checker, api = _proxy_checker(f"http://127.0.0.1:{listener.getsockname()[1]}", ("api-gateway",))
        try:
            (result,) = await checker.check_all()
        finally:
            await checker.aclose()
            api.close()
    assert result.state == "unknown" and result.detail.startswith("API server not answering"), result
