"""How the incident state reads checklist entries, written through a session into the real
SQLite store and read back: explicit states, never toggles; older entries (with `done`
only) read as they always did; who is here follows the entries' authors."""

from __future__ import annotations

from datetime import timedelta

from irtui.incident.model import Actor
from irtui.incident.session import IncidentSession
from irtui.incident.state import fold
from irtui.incident.store import make_entry

ALICE = Actor("alice", "laptop-a", kube_user="alice@example.org")
BOB = Actor("bob", "laptop-b")


async def test_a_second_tick_is_recorded_but_changes_nothing_and_untick_needs_its_own_entry(sqlite_store):
    alice, bob = IncidentSession(sqlite_store, ALICE), IncidentSession(sqlite_store, BOB)
    await alice.start()
    incident = await alice.declare("Gateway down", "P0")
    await bob.start()
    await alice.tick("confirm_real", text="Confirm incident is real")
    await bob.tick("confirm_real", text="Confirm incident is real")
    await alice.tick("confirm_real")  # pressed again: still alice's tick, nobody added twice
    state = fold(incident, await sqlite_store.entries(incident))
    tick = state.ticks["confirm_real"]
    assert (tick.who, tick.also) == ("alice (alice@example.org)", ("bob",))

    await bob.untick("confirm_real", "ticked the wrong incident", text="Confirm incident is real")
    state = fold(incident, await sqlite_store.entries(incident))
    assert "confirm_real" not in state.ticks
    assert (state.unticks["confirm_real"].who, state.unticks["confirm_real"].reason) == (
        "bob", "ticked the wrong incident")
    assert [r.name for r in state.present(state.responders["bob@laptop-b"].last_seen, timedelta(minutes=15))] == [
        "bob", "alice (alice@example.org)"]
    # Fifteen minutes of silence later, nobody is here.
    assert state.present(state.responders["bob@laptop-b"].last_seen + timedelta(minutes=16),
                         timedelta(minutes=15)) == []


async def test_entries_written_before_explicit_states_read_as_before(sqlite_store):
    session = IncidentSession(sqlite_store, ALICE)
    await session.start()
    incident = await session.declare("Old timeline", "P1")
    for done in (True, False, True):  # what an older irtui wrote: `done` and no `state`
        await sqlite_store.append(make_entry(incident, "checklist", "old", {"item": "ack_alert", "done": done}, BOB))
    await sqlite_store.append(make_entry(incident, "checklist", "old", {"item": "join_channel"}, BOB))
    state = fold(incident, await sqlite_store.entries(incident))
    assert set(state.ticks) == {"ack_alert", "join_channel"}
    assert state.ticks["ack_alert"].who == "bob" and state.unticks["ack_alert"].reason == ""


async def test_war_rooms_announce_joining_an_incident_but_not_declaring_one(pg_url, tmp_path):
    from irtui.incident.stores import open_store

    from polling import until

    stores = [open_store(pg_url, outbox=tmp_path / f"outbox-{n}.sqlite") for n in "ab"]
    for store in stores:
        await store.open()
    try:
        alice, bob = (IncidentSession(store, actor, announce=True) for store, actor in zip(stores, (ALICE, BOB), strict=True))
        await alice.start()
        await bob.start()
        incident = await alice.declare("Gateway down", "P0")
        await until(lambda: bob.incident_id == incident and any(e.kind == "joined" for e in alice.entries))
        entries = await stores[0].entries(incident)
        assert [(e.kind, e.actor.user) for e in entries] == [("declared", "alice"), ("joined", "bob")]
        state = fold(incident, entries)
        assert [r.name for r in state.present(entries[-1].ts, timedelta(minutes=15))] == [
            "bob", "alice (alice@example.org)"]
    finally:
        for store in stores:
            await store.close()
