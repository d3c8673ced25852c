"""The exec journey in the assembled war room, keys only, from the app's start against the
simulator: a pod is found with the filter, its health is checked from inside with J, the
confirmation shows the exact command, the output streams into the exec view, escape closes
it, and the incident's timeline on disk holds the command, the exit code and the digest; a
failing check shows and records its exit code.
In read-only the key runs nothing (it is shown disabled, as every action that would
change something), the palette says why, and the audit log has no exec.
"""

from __future__ import annotations

from irtui.config import Config
from irtui.incident.model import Actor
from irtui.ui.main import open_connection
from irtui.ui.screens.confirm import ConfirmActionScreen
from irtui.ui.screens.output import OutputScreen
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import control, declared_elsewhere, isolated, store_rows, war_args  # noqa: F401 (isolated: a fixture)

HEALTH_ARGV = ["curl", "-fsS", "http://localhost:3000/health"]




def _execs(sim) -> list[dict]:
    return [r for r in sim.audit() if r.get("subresource") == "exec"]


async def _select_api_gateway_pod(pilot, app) -> str:
    pods = app.pods_pane
    await until(lambda: pods.selected() is not None, "the pods pane to fill", pilot=pilot)
    await pilot.press("slash", *"api-gateway", "enter")
    row = await until(lambda: (pods.selected() or None) and pods.selected().name.startswith("api-gateway")
                      and pods.selected(), "an api-gateway pod under the cursor", pilot=pilot)
    return row.name


async def test_health_from_inside_a_pod_streams_and_is_recorded(sim, isolated):
    store_file = isolated / "incidents.sqlite"
    incident_id = await declared_elsewhere(store_file, "api-gateway errors", "P2", ["api-gateway"], by=Actor.local("sre"))
    config = Config.empty()
    args = war_args(sim, isolated)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            pod = await _select_api_gateway_pod(pilot, app)
            await pilot.press("J")
            confirm = await until(lambda: isinstance(app.screen, ConfirmActionScreen) and app.screen,
                                  "the confirmation", timeout=120, pilot=pilot)
            assert confirm.request.command.endswith(f"exec -n emrtask-prod {pod} -c api-gateway -- "
                                                    "curl -fsS http://localhost:3000/health")
            await pilot.press("y")
            view = await until(lambda: isinstance(app.screen, OutputScreen) and app.screen,
                               "the exec view", pilot=pilot)
            await until(lambda: view.ended, "the command to end", pilot=pilot)
            text = screen_text(app)
            assert '"status": "ok"' in text and "exit 0" in text
            assert 'argv ["curl", "-fsS", "http://localhost:3000/health"]' in text
            await pilot.press("escape")
            await until(lambda: not isinstance(app.screen, OutputScreen), "the exec view to close", pilot=pilot)
            await until(lambda: app.action_controller.outcomes, "the outcome", pilot=pilot)
            assert app.action_controller.outcomes[-1].status == "done"

    rows = store_rows(store_file, incident_id)
    finished = [r for r in rows if r["kind"] == "action_finished"]
    assert len(finished) == 1
    details = finished[0]["details"]
    assert details["action"] == "exec.health_curl" and details["result"] == "done"
    assert "kubectl" in details["command"] and "curl -fsS http://localhost:3000/health" in details["command"]
    assert details["details"]["argv"] == HEALTH_ARGV and details["details"]["exit_code"] == 0
    assert '"status": "ok"' in details["details"]["output"]["head"]
    assert len(details["details"]["output"]["sha256"]) == 64
    assert [(r["verb"], r["name"]) for r in _execs(sim)] == [("create", pod)]


async def test_a_failing_check_shows_and_records_its_exit_code(sim, isolated):
    store_file = isolated / "incidents.sqlite"
    incident_id = await declared_elsewhere(store_file, "api-gateway errors", "P2", ["api-gateway"], by=Actor.local("sre"))
    config = Config.empty()
    args = war_args(sim, isolated)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            await control(sim, "POST", "/sim/scenarios/database-failure")
            await pilot.press("ctrl+y")  # verify:data, in task-service
            await until(lambda: isinstance(app.screen, ConfirmActionScreen),
                        "the confirmation", timeout=120, pilot=pilot)
            await pilot.press("y")
            view = await until(lambda: isinstance(app.screen, OutputScreen) and app.screen,
                               "the exec view", pilot=pilot)
            await until(lambda: view.ended, "the command to end", pilot=pilot)
            assert view.exit_code == 1 and "exit 1" in screen_text(app)
            await pilot.press("escape")
            await until(lambda: app.action_controller.outcomes, "the outcome", pilot=pilot)
    details = [r for r in store_rows(store_file, incident_id) if r["kind"] == "action_finished"][0]["details"]
    assert details["details"]["exit_code"] == 1
    assert "ECONNREFUSED" in details["details"]["output"]["head"]


async def test_read_only_key_runs_nothing_and_the_palette_says_why(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated, read_only=True)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            await _select_api_gateway_pod(pilot, app)
            await pilot.press("J")
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            assert not isinstance(app.screen, (ConfirmActionScreen, OutputScreen))
            await pilot.press("ctrl+p", *"Health from inside")
            await until(lambda: "UNAVAILABLE: read-only: running a command in a pod is a create on "
                                "pods/exec" in " ".join(screen_text(app).split()), "the palette's reason", pilot=pilot)
            await pilot.press("enter")  # chosen anyway: refused like the key
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            assert not isinstance(app.screen, (ConfirmActionScreen, OutputScreen))
            assert all(o.status == "unavailable" for o in app.action_controller.outcomes)
    assert _execs(sim) == []
