"""Secrets stay secret, against the real simulator, SQLite and PostgreSQL: the env action sends
the real value and records [REDACTED]; no secret of the corpus reaches the store's bytes,
PostgreSQL's rows, the report, a forensics bundle or the describe screen; key data given
inline in a kubeconfig leaves no file behind after SIGTERM or SIGKILL; a credential is
never sent to an http:// server."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import asyncpg
import pytest
import yaml

from irtui import redact as redaction
from irtui.actions.base import ActionEnv
from irtui.actions.forensics import Collector, verify_folder
from irtui.actions.model import Target
from irtui.actions.settings import ActionSettings
from irtui.config import Config
from irtui.incident.model import Actor
from irtui.incident.session import IncidentSession
from irtui.incident.stores import open_store
from irtui.kube.client import KubeConfigError, connect
from irtui.redact import REDACTED
from irtui.safety import Guard
from irtui.sim.tls import self_signed

from polling import until
from secrets_corpus import CASES, CONFIG, leaks
from war_room_help import declared_elsewhere, isolated, store_rows, war_args  # noqa: F401 (isolated: a fixture)

NS = "emrtask-prod"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def configured(tmp_path):
    """The corpus's `[redaction]` config adopted, the built-in policy restored after."""
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    config = Config.load(path)
    redaction.configure(config)
    yield config
    redaction.configure(Config.empty())


def _files_bytes(*paths: Path) -> bytes:
    return b"".join(p.read_bytes() for p in paths if p.is_file())


def _env_of(sim, deployment: str) -> dict[str, str]:
    obj = json.loads(sim.kubectl("get", "deployment", deployment, "-n", NS, "-o", "json").stdout)
    container = obj["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value") for e in container.get("env") or []}


# --- the env action, by keys, in the war room ----------------------------------------------



async def _set_env(pilot, app, assignment: str):
    """E, the variable typed over the preset, then the confirmation (typing the name when
    asked, as a person does after a repeat); returns what the confirmation showed."""
    from irtui.ui.screens.confirm import ConfirmActionScreen, ParamsScreen

    done = len(app.action_controller.outcomes)
    await pilot.press("E")
    await until(lambda: isinstance(app.screen, ParamsScreen), "the parameters screen", pilot=pilot)
    await pilot.press("end", "ctrl+u", *assignment, "enter")
    return await _confirm(pilot, app, done, ConfirmActionScreen)


async def _confirm(pilot, app, done: int, confirm_screen):
    screen = await until(lambda: isinstance(app.screen, confirm_screen) and app.screen,
                         "the confirmation", timeout=120, pilot=pilot)
    request = screen.request
    if request.typed:
        await pilot.press(*request.typed, "enter")
    else:
        await pilot.press("y")
    await until(lambda: len(app.action_controller.outcomes) > done, "the outcome", timeout=120, pilot=pilot)
    outcome = app.action_controller.outcomes[-1]
    assert outcome.status == "done", outcome
    return request


async def test_env_action_sends_the_real_value_records_redacted_and_undo_restores_it(sim, isolated):
    from irtui.ui.main import open_connection
    from irtui.ui.screens.confirm import ConfirmActionScreen
    from irtui.ui.wiring import war_room

    first, second = "first-pw-1111", "second-pw-2222"
    store_file = isolated / "incidents.sqlite"
    incident_id = await declared_elsewhere(store_file, "database credentials rotated", "P2", ["handover-service"], by=Actor.local("sre"))
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            pods = app.pods_pane
            await until(lambda: pods.selected() is not None, "the pods pane to fill", pilot=pilot)
            await pilot.press("slash", *"handover-service", "enter")
            await until(lambda: (pods.selected() or None) and pods.selected().name.startswith("handover-service"),
                        "a handover-service pod under the cursor", pilot=pilot)
            shown = await _set_env(pilot, app, f"DB_PASS={first}")
            assert shown.target.label == "deployment/handover-service"
            await until(lambda: _env_of(sim, "handover-service").get("DB_PASS") == first,
                        "the first value", pilot=pilot)
            shown_again = await _set_env(pilot, app, f"DB_PASS={second}")
            await until(lambda: _env_of(sim, "handover-service").get("DB_PASS") == second,
                        "the second value", pilot=pilot)
            done = len(app.action_controller.outcomes)
            await pilot.press("U")  # undo: back to the first value, which only memory holds
            undo = await _confirm(pilot, app, done, ConfirmActionScreen)
            await until(lambda: _env_of(sim, "handover-service").get("DB_PASS") == first,
                        "the undone value", pilot=pilot)
            outcomes = list(app.action_controller.outcomes)

    # What the responder (and the room) saw: no value, only its name.
    for request in (shown, shown_again, undo):
        text = " ".join([request.command, *request.summary, request.undo or ""])
        assert first not in text and second not in text and REDACTED in text, text
    for outcome in outcomes:  # what the notifications said
        text = outcome.message + (outcome.undo.description if outcome.undo else "")
        assert first not in text and second not in text, text
    # The real values reached the simulator (read back above), each change after a dry run.
    patches = [r for r in sim.audit() if r["method"] == "PATCH" and r["path"].endswith("/deployments/handover-service")
               and r["status"] < 400]
    assert patches[0]["dry_run"] and [r["dry_run"] for r in patches].count(False) == 3, patches
    # The store holds the actions, redacted: not in a row, not in the file's bytes (WAL included).
    data = _files_bytes(*(p for p in isolated.rglob("*") if p.name.startswith(("incidents.sqlite", "journal.sqlite"))))
    assert first.encode() not in data and second.encode() not in data
    rows = [r for r in store_rows(store_file, incident_id) if r["details"].get("action") == "kube.set_env"]
    assert len(rows) == 6 and all(REDACTED in r["text"] + json.dumps(r["details"]) for r in rows)


async def test_configmap_connection_string_is_sent_whole_and_shown_redacted(sim, tmp_path, monkeypatch):
    """The database playbook's "update connection strings": the ConfigMap gets the real
    DSN; the confirmation, the outcome and the timeline do not."""
    from irtui.actions.executor import ActionRunner

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    dsn, password = "postgres://emr:cm-url-4410@postgres-replica:5432/emrtask", "cm-pw-5567"
    store = open_store(tmp_path / "incidents.sqlite")
    await store.open()
    session = IncidentSession(store, Actor.local("sre"))
    await session.start()
    await session.declare("primary database down", "P1", ["task-service"])
    connection = connect(kubeconfig=sim.kubeconfig, context="sim-sre", namespace=NS)
    shown: list = []

    async def confirm(request) -> bool:
        shown.append(request)
        return True

    runner = ActionRunner(ActionEnv.from_connection(connection, ActionSettings(forensics_dir=tmp_path / "f")),
                          session, confirm=confirm)
    target = Target("configmap", "postgres-config", NS)
    try:
        outcomes = [await runner.run("kube.edit_configmap", target, {"key": f"DATABASE_URL={dsn}"}),
                    await runner.run("kube.edit_configmap", target, {"key": "DB_PASSWORD", "value": password}),
                    await runner.run("kube.edit_configmap", target, {"key": "DB_PASSWORD", "value": password})]
    finally:
        await session.stop()
        await store.close()
    assert [o.status for o in outcomes] == ["done", "done", "noop"], outcomes
    data = json.loads(sim.kubectl("get", "configmap", "postgres-config", "-n", NS, "-o", "json").stdout)["data"]
    assert data["DATABASE_URL"] == dsn and data["DB_PASSWORD"] == password
    seen = " ".join([o.message for o in outcomes] + [r.command + " ".join(r.summary) for r in shown])
    assert "cm-url-4410" not in seen and password not in seen and REDACTED in seen
    stored = _files_bytes(*tmp_path.glob("incidents.sqlite*"))
    assert b"cm-url-4410" not in stored and password.encode() not in stored


# --- the store, PostgreSQL and the report ----------------------------------------------------

async def _record_corpus(session: IncidentSession) -> None:
    for case in CASES:
        await session.note(case.text)
    await session.record("action_started", f"Set environment variable: {CASES[0].text}",
                         {"action": "kube.set_env", "params": {"name": "DB_PASS", "value": "hunter2-env-7731"},
                          "command": f"kubectl set env deployment/x {CASES[0].text}",
                          "env": [{"name": "JWT_SECRET", "value": "jwt-sec-2290"}],
                          "headers": {"Authorization": "Bearer eyJhbGc.bearer-5150.sig"}})


async def test_no_corpus_secret_in_the_sqlite_file_or_the_report(tmp_path, monkeypatch, configured):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "incidents.sqlite"
    store = open_store(path)
    await store.open()
    session = IncidentSession(store, Actor.local("sre"))
    try:
        await session.start()
        incident_id = await session.declare(f"leak drill {CASES[4].text}", "P2", ["emr-service"])
        await _record_corpus(session)
    finally:
        await session.stop()
        await store.close()
    assert leaks(_files_bytes(*tmp_path.glob("incidents.sqlite*"))) == []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for fmt in ("md", "json"):
        out = tmp_path / f"report.{fmt}"
        result = subprocess.run([sys.executable, "-m", "irtui", "report", incident_id, "--store", str(path),
                                 "--format", fmt, "-o", str(out)], capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        report = out.read_text()
        # Markdown escapes the brackets (`\[REDACTED\]`); JSON keeps them.
        assert "leak drill" in report and (REDACTED in report or REDACTED.replace("[", "\\[").replace("]", "\\]") in report)
        assert leaks(report) == [], fmt



async def test_no_corpus_secret_in_postgresql_rows(pg_dsn, pg_schema, tmp_path, monkeypatch, configured):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    store = open_store(f"{pg_dsn}?schema={pg_schema}")
    await store.open()
    session = IncidentSession(store, Actor.local("sre"))
    try:
        await session.start()
        await session.declare("leak drill", "P2", ["emr-service"])
        await _record_corpus(session)
    finally:
        await session.stop()
        await store.close()
    conn = await asyncpg.connect(pg_dsn)
    try:
        tables = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", pg_schema)
        dump = []
        for (table,) in tables:
            query = await conn.fetchval("SELECT format('SELECT t::text FROM %I.%I t', $1::text, $2::text)", pg_schema, table)
            dump += [row[0] for row in await conn.fetch(query)]
    finally:
        await conn.close()
    text = "\n".join(dump)
    assert "leak drill" in text and REDACTED in text
    assert leaks(text) == []


# --- forensics and describe -----------------------------------------------------------------

def _plant_corpus(sim, deployment: str) -> None:
    """The corpus as the pod template's env: what a compromised or careless deploy carries."""
    assignments = [f"CASE_{n}={case.text}" for n, case in enumerate(CASES)]
    assignments += ["DB_PASS=hunter2-env-7731", "JWT_SECRET=jwt-sec-2290", "STRIPE_API_KEY=sk-live-key-5518"]
    sim.kubectl("set", "env", f"deployment/{deployment}", "-n", NS, *assignments)


def test_forensics_bundle_holds_no_corpus_secret_and_is_private(sim, tmp_path, configured):
    _plant_corpus(sim, "emr-service")
    connection = connect(kubeconfig=sim.kubeconfig, context="sim-sre", namespace=NS, guard=Guard(read_only=True))
    env = ActionEnv.from_connection(connection, ActionSettings(forensics_dir=tmp_path / "forensics"))
    folder, _ = Collector(env).collect(Target("deployment", "emr-service", NS))
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.name == "deployment-emr-service.json" for p in files)
    data = _files_bytes(*files)
    assert b"DATABASE_URL=postgres://emr:" in data or b"postgres://emr:" in data  # the rest is still evidence
    assert leaks(data) == []
    assert verify_folder(folder) == []
    for path in [folder, *folder.rglob("*")]:
        wanted = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == wanted, path
    assert stat.S_IMODE((tmp_path / "forensics").stat().st_mode) == 0o700


def _planted_template_hash(sim, deployment: str) -> str | None:
    """The pod-template-hash of the ReplicaSet whose pods carry the planted env, once the
    deployment controller has made it."""
    items = json.loads(sim.kubectl("get", "replicasets", "-n", NS, "-l", f"app={deployment}", "-o", "json").stdout)
    for rs in items["items"]:
        containers = rs["spec"]["template"]["spec"]["containers"]
        if any(e["name"] == "CASE_0" for c in containers for e in c.get("env") or []):
            return rs["metadata"]["labels"]["pod-template-hash"]
    return None


async def test_describe_on_a_read_only_screen_shows_no_corpus_secret(sim, isolated, configured):
    from irtui.ui.main import open_connection
    from irtui.ui.screens.describe import DescribeScreen
    from irtui.ui.wiring import war_room

    await asyncio.to_thread(_plant_corpus, sim, "sync-service")
    template_hash = await until(lambda: asyncio.to_thread(_planted_template_hash, sim, "sync-service"),
                                what="the ReplicaSet of the planted template")
    pods_of_new_template = f"sync-service-{template_hash}"
    args = war_args(sim, isolated, read_only=True)
    connection = open_connection(args, configured)
    async with war_room(args, connection, configured) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            pods = app.pods_pane
            await until(lambda: pods.selected() is not None, "the pods pane to fill", pilot=pilot)
            await pilot.press("slash", *pods_of_new_template, "enter")
            await until(lambda: (pods.selected() or None) and pods.selected().name.startswith(pods_of_new_template),
                        "a pod of the new template under the cursor", pilot=pilot)
            await pilot.press("d")
            screen = await until(lambda: isinstance(app.screen, DescribeScreen) and app.screen.loaded and app.screen,
                                 "the describe screen", pilot=pilot)
            text = screen.text
    assert "CASE_0" in text and REDACTED in text
    assert leaks(text) == []


# --- key material and plain HTTP ------------------------------------------------------------

def _kubeconfig_with_client_key(sim, tmp_path: Path) -> tuple[Path, bytes]:
    cert, key, _ = self_signed(tmp_path / "client-pki")
    key_pem = key.read_bytes()
    key.unlink()  # the kubeconfig is the only place the key is
    doc = yaml.safe_load(Path(sim.kubeconfig).read_text())
    user = next(u for u in doc["users"] if u["name"] == next(
        c["context"]["user"] for c in doc["contexts"] if c["name"] == "sim-sre"))
    user["user"]["client-certificate-data"] = base64.b64encode(cert.read_bytes()).decode()
    user["user"]["client-key-data"] = base64.b64encode(key_pem).decode()
    path = tmp_path / "kubeconfig-with-key"
    path.write_text(yaml.safe_dump(doc))
    return path, key_pem


_CONNECTED = textwrap.dedent("""
    import sys, time
    from irtui.kube.client import connect
    connection = connect(kubeconfig=sys.argv[1], context="sim-sre")
    api = connection.api_client
    for _ in range(2):  # the client key is read again for each new connection
        response = api.call_api(*api.param_serialize("GET", "/api/v1/namespaces/emrtask-prod/pods",
                                                      auth_settings=["BearerToken"]))
        assert response.status == 200, response.status
        api.rest_client.pool_manager.clear()
    print("connected", flush=True)
    time.sleep(600)
""")


def _files_holding(directory: Path, data: bytes) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file() and data in p.read_bytes()]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_no_key_file_remains_after_the_process_is_killed(sim, tmp_path, sig):
    kubeconfig, key_pem = _kubeconfig_with_client_key(sim, tmp_path)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    proc = subprocess.Popen([sys.executable, "-c", _CONNECTED, str(kubeconfig)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "connected", proc.stderr.read() if proc.poll() is not None else line
        assert _files_holding(temp, key_pem) == [] and list(temp.iterdir()) == []  # not even while it runs
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert _files_holding(tmp_path, key_pem) == [] and list(temp.iterdir()) == []


def _plain_http_kubeconfig(sim, tmp_path: Path, user: dict) -> Path:
    doc = yaml.safe_load(Path(sim.kubeconfig).read_text())
    doc["clusters"][0]["cluster"] = {"server": sim.url}  # the simulator answers plain HTTP too
    doc["users"] = [{"name": "u", "user": user}]
    doc["contexts"] = [{"name": "plain", "context": {"cluster": doc["clusters"][0]["name"], "user": "u"}}]
    doc["current-context"] = "plain"
    path = tmp_path / "plain-kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize("user", [{"token": "irtui-sim-sre"}, {"username": "admin", "password": "pw-9"},
                                  {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "true"}}],
                         ids=["token", "basic", "exec"])
def test_a_credential_is_never_sent_to_an_http_server(sim, tmp_path, user):
    assert sim.url.startswith("http://")
    path = _plain_http_kubeconfig(sim, tmp_path, user)
    before = len(sim.audit())
    with pytest.raises(KubeConfigError, match=r"plain http:// .* refusing to send a credential unencrypted"):
        connect(kubeconfig=str(path))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "irtui", "--kubeconfig", str(path)], capture_output=True,
                            text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "refusing to send a credential" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert len(sim.audit()) == before  # not one request, with or without the token


def test_an_http_server_without_credentials_still_connects(sim, tmp_path):
    path = _plain_http_kubeconfig(sim, tmp_path, {})
    connection = connect(kubeconfig=str(path))
    assert connection.cluster_url == sim.url
    assert "Authorization" not in connection.api_client.configuration.api_key



def test_without_memfd_key_data_goes_to_a_private_directory(monkeypatch, tmp_path):
    from irtui.kube import kubeconfig

    monkeypatch.delattr(os, "memfd_create")
    monkeypatch.setattr(kubeconfig, "_private_dir", None)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    path = Path(kubeconfig.in_memory_file(b"key material"))
    assert path.read_bytes() == b"key material" and path.parent.parent == tmp_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
