"""From a fault to a declared incident, as a responder does it: the simulator's scenario
starts, the banner names what was found and the key to declare, the declare form opens
filled from the evidence with its reasons, enter declares, and the store's declared entry
holds what was suggested and what was chosen."""

from __future__ import annotations

import pytest

from irtui.config import Config
from irtui.ui.incident import DeclareIncidentScreen
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import control, isolated, store_rows, war_args  # noqa: F401 (isolated: a fixture)

# Health rounds every 2 s, so that the test waits on the fault, not on the interval.
CONFIG = "[health]\ninterval = 2\ntimeout = 2\n"

# scenario -> (simulated seconds to let pass, what the banner names, severity, playbook kind,
#              a service the form names, words of the playbook's reason)
SCENARIOS = {
    "crashloop-task-service": (60, ("task-service", "crash-looping", "health checks fail"), "P1", None,
                               "task-service", "no playbook"),
    "complete-outage": (30, ("primary database not ready", "5/5 health checks fail"), "P0", "database",
                        "api-gateway", "and 4/5 failing services report the database"),
    "node-notready": (90, ("NotReady",), "P2", None, "", "no playbook"),
    "database-failure": (30, ("primary database not ready", "health checks fail"), "P0", "database",
                         "task-service", "failing services report the database"),
}


def banner(app) -> str:
    shown = app.main_screen.query("#alert-banner")
    return str(shown.first().render()) if shown and shown.first().display else ""


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_scenario_alerts_and_declares_from_evidence(scenario, sim, isolated):
    seconds, named, severity, kind, service, why = SCENARIOS[scenario]
    config_file = isolated / "config.toml"
    config_file.write_text(CONFIG)
    config = Config.load(config_file)
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: app.cluster.rows["pods"], "the pods", pilot=pilot)
            await pilot.pause(3)  # a first health round, all healthy
            assert not banner(app), banner(app)
            await control(sim, "POST", f"/sim/scenarios/{scenario}")
            await control(sim, "POST", "/sim/advance", json={"seconds": seconds})

            await until(lambda: all(words in banner(app) for words in named), f"the banner naming {named}",
                        timeout=120, pilot=pilot)
            assert "press I to declare" in banner(app)

            await pilot.press("I")
            form = await until(lambda: isinstance(app.screen, DeclareIncidentScreen) and app.screen,
                               "the declare form", pilot=pilot)
            await pilot.pause()
            assert "Filled in from what irtui detected" in screen_text(app)
            # The form scrolls at this size: every reason it shows, read from the form.
            reasons = "\n".join(str(shown.render()) for shown in form.query(".declare-reason"))
            assert f"suggested: {severity}, from the answers above" in reasons, reasons
            assert why in reasons, reasons
            suggestion = form.suggestion
            assert suggestion is not None and suggestion.severity == severity
            assert suggestion.playbook == kind
            if service:
                assert service in suggestion.services

            await pilot.press("enter")  # confirm what was suggested
            await until(lambda: app.session.is_open, "the incident to be declared", pilot=pilot)
            await until(lambda: not banner(app), "the banner to go once declared", pilot=pilot)
            incident_id = app.session.incident_id

    declared = [r for r in store_rows(isolated / "incidents.sqlite", incident_id) if r["kind"] == "declared"]
    assert len(declared) == 1
    details = declared[0]["details"]
    assert details["severity"] == severity
    assert details["suggested"]["severity"] == severity and details["suggested"]["playbook"] == kind
    assert details["suggested"]["severity_reason"]
    assert details["chosen"] == {"answers": details["suggested"]["answers"], "severity": severity,
                                 "services": details["suggested"]["services"], "playbook": kind}


@pytest.mark.timeout(300)
async def test_the_banner_goes_when_the_fault_clears_and_comes_back_with_it(sim, isolated):
    config_file = isolated / "config.toml"
    config_file.write_text(CONFIG)
    config = Config.load(config_file)
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: app.cluster.rows["pods"], "the pods", pilot=pilot)
            await control(sim, "POST", "/sim/scenarios/complete-outage")
            await control(sim, "POST", "/sim/advance", json={"seconds": 30})
            await until(lambda: "health checks fail" in banner(app), "the banner", timeout=120, pilot=pilot)
            await control(sim, "DELETE", "/sim/scenarios/complete-outage")
            await control(sim, "POST", "/sim/advance", json={"seconds": 60})
            await until(lambda: not banner(app), "the banner to clear", timeout=120, pilot=pilot)
            assert not app.alerts.active
            await control(sim, "POST", "/sim/scenarios/complete-outage")
            await control(sim, "POST", "/sim/advance", json={"seconds": 30})
            await until(lambda: "health checks fail" in banner(app), "the banner again", timeout=120, pilot=pilot)
            assert not app.session.is_open


@pytest.mark.timeout(300)
async def test_the_responder_changes_a_suggestion_and_both_are_recorded(sim, isolated):
    config_file = isolated / "config.toml"
    config_file.write_text(CONFIG)
    config = Config.load(config_file)
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: app.cluster.rows["pods"], "the pods", pilot=pilot)
            await control(sim, "POST", "/sim/scenarios/complete-outage")
            await control(sim, "POST", "/sim/advance", json={"seconds": 30})
            await until(lambda: "5/5 health checks fail" in banner(app), "the banner", timeout=120, pilot=pilot)
            await pilot.press("I")
            await until(lambda: isinstance(app.screen, DeclareIncidentScreen), "the declare form", pilot=pilot)
            for _ in range(10):  # tab from the title down to the services
                if app.focused is not None and app.focused.id == "declare-services":
                    break
                await pilot.press("tab")
            assert app.focused.id == "declare-services"
            await pilot.press("ctrl+u", *"postgres, api-gateway", "enter")
            await until(lambda: app.session.is_open, "the incident to be declared", pilot=pilot)
            incident_id = app.session.incident_id

    declared = next(r for r in store_rows(isolated / "incidents.sqlite", incident_id) if r["kind"] == "declared")
    details = declared["details"]
    assert details["services"] == ["postgres", "api-gateway"]
    assert details["chosen"]["services"] == ["postgres", "api-gateway"]
    assert details["suggested"]["services"][:5] == ["api-gateway", "task-service", "emr-service", "sync-service",
                                                    "handover-service"]
    assert details["suggested"]["service_reasons"]["api-gateway"] == "5/5 health checks fail"
    assert details["chosen"]["severity"] == details["suggested"]["severity"] == "P0"


@pytest.mark.timeout(300)
async def test_error_rates_scraped_from_the_services_fire_the_error_rule(sim, isolated):
    config_file = isolated / "config.toml"
    config_file.write_text(CONFIG + '[metrics]\nsource = "scrape"\ninterval = 2\n')
    config = Config.load(config_file)
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: app.cluster.rows["pods"], "the pods", pilot=pilot)
            await control(sim, "POST", "/sim/scenarios/emr-integration-failure")
            await until(lambda: "error rate at or over 5 %: emr-service" in banner(app),
                        "the error-rate finding", timeout=120, pilot=pilot)
            await pilot.press("I")
            form = await until(lambda: isinstance(app.screen, DeclareIncidentScreen) and app.screen,
                               "the declare form", pilot=pilot)
            assert "emr-service" in form.suggestion.services
            assert form.suggestion.playbook == "emr", form.suggestion
