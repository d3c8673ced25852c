"""The runbook's playbooks carried out from irtui alone, by keys from the app's start, against
the simulator (its clock stopped: `/sim/advance` moves it, so nothing depends on how fast
this machine is):

- database failure: the primary's logs (l) and pg_controldata (L), promote the replica
  (ctrl+o, typed name), point the services at it (f: the ConfigMaps view, M on DB_HOST: the
  new value typed, the diff, the dry run, the confirmation), restart them (R), verify (H):
  the ConfigMap changed, the pods restarted, health back, every step in the timeline, and
  the audit log holds the requests;
- security breach: isolate (Z), revoke at the Vault receiver (ctrl+w), delete the leaked
  secret from the Secrets view ($, ctrl+x, its name typed), debug logging on the isolated
  service picked from the workloads list (E), forensics of the affected service (F, the
  picker starts on it), and the status update queued while Slack answers 503;
- read-only: every new action refused below the UI, and nothing reached a server.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from irtui.config import Config
from irtui.incident.model import Actor
from irtui.ui.main import open_connection
from irtui.ui.screens.confirm import ConfirmActionScreen, DiffScreen, ParamsScreen, ResultScreen
from irtui.ui.screens.logs import LogsScreen
from irtui.ui.screens.objects import ObjectsScreen
from irtui.ui.screens.output import OutputScreen
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import (  # noqa: F401 (isolated: a fixture)
    NS,
    control,
    declared_elsewhere,
    isolated,
    mutations,
    store_rows,
    war_args,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))
from receiver import Answer, Receiver  # noqa: E402

DB_SERVICES = ("task-service", "sync-service", "handover-service", "emr-service")


@pytest.fixture
def stopped_sim(sim_factory):
    """The simulator with its clock stopped: time moves only by `/sim/advance`."""
    return sim_factory("--speed", "0")


async def advance(sim, seconds: float) -> None:
    await control(sim, "POST", "/sim/advance", json={"seconds": seconds})


def _flat(app) -> str:
    return " ".join(screen_text(app).split())


async def _screen(pilot, app, cls, what: str):
    return await until(lambda: isinstance(app.screen, cls) and app.screen, what, timeout=60, pilot=pilot)


async def _outcome(pilot, app, count: int):
    await until(lambda: len(app.action_controller.outcomes) >= count, f"outcome {count}", timeout=60, pilot=pilot)
    return app.action_controller.outcomes[count - 1]


async def _confirm(pilot, app, typed: str | None = None) -> ConfirmActionScreen:
    confirm = await _screen(pilot, app, ConfirmActionScreen, "the confirmation")
    if typed is not None:
        assert confirm.request.typed == typed
        await pilot.press(*typed, "enter")
    else:
        assert confirm.request.typed is None
        await pilot.press("y")
    return confirm


async def _filter_pods(pilot, app, text: str) -> None:
    await pilot.press("escape", "slash", *text, "enter")


async def _exec_output(pilot, app) -> str:
    view = await _screen(pilot, app, OutputScreen, "the exec view")
    await until(lambda: view.ended and "escape closes" in screen_text(app), "the command to end", pilot=pilot)
    text = screen_text(app)
    await pilot.press("escape")
    await until(lambda: not isinstance(app.screen, OutputScreen), "the exec view to close", pilot=pilot)
    return text


def _finished(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        if row["kind"] == "action_finished":
            out.setdefault(row["details"]["action"], []).append(row["details"])
    return out


async def test_database_failover_from_irtui_alone(stopped_sim, isolated):
    sim = stopped_sim
    store_file = isolated / "incidents.sqlite"
    incident_id = await declared_elsewhere(store_file, "database down", "P0", list(DB_SERVICES), by=Actor.local("sre"))
    await control(sim, "POST", "/sim/scenarios/database-failure")
    # The primary's container is between two crashes (started again after its 10 s back-off,
    # crashes 2-3 s later): the clock stays there until the failover is done.
    await advance(sim, 10)
    config = Config.empty()
    args = war_args(sim, isolated)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            done = 0

            # Diagnose: the primary's logs, then its control data from inside it.
            await _filter_pods(pilot, app, "postgres-0")
            await until(lambda: (app.pods_pane.selected() or None) and app.pods_pane.selected().name == "postgres-0",
                        "postgres-0 under the cursor", pilot=pilot)
            await pilot.press("l")
            await _screen(pilot, app, LogsScreen, "the logs of postgres-0")
            await until(lambda: "postgres-0" in screen_text(app), "the logs' title", pilot=pilot)
            await pilot.press("escape")
            await until(lambda: not isinstance(app.screen, LogsScreen), "the logs to close", pilot=pilot)
            await pilot.press("L")
            await _confirm(pilot, app)
            text = await _exec_output(pilot, app)
            assert "Database cluster state: in crash recovery" in " ".join(text.split())
            assert "the file is corrupt" in text
            done += 1
            assert (await _outcome(pilot, app, done)).status == "done"

            # Promote the replica: high danger, its name typed; no DSN here, so from its pod.
            await pilot.press("ctrl+o")
            confirm = await _confirm(pilot, app, typed="postgres-replica")
            assert confirm.request.command.endswith("postgres-replica-0 -c postgres -- pg_ctl promote")
            text = await _exec_output(pilot, app)
            assert "server promoted" in text
            done += 1
            assert (await _outcome(pilot, app, done)).status == "done"

            # Point the services at it: the ConfigMaps view, DB_HOST's new value, the diff.
            await pilot.press("f")
            view = await _screen(pilot, app, ObjectsScreen, "the ConfigMaps view")
            await until(lambda: view.loaded, "the ConfigMaps", pilot=pilot)
            await pilot.press("slash", *"postgres-config DB_HOST", "enter")
            await until(lambda: [r.name for r in view.shown] == ["postgres-config"], "one row left", pilot=pilot)
            assert "DB_HOST" in screen_text(app) and "postgres " in screen_text(app)
            await pilot.press("M")
            params = await _screen(pilot, app, ParamsScreen, "the new value")
            assert params.focused.id == "param-value"
            await pilot.press(*"postgres-replica", "enter")
            await _screen(pilot, app, DiffScreen, "the diff")
            shown = _flat(app)
            assert "- DB_HOST: 'postgres'" in shown and "+ DB_HOST: 'postgres-replica'" in shown
            patches_before_dry_run = [r for r in mutations(sim.audit()) if r.get("resource") == "configmaps"]
            assert patches_before_dry_run == []  # the diff comes before anything is sent
            await pilot.press("enter")
            confirm = await _confirm(pilot, app)
            assert confirm.request.dry_run == ["server accepted the change (dryRun=All)"]
            done += 1
            assert (await _outcome(pilot, app, done)).status == "done"
            await until(lambda: "postgres-replica" in " ".join(c for r in view.shown for c in r.cells),
                        "the view to show the new value", pilot=pilot)
            await pilot.press("escape", "escape")
            await until(lambda: not isinstance(app.screen, ObjectsScreen), "back to the panes", pilot=pilot)

            # Restart the services that read it.
            for service in DB_SERVICES:
                await _filter_pods(pilot, app, service)
                await until(lambda s=service: (app.pods_pane.selected() or None)
                            and app.pods_pane.selected().name.startswith(s), f"a {service} pod", pilot=pilot)
                await pilot.press("R")
                confirm = await _confirm(pilot, app)
                assert confirm.request.target.label == f"deployment/{service}"
                done += 1
                assert (await _outcome(pilot, app, done)).status == "done"

            # Verify: the new pods start against the promoted replica, and health is back.
            await advance(sim, 40)
            await pilot.press("H")
            await _confirm(pilot, app) if isinstance(app.screen, ConfirmActionScreen) else None
            await _screen(pilot, app, ResultScreen, "the health check round")
            done += 1
            health = await _outcome(pilot, app, done)
            assert health.status == "done", health
            states = {r["service"]: r["state"] for r in health.details["results"]}
            assert all(states[s] == "healthy" for s in DB_SERVICES), states
            await pilot.press("escape")

    cm = json.loads(sim.kubectl("get", "configmap", "postgres-config", "-n", NS, "-o", "json").stdout)
    assert cm["data"]["DB_HOST"] == "postgres-replica"
    for service in DB_SERVICES:
        dep = json.loads(sim.kubectl("get", "deployment", service, "-n", NS, "-o", "json").stdout)
        assert "kubectl.kubernetes.io/restartedAt" in dep["spec"]["template"]["metadata"]["annotations"]

    finished = _finished(store_rows(store_file, incident_id))
    assert [d["result"] for d in finished["exec.pg_controldata"]] == ["done"]
    assert [d["result"] for d in finished["db.promote_replica"]] == ["done"]
    [edit] = finished["kube.edit_configmap"]
    assert edit["result"] == "done" and edit["diff"] == [{"key": "DB_HOST", "old": "postgres", "new": "postgres-replica"}]
    assert sorted(d["target"] for d in finished["kube.rollout_restart"]) == sorted(f"deployment/{s}" for s in DB_SERVICES)
    assert [d["result"] for d in finished["health.check_all"]] == ["done"]

    audit = sim.audit()
    execs = [(r["verb"], r["name"]) for r in audit if r.get("subresource") == "exec"]
    assert execs == [("create", "postgres-0"), ("create", "postgres-replica-0")]
    cm_patches = [r.get("dry_run", False) for r in mutations(audit) if r.get("resource") == "configmaps"]
    assert cm_patches == [True, False]  # rehearsed, then sent
    restarts = {r["name"] for r in mutations(audit) if r.get("resource") == "deployments" and not r.get("dry_run")}
    assert restarts == set(DB_SERVICES)


VAULT_ADMIN = "hvs.breach-admin-token-never-shown"
LEAKED_TOKEN = "hvs.breach-leaked-token-0042"
SLACK_PATH = "/services/T0BREACH/B0BREACH/breachSlackSecret"


class _Vault(Receiver):
    """Vault's token revoke, as tests/actions/test_vault.py checks it."""

    def _service(self, method: str, path: str, body: bytes):
        request = self.requests[-1]
        if (method, path) != ("POST", "/v1/auth/token/revoke"):
            return 404, {"errors": []}
        if request.headers.get("X-Vault-Token") != VAULT_ADMIN:
            return 403, {"errors": ["permission denied"]}
        return 204, ""


@pytest.fixture
async def vault():
    server = _Vault()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def slack():
    server = Receiver()
    await server.start()
    yield server
    await server.stop()


def _config(path: Path, text: str) -> Config:
    file = path / "config.toml"
    file.write_text(text, encoding="utf-8")
    return Config.load(file)


async def test_security_breach_playbook(stopped_sim, isolated, vault, slack, monkeypatch):
    sim = stopped_sim
    monkeypatch.setenv("VAULT_ADDR", vault.url)
    monkeypatch.setenv("VAULT_TOKEN", VAULT_ADMIN)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.url + SLACK_PATH)
    slack.script(SLACK_PATH, *[Answer(503, "unavailable")] * 4)
    config = _config(isolated, """
[notify]
attempts = 1
retry_base_seconds = 0.05
retry_cap_seconds = 0.2

[notify.slack]
webhook_url_env = "SLACK_WEBHOOK_URL"
""")
    store_file = isolated / "incidents.sqlite"
    incident_id = await declared_elsewhere(store_file, "sync-service compromised", "P0", ["sync-service"],
                                           by=Actor.local("sre"))
    await control(sim, "POST", "/sim/scenarios/security-breach")
    args = war_args(sim, isolated)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            done = 0

            # Isolate: the compromised service to zero, its name typed.
            await _filter_pods(pilot, app, "sync-service")
            await until(lambda: (app.pods_pane.selected() or None)
                        and app.pods_pane.selected().name.startswith("sync-service"), "a sync-service pod", pilot=pilot)
            await pilot.press("Z")
            confirm = await _confirm(pilot, app, typed="sync-service")
            assert confirm.request.target.label == "deployment/sync-service"
            done += 1
            assert (await _outcome(pilot, app, done)).status == "done"

            # Revoke the leaked Vault token (typed masked; recorded only as a hash prefix).
            await pilot.press("ctrl+w")
            await _screen(pilot, app, ParamsScreen, "the token prompt")
            await pilot.press(*LEAKED_TOKEN, "enter")
            await _confirm(pilot, app, typed=NS)
            done += 1
            assert (await _outcome(pilot, app, done)).status == "done"

            # Delete the leaked secret from the Secrets view: its name typed.
            await pilot.press("dollar_sign")
            view = await _screen(pilot, app, ObjectsScreen, "the Secrets view")
            await until(lambda: view.loaded, "the Secrets", pilot=pilot)
            assert "client_id, client_secret" in screen_text(app)
            await pilot.press("slash", *"oauth", "enter")
            await until(lambda: [r.name for r in view.shown] == ["emr-oauth-client"], "the leaked secret", pilot=pilot)
            await pilot.press("ctrl+x")
            confirm = await _confirm(pilot, app, typed="emr-oauth-client")
            assert confirm.request.danger.label == "high"
            done += 1
            assert (await _outcome(pilot, app, done)).status == "done"
            await until(lambda: view.shown == [] and "nothing matches" in screen_text(app),
                        "the secret gone", pilot=pilot)
            await pilot.press("escape", "escape")
            await until(lambda: not isinstance(app.screen, ObjectsScreen), "back to the panes", pilot=pilot)

            # Debug logging on the isolated service: no pod left to select, so E asks, and
            # the list starts on the incident's affected service.
            await advance(sim, 60)
            await until(lambda: app.pods_pane.selected() is None, "no sync-service pod left", pilot=pilot)
            await pilot.press("E")
            picker = await _screen(pilot, app, ObjectsScreen, "the workloads to pick from")
            await until(lambda: picker.loaded, "the workloads", pilot=pilot)
            assert "namespace" not in {r.kind for r in picker.shown}  # set env takes a workload
            await until(lambda: picker.selected_target() is not None
                        and picker.selected_target().name == "sync-service", "the cursor on sync-service", pilot=pilot)
            await pilot.press("enter")
            await _screen(pilot, app, ParamsScreen, "the variable")
            await pilot.press("f2", "enter")  # the LOG_LEVEL=debug preset
            confirm = await _confirm(pilot, app)
            assert confirm.request.target.label == "deployment/sync-service"
            done += 1
            assert (await _outcome(pilot, app, done)).status == "done"

            # Forensics of the compromised service: asked, starting on it; says where.
            await pilot.press("F")
            picker = await _screen(pilot, app, ObjectsScreen, "the forensics target")
            await until(lambda: picker.loaded and picker.selected_target() is not None
                        and picker.selected_target().name == "sync-service", "the cursor on sync-service", pilot=pilot)
            await pilot.press("enter")
            done += 1
            forensics = await _outcome(pilot, app, done)
            assert forensics.status == "done" and forensics.target.label == "deployment/sync-service"
            bundle = Path(forensics.details["path"])
            assert str(bundle) in forensics.message and (bundle / "MANIFEST.json").exists()

            # The status update: Slack answers 503, so it waits in the queue.
            await pilot.press("t", "u")
            await until(lambda: type(app.screen).__name__ == "UpdateComposer", "the update", pilot=pilot)
            await pilot.press("ctrl+s")
            await until(lambda: any(e.kind == "update_queued" for e in app.session.timeline),
                        "the update queued", pilot=pilot)

    env = json.loads(sim.kubectl("get", "deployment", "sync-service", "-n", NS, "-o", "json").stdout)
    assert env["spec"]["replicas"] == 0
    containers = env["spec"]["template"]["spec"]["containers"]
    assert {"name": "LOG_LEVEL", "value": "debug"} in containers[0]["env"]
    assert sim.kubectl("get", "secret", "emr-oauth-client", "-n", NS, check=False).returncode != 0
    [revoke] = vault.to("/v1/auth/token/revoke")
    assert revoke.json == {"token": LEAKED_TOKEN}
    assert slack.to(SLACK_PATH)

    rows = store_rows(store_file, incident_id)
    finished = _finished(rows)
    for action in ("kube.isolate", "vault.revoke_token", "kube.delete_secret", "kube.set_env", "forensics.collect"):
        assert [d["result"] for d in finished[action]] == ["done"], action
    recorded = json.dumps(rows)
    assert LEAKED_TOKEN not in recorded and VAULT_ADMIN not in recorded
    assert "c2ltdWxhdG9yLXBsYWNlaG9sZGVy" not in recorded  # the secret's value, never read into the record
    assert any(r["kind"] == "update_queued" for r in rows)


async def test_read_only_refuses_every_new_action_below_the_ui(stopped_sim, isolated, vault, monkeypatch):
    sim = stopped_sim
    marker = isolated / "started"
    script = isolated / "flush.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    monkeypatch.setenv("VAULT_ADDR", vault.url)
    monkeypatch.setenv("VAULT_TOKEN", VAULT_ADMIN)
    config = _config(isolated, f"""
[scripts]
flush = "{script}"

[[actions.custom]]
id = "cache.flush_pod"
title = "Flush cache (in pod)"
kind = "exec"
key = "f7"
command = ["sh", "-c", "echo flushed"]
workload = "deployment/api-gateway"

[[actions.custom]]
id = "cache.flush_script"
title = "Flush cache (script)"
kind = "script"
key = "f8"
script = "flush"
""")
    args = war_args(sim, isolated, read_only=True)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            # The views still read (a shared screen may look), and their keys change nothing.
            for view_key, action_key in (("f", "M"), ("dollar_sign", "ctrl+x")):
                await pilot.press(view_key)
                view = await _screen(pilot, app, ObjectsScreen, "the view")
                await until(lambda: view.loaded and view.shown, "its rows", pilot=pilot)
                await pilot.press(action_key)
                await until(lambda: "read-only" in _flat(app), "the refusal", pilot=pilot)
                await pilot.press("escape")
                await until(lambda: not isinstance(app.screen, ObjectsScreen), "back", pilot=pilot)
            # The other views, from the palette and from their key.
            await pilot.press("ctrl+p", *"StatefulSets")
            await until(lambda: "StatefulSets  (w)" in screen_text(app), "the palette's entry and its key", pilot=pilot)
            await pilot.press("enter")
            view = await _screen(pilot, app, ObjectsScreen, "the StatefulSets view")
            await until(lambda: view.loaded and {r.name for r in view.shown} == {"postgres", "postgres-replica"},
                        "the StatefulSets", pilot=pilot)
            await pilot.press("escape", "y")
            await until(lambda: isinstance(app.screen, ObjectsScreen) and app.screen.kind == "revision"
                        and app.screen.loaded, "the recent changes", pilot=pilot)
            assert "helm upgrade emrtask-prod: api-gateway 2.7.1" in screen_text(app)
            if shutil.which("helm") is None:
                assert "helm is not on PATH" in screen_text(app)
            await pilot.press("escape")
            await until(lambda: len(app.screen_stack) == 1, "back", pilot=pilot)
            for key in ("L", "ctrl+o", "ctrl+w", "F", "f7", "f8", "E"):
                await pilot.press(key)
                await pilot.pause(0.2)
                await app.workers.wait_for_complete()
                assert len(app.screen_stack) == 1, (key, app.screen)
            # And below the UI: each action asked straight through the executor is refused.
            from irtui.actions.model import Target

            runner = app.action_controller.runner
            for action_id, target in (("kube.edit_configmap", Target("configmap", "postgres-config", NS)),
                                      ("kube.delete_secret", Target("secret", "emr-oauth-client", NS)),
                                      ("exec.pg_controldata", Target("namespace", NS, NS)),
                                      ("db.promote_replica", Target("database", "primary")),
                                      ("cache.flush_pod", Target("namespace", NS, NS)),
                                      ("cache.flush_script", Target("namespace", NS, NS)),
                                      ("vault.revoke_token", Target("namespace", NS, NS))):
                outcome = await runner.run(action_id, target, {"key": "DB_HOST", "value": "x", "token": "t"})
                assert outcome.status == "unavailable" and "read-only" in outcome.message, outcome

    audit = sim.audit()
    assert mutations(audit) == []
    assert [r for r in audit if r.get("subresource") == "exec"] == []
    assert vault.requests == [] and not marker.exists()
