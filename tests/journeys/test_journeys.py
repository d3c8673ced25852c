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

from journey_help import (PHASES, close, declare, errors_fall, journey, kinds_in_order, move_to, open_checklist,
                          tick_phases)
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
        await j.until(lambda: "p0_database.step3" in j.app.session.state.ticks, "the step's tick")

        await j.advance(30)
        await j.shows("all 5 services healthy", "14 total · all healthy")
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
