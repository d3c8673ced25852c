"""The shared PostgreSQL store down when irtui starts: the war room opens anyway, says so,
declares with a provisional id and keeps entries locally; when the store returns, the
incident is numbered in the shared sequence and its entries land there in order, once.

The outage is a cut TCP proxy in front of the real PostgreSQL (other tests keep using the
server directly). The app is driven by keys from its start; what is asserted is what
reached PostgreSQL, what `irtui verify` says, and what the screen shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from irtui.config import Config
from irtui.incident.model import Actor, verify_chain
from irtui.incident.session import IncidentSession
from irtui.incident.store import is_provisional
from irtui.incident.stores import open_store
from irtui.ui.incident import ClockBar
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from incident_helpers import via_proxy
from polling import screen_text, until
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)

TITLE = "Gateway 502s"
NOTE = "pool exhausted on task-service"


def clock_bar(app) -> str:
    return str(app.query_one(ClockBar).render())


async def test_start_with_the_store_down_declare_note_then_reconcile(sim, isolated, pg_dsn, pg_url, pg_schema,
                                                                    proxy, tmp_path):
    await proxy.cut()  # PostgreSQL unreachable from this machine before irtui starts
    # Another responder's irtui, on a working connection, all along.
    other_store = open_store(pg_url, outbox=tmp_path / "other-outbox.sqlite")
    await other_store.open()
    other = IncidentSession(other_store, Actor("bob", "laptop-b"))
    await other.start()

    config = Config.empty()
    args = war_args(sim, isolated)
    args.store = via_proxy(pg_dsn, pg_schema, proxy)
    connection = open_connection(args, config)
    try:
        async with war_room(args, connection, config) as app:
            async with app.run_test(size=(160, 50)) as pilot:
                await until(lambda: "shared store unreachable" in screen_text(app), "the store badge", pilot=pilot)

                # Declare by keys: the title, the first impact question (users cannot
                # access: P0), then tab by tab to the Declare button.
                await pilot.press("I", *TITLE, "tab", "enter", *["tab"] * 6, "enter")
                await until(lambda: app.session.is_open, "the incident to be declared", pilot=pilot)
                provisional = app.session.incident_id
                assert is_provisional(provisional), provisional
                await until(lambda: f"{provisional} is provisional" in screen_text(app),
                            "the provisional id", pilot=pilot)
                assert provisional in clock_bar(app)

                await pilot.press("N", *NOTE, "enter")
                await until(lambda: any(e.kind == "note" for e in app.session.timeline), "the note", pilot=pilot)
                assert all(e.pending for e in app.session.timeline)

                await proxy.restore()
                await until(lambda: not app.session.provisional and not app.session.pending,
                            "the incident to be numbered and its entries replayed", pilot=pilot)
                real = app.session.incident_id
                await until(lambda: real in clock_bar(app), "the real id in the clock bar", pilot=pilot)
                await until(lambda: "kept locally" not in screen_text(app), "the badge to go", pilot=pilot)
                assert provisional not in clock_bar(app)
    finally:
        await other.stop()

    check = open_store(pg_url, outbox=tmp_path / "check-outbox.sqlite")
    await check.open()
    try:
        entries = await check.entries(real)
    finally:
        await check.close()
    assert [(e.kind, e.text) for e in entries if e.kind != "observation"][:3] == [
        ("declared", f"[P0] {TITLE}"),
        ("reconciled", f"declared as {provisional} while the shared store was unreachable; numbered {real}"),
        ("note", NOTE),
    ]
    assert entries[1].details == {"provisional_id": provisional, "incident_id": real}
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1)) and verify_chain(entries).ok
    verify = subprocess.run([sys.executable, "-m", "irtui", "verify", real, "--store", pg_url],
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # The other responder joined the numbered incident and saw each entry once.
    assert other.incident_id == real
    assert [e.entry_id for e in other.entries] == [e.entry_id for e in entries]
    await other_store.close()


async def test_provisional_incident_survives_a_restart_and_is_numbered_once(pg_dsn, pg_url, pg_schema, proxy,
                                                                            tmp_path):
    await proxy.cut()
    outbox = tmp_path / "outbox.sqlite"
    url = via_proxy(pg_dsn, pg_schema, proxy)
    store = open_store(url, outbox=outbox, start_offline=True)
    await store.open()
    session = IncidentSession(store, Actor("alice", "laptop-a"))
    await session.start()
    provisional = await session.declare("laptop lid closed", "P2")
    await session.note("written offline")
    await store.close()  # irtui quits with everything still in the outbox

    again = open_store(url, outbox=outbox, start_offline=True)
    await again.open()
    session = IncidentSession(again, Actor("alice", "laptop-a"))
    await session.start()  # still down: the provisional incident is reattached from the outbox
    try:
        assert session.incident_id == provisional and [e.text for e in session.timeline][1:] == ["written offline"]
        await proxy.restore()
        await again.flush()
        await until(lambda: not session.provisional)  # the session follows the incident
        real = session.incident_id
        entries = await again.entries(real)
        assert [e.kind for e in entries] == ["declared", "reconciled", "note"] and verify_chain(entries).ok
        assert await again.pending() == []
    finally:
        await again.close()
    assert [i for i, _ in await _incidents(pg_url, tmp_path)] == [real]


async def test_verify_still_says_an_unreachable_store_is_unreachable(pg_dsn, pg_schema, proxy):
    await proxy.cut()
    result = subprocess.run([sys.executable, "-m", "irtui", "verify", "INC-20261128-1", "--store",
                             via_proxy(pg_dsn, pg_schema, proxy)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "unreachable" in result.stderr and len(result.stderr.splitlines()) == 1


async def _incidents(url, tmp_path):
    store = open_store(url, outbox=tmp_path / "list-outbox.sqlite")
    await store.open()
    try:
        return await store.incidents()
    finally:
        await store.close()


async def test_an_incident_declared_elsewhere_during_the_outage_is_joined_when_it_ends(pg_dsn, pg_url, pg_schema,
                                                                                       proxy, tmp_path):
    await proxy.cut()
    store = open_store(via_proxy(pg_dsn, pg_schema, proxy), outbox=tmp_path / "a.sqlite", start_offline=True)
    await store.open()
    alice = IncidentSession(store, Actor("alice", "laptop-a"))
    await alice.start()
    other = open_store(pg_url, outbox=tmp_path / "b.sqlite")
    await other.open()
    try:
        bob = IncidentSession(other, Actor("bob", "laptop-b"))
        await bob.start()
        closed = await bob.declare("yesterday's", "P3")
        await bob.close()
        incident = await bob.declare("declared while alice was cut off", "P1")
        await bob.note("bob's first note")
        assert alice.incident_id is None
        await proxy.restore()
        await until(lambda: alice.incident_id == incident and len(alice.entries) == 2, timeout=60)
        assert [e.text for e in alice.entries][1:] == ["bob's first note"]
        assert closed != incident
    finally:
        await store.close()
        await other.close()


async def test_a_read_only_screen_starts_with_the_store_down_and_writes_nothing(sim, isolated, pg_dsn, pg_url,
                                                                                pg_schema, proxy, tmp_path):
    await proxy.cut()
    config = Config.empty()
    args = war_args(sim, isolated, read_only=True)
    args.store = via_proxy(pg_dsn, pg_schema, proxy)
    connection = open_connection(args, config)
    writer_store = open_store(pg_url, outbox=tmp_path / "writer-outbox.sqlite")
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            await until(lambda: "shared store unreachable: retrying" in screen_text(app),
                        "the store badge", pilot=pilot)
            await pilot.press("I", "N")  # declare and note: not offered on a read-only screen
            await pilot.pause()
            assert not app.session.is_open and len(app.screen_stack) == 1
            # A responder declares from a writable terminal; the store comes back.
            await writer_store.open()
            writer = IncidentSession(writer_store, Actor("bob", "laptop-b"))
            incident = await writer.declare("seen from the wall screen", "P1")
            await proxy.restore()
            await until(lambda: app.session.incident_id == incident, "the wall screen to join", pilot=pilot)
            await until(lambda: "shared store unreachable" not in screen_text(app), "the badge to go", pilot=pilot)
        data_home = Path(os.environ["XDG_DATA_HOME"])
    try:
        entries = await writer_store.entries(incident)
    finally:
        await writer_store.close()
    assert [e.actor.user for e in entries] == ["bob"]
    # Not even an empty outbox file: a read-only terminal writes nothing at all.
    assert not [p for p in data_home.rglob("*") if p.is_file()]
