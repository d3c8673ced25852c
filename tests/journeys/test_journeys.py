"""The eight scenarios, fault to close, as a responder lives them (issue #11's acceptance).

Each journey starts the app as `irtui` would against a fresh simulator, starts the
scenario through the simulator's control API as a real fault would appear, and from then
on only presses keys: the banner, `I` and the form filled from the evidence (the suggested
severity and playbook are asserted on screen), a tick in each of the runbook's seven phases
(`o`, `space`, `]`), the playbook's remediation run from its checklist item (`enter`) or
by the key the screen shows, recovery watched on the panes while the simulator's clock is
advanced, and the close on the timeline. What reached the simulator (its audit log) and
the store (the entries, in order) is asserted after.

The keystrokes and seconds from the fault to the mitigation and to close are recorded and
printed in the terminal summary (tests/journeys/conftest.py), never asserted.
"""

from __future__ import annotations

import pytest
from journey_help import (
    PHASES,
    close,
    confirm,
    cursor_to,
    declare,
    diff,
    done,
    errors_fall,
    finished,
    journey,
    kinds_in_order,
    leave_checklist,
    move_to,
    open_checklist,
    params,
    tick_phases,
)

from polling import until
from war_room_help import isolated, mutations, store_rows  # noqa: F401 (isolated: a fixture)

pytestmark = pytest.mark.timeout(180)


def changes(sim) -> list[tuple[str, str, str]]:
    """What the remediations changed: (verb, resource, name) of every mutating request the
    simulator accepted that was not a dry run."""
    return [(r["verb"], r["resource"] + (f"/{r['subresource']}" if r.get("subresource") else ""), r["name"])
            for r in mutations(sim.audit()) if not r["dry_run"] and r["status"] < 400]


async def test_complete_outage_hung_primary(sim, isolated):
    async with journey("complete-outage", sim, isolated) as j:
        await j.fault()
        await j.advance(30)
        incident = await declare(j, ("5/5 health checks fail", "primary database not ready"), "P0",
                                 "P0: Database Failure")
        await tick_phases(j, PHASES[:4])  # detect .. investigate, now in resolve
        # The database playbook's step 3, "Attempt restart": its own target, postgres-0,
        # whatever the pods pane's cursor is on; the primary's name typed to confirm.
        await open_checklist(j)
        await j.press("P")
        await move_to(j, "p0_database.step3")
        await j.press("enter")
        await j.shows("Delete pod  pod/postgres-0", "Type postgres-0 to confirm")
        await j.type("postgres-0")
        await j.press("enter")
        await j.shows("pod/postgres-0 deleted")
        j.mitigated()
        await j.press("space")  # the playbook step, done
        await until(lambda: "p0_database.step3" in j.app.session.state.ticks, "the step's tick", pilot=j.pilot)

        await j.advance(30)
        await j.shows("all 5 services healthy", "14 total · all healthy", "api-gateway        ● healthy   200")
        assert "FAILING" not in j.text()  # the health pane's rows agree with its summary
        await errors_fall(j, "api-gateway", 5.0)
        await tick_phases(j, PHASES[4:])  # resolve, verify, close
        await close(j, incident)

    assert changes(sim) == [("delete", "pods", "postgres-0")]
    rows = store_rows(isolated / "incidents.sqlite", incident)
    kinds_in_order(rows, [
        ("declared", "[P0]"), ("checklist", "ticked"), ("phase", "2. Assess"), ("checklist", "ticked"),
        ("phase", "3. Communicate"), ("checklist", "ticked"), ("phase", "4. Investigate"), ("checklist", "ticked"),
        ("phase", "5. Resolve"), ("action_started", "pod/postgres-0"), ("action_finished", "pod/postgres-0"),
        ("checklist", "Attempt restart"), ("checklist", "ticked"), ("phase", "6. Verify"), ("checklist", "ticked"),
        ("phase", "7. Close"), ("checklist", "ticked"), ("closed", "Service restored."),
    ])


def through_resolve(*actions: str) -> list[tuple[str, str]]:
    """The entries every journey writes, in order, with `actions` (target words) done in Resolve."""
    expected = [("declared", "")]
    for title in ("2. Assess", "3. Communicate", "4. Investigate", "5. Resolve"):
        expected += [("checklist", "ticked"), ("phase", title)]
    for target in actions:
        expected += [("action_started", target), ("action_finished", target)]
    expected += [("checklist", "ticked"), ("phase", "6. Verify"), ("checklist", "ticked"), ("phase", "7. Close"),
                 ("checklist", "ticked"), ("closed", "Service restored.")]
    return expected


async def finish(j, incident: str) -> None:
    """Resolve, Verify and Close each get their tick; then the close on the timeline."""
    await tick_phases(j, PHASES[4:])
    await close(j, incident)


async def test_crashloop_pool_exhausted(sim, isolated):
    """task-service crash-loops on a full connection pool; restarting the primary ends the
    stuck queries (the runbook's 5-whys example). Nothing names the database yet: the
    general procedure, its "Restart failed pods" on the pod the responder chose."""
    async with journey("crashloop-task-service", sim, isolated) as j:
        await j.fault()
        await j.advance(60)
        incident = await declare(j, ("task-service: 3/3 pods crash-looping",), "P1", None)
        await tick_phases(j, PHASES[:4])
        await cursor_to(j, "1", j.app.pods_pane, lambda row: row.name == "postgres-0", "postgres-0")
        await open_checklist(j)
        await move_to(j, "restart_failed_pods")
        before = finished(j)
        await j.press("enter")
        await confirm(j, "Delete pod  pod/postgres-0", typed="postgres-0")
        await done(j, before, "the primary's restart")
        j.mitigated()
        for _ in range(8):  # task-service's pods start cleanly at their next back-off
            await j.advance(30)
            await j.pilot.pause(0.5)
            if "all healthy" in j.text() and "all 5 services healthy" in j.text():
                break
        await j.shows("14 total · all healthy", "all 5 services healthy")
        await errors_fall(j, "api-gateway", 5.0)
        await finish(j, incident)

    assert changes(sim) == [("delete", "pods", "postgres-0")]
    kinds_in_order(store_rows(isolated / "incidents.sqlite", incident),
                   through_resolve("pod/postgres-0"))


async def test_emr_integration_fallback_mode(sim, isolated):
    async with journey("emr-integration-failure", sim, isolated) as j:
        await j.fault()
        await j.advance(30)
        incident = await declare(j, ("emr-service",), "P1", "P1: EMR Integration Failure")
        await tick_phases(j, PHASES[:4])
        await open_checklist(j)
        await j.press("P")
        await move_to(j, "p1_emr.step5")  # "Enable fallback mode": deployment/emr-service
        before = finished(j)
        await j.press("enter")
        await params(j, "deployment/emr-service")  # the preset: EMR_FALLBACK_MODE=true
        await confirm(j, "deployment/emr-service")
        await done(j, before, "fallback mode")
        j.mitigated()
        await j.press("space")
        for _ in range(8):  # pods of the new rollout serve cached data: degraded, not down
            await j.advance(20)
            await j.pilot.pause(0.5)
            if "degraded: emr-service" in j.text():
                break
        await j.shows("degraded: emr-service")
        await errors_fall(j, "emr-service", 5.0)
        await finish(j, incident)

    assert changes(sim) == [("patch", "deployments", "emr-service")]
    patch = [r for r in mutations(sim.audit()) if r["verb"] == "patch" and not r["dry_run"]][0]
    assert patch["namespace"] == "emrtask-prod"
    rows = store_rows(isolated / "incidents.sqlite", incident)
    kinds_in_order(rows, through_resolve("deployment/emr-service"))
    assert any("EMR_FALLBACK_MODE" in r["text"] or "EMR_FALLBACK_MODE" in str(r["details"])
               for r in rows if r["kind"] == "action_finished")


async def test_traffic_surge_scaled_out(sim, isolated):
    async with journey("traffic-surge", sim, isolated) as j:
        await j.fault()
        await j.advance(30)
        incident = await declare(j, ("api-gateway",), "P2", None)
        await tick_phases(j, PHASES[:4])
        await cursor_to(j, "1", j.app.pods_pane, lambda row: row.name.startswith("api-gateway-"), "api-gateway")
        await open_checklist(j)
        await move_to(j, "scale_up")  # "Scale up resources": the pods pane's api-gateway
        before = finished(j)
        await j.press("enter")
        await params(j, "Scale deployment/api-gateway", "8")
        await confirm(j, "deployment/api-gateway")
        await done(j, before, "the scale-out")
        j.mitigated()
        await j.press("space")
        await j.advance(30)
        await j.shows("19 total · all healthy")
        await errors_fall(j, "api-gateway", 5.0)
        await finish(j, incident)

    assert changes(sim) == [("patch", "deployments/scale", "api-gateway")]
    kinds_in_order(store_rows(isolated / "incidents.sqlite", incident),
                   through_resolve("deployment/api-gateway"))


async def test_bad_deploy_rolled_back(sim, isolated):
    """A release to an image that does not exist: the old pods serve, the new one cannot
    pull. Rolled back from the pods pane with the key the Resolve phase lists."""
    async with journey("bad-deploy", sim, isolated) as j:
        await j.fault()
        await j.advance(30)
        incident = await declare(j, ("api-gateway", "cannot pull their image"), "P2", None)
        await tick_phases(j, PHASES[:4])
        await open_checklist(j)
        await j.shows("[B] Roll back")
        await cursor_to(j, "1", j.app.pods_pane, lambda row: "ImagePull" in row.status or "ErrImage" in row.status,
                        "the pod that cannot pull")
        before = finished(j)
        await j.press("B")
        await confirm(j, "deployment/api-gateway")
        await done(j, before, "the rollback")
        j.mitigated()
        await j.advance(30)
        await j.shows("14 total · all healthy")
        await finish(j, incident)

    assert changes(sim) == [("patch", "deployments", "api-gateway")]
    kinds_in_order(store_rows(isolated / "incidents.sqlite", incident),
                   through_resolve("deployment/api-gateway"))


async def test_security_breach_isolated_and_revoked(sim, isolated):
    """Every health check green; the events give it away. The security playbook: isolate
    the compromised service (its pod chosen in the pods pane), then revoke the leaked Secret
    (its event chosen in the events pane)."""
    async with journey("security-breach", sim, isolated) as j:
        await j.fault()
        await j.advance(5)
        incident = await declare(j, ("security signals", "SecretAccessed"), "P0", "P0: Security Breach")
        await tick_phases(j, PHASES[:4])
        await cursor_to(j, "1", j.app.pods_pane, lambda row: row.name.startswith("sync-service-"), "sync-service")
        await open_checklist(j)
        await j.press("P")
        await move_to(j, "p0_security.step1")  # "IMMEDIATE: Isolate affected systems"
        before = finished(j)
        await j.press("enter")
        await confirm(j, "deployment/sync-service", typed="sync-service")
        await done(j, before, "the isolation")
        await j.press("space")
        await cursor_to(j, "3", j.app.pane("events"), lambda row: row.object == "Secret/emr-oauth-client",
                        "the SecretAccessed event")
        before = finished(j)
        await j.press("ctrl+x")
        await confirm(j, "secret/emr-oauth-client", typed="emr-oauth-client")
        await done(j, before, "the revocation")
        j.mitigated()
        await j.advance(10)
        # Contained: no sync-service pod left, the Secret gone; sync-service answers no one now
        # (its health check says so) and the gateway's errors show what isolation costs.
        await j.shows("12 total · all healthy", "failing: sync-service")
        assert not [row for row in j.app.pods_pane.rows.values() if row.name.startswith("sync-service-")]
        scenarios = (await j.sim_control("GET", "/sim/scenarios")).json()
        assert "security-breach" not in scenarios["active"], scenarios  # the simulator agrees: contained
        await finish(j, incident)

    assert changes(sim) == [("patch", "deployments/scale", "sync-service"), ("delete", "secrets", "emr-oauth-client")]
    kinds_in_order(store_rows(isolated / "incidents.sqlite", incident),
                   through_resolve("deployment/sync-service", "secret/emr-oauth-client"))


async def test_database_failure_failover_to_the_replica(sim, isolated):
    """The primary's data is corrupt: a restart does not help (the playbook's step 3 is
    tried first), the connection string is pointed at the replica (step 5, `M`), and every
    service is restarted so that its pods use it (`!`)."""
    async with journey("database-failure", sim, isolated) as j:
        await j.fault()
        await j.advance(30)
        incident = await declare(j, ("primary database not ready",), "P0", "P0: Database Failure")
        await tick_phases(j, PHASES[:4])
        await open_checklist(j)
        await j.press("P")
        await move_to(j, "p0_database.step5")  # "Update connection strings": configmap/postgres-config
        before = finished(j)
        await j.press("enter")
        await params(j, "configmap/postgres-config", "DB_HOST=postgres-replica")
        await diff(j, "configmap/postgres-config", "- DB_HOST: 'postgres'", "+ DB_HOST: 'postgres-replica'")
        await confirm(j, "configmap/postgres-config")
        await done(j, before, "the connection string")
        await j.press("space")
        await leave_checklist(j)
        before = finished(j)
        await j.press("exclamation_mark")
        await confirm(j, "Restart every deployment", typed="emrtask-prod")
        await done(j, before, "the restarts")
        j.mitigated()
        for _ in range(6):
            await j.advance(20)
            await j.pilot.pause(0.5)
            if "all 5 services healthy" in j.text():
                break
        await j.shows("all 5 services healthy")
        await errors_fall(j, "api-gateway", 5.0)
        await finish(j, incident)

    assert changes(sim)[0] == ("patch", "configmaps", "postgres-config")
    assert {c for c in changes(sim)[1:]} == {("patch", "deployments", s) for s in (
        "api-gateway", "task-service", "emr-service", "sync-service", "handover-service")}
    kinds_in_order(store_rows(isolated / "incidents.sqlite", incident),
                   through_resolve("configmap/postgres-config", "emrtask-prod"))


async def test_node_notready_cordoned_and_drained(sim, isolated):
    async with journey("node-notready", sim, isolated) as j:
        await j.fault()
        await j.advance(90)
        incident = await declare(j, ("NotReady",), "P2", None)
        await tick_phases(j, PHASES[:4])
        await cursor_to(j, "2", j.app.pane("nodes"), lambda row: not row.ready, "the NotReady node")
        node = j.app.pane("nodes").selected().name
        before = finished(j)
        await j.press("C")
        await confirm(j, f"node/{node}")
        await done(j, before, "the cordon")
        before = finished(j)
        await j.press("D")
        await confirm(j, f"node/{node}", typed=node)
        await done(j, before, "the drain")
        j.mitigated()
        # Their replacements run elsewhere; the evicted pods stay Terminating, as no kubelet
        # confirms they stopped: the Resolve phase's "Force pod deletion" (ctrl+k), each.
        await j.shows("17 total · 3 unhealthy")
        stuck = sorted(row.name for row in j.app.pods_pane.rows.values() if row.status == "Terminating")
        assert len(stuck) == 3, stuck
        for name in stuck:
            await cursor_to(j, "1", j.app.pods_pane, lambda row, name=name: row.name == name, name)
            before = finished(j)
            await j.press("ctrl+k")
            await confirm(j, f"pod/{name}", typed=name)
            await done(j, before, f"the force deletion of {name}")
        await j.advance(10)
        await j.shows("14 total · all healthy", "all 5 services healthy")
        await finish(j, incident)

    sent = changes(sim)
    assert sent[0] == ("patch", "nodes", node), sent  # the cordon
    assert sent[-3:] == [("delete", "pods", name) for name in stuck], sent  # the force deletions
    # The drain: the node (cordoned already) and its three pods, evicted or deleted, nothing else.
    drain = sent[1:-3]
    assert {name for _, _, name in drain if name != node} == set(stuck), sent
    assert all(c in {("patch", "nodes", node)} or c[1] in ("pods", "pods/eviction") for c in drain), sent
    kinds_in_order(store_rows(isolated / "incidents.sqlite", incident),
                   through_resolve(f"node/{node}", f"node/{node}", *(f"pod/{name}" for name in stuck)))
