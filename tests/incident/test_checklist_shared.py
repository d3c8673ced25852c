"""Two war rooms on one PostgreSQL incident, driven by keys: each sees the other in "who is
here", and when both tick the same item (bob's tick written while his link to the database
was cut, so he had not seen alice's) it stays ticked and the timeline names both."""

from __future__ import annotations

import contextlib

from test_checklist_keys import in_checklist

from irtui.config import Config
from irtui.incident.model import Actor
from irtui.incident.stores import open_store
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from incident_helpers import via_proxy
from polling import screen_text, until
from war_room_help import declared_elsewhere, isolated, war_args  # noqa: F401 (isolated: a fixture)


def _pieces(sim, isolated, store: str, name: str):
    config = Config.empty()
    args = war_args(sim, isolated)
    args.store, args.as_name = store, name
    return args, open_connection(args, config), config


async def test_two_responders_tick_one_item_it_stays_ticked_and_names_both(sim, isolated, pg_dsn, pg_url,
                                                                          pg_schema, proxy):
    incident_id = await declared_elsewhere(pg_url, "Shared incident", by=Actor("carol", "bastion-9"), phase="assess")
    async with contextlib.AsyncExitStack() as stack:
        alice = await stack.enter_async_context(war_room(*_pieces(sim, isolated, pg_url, "alice")))
        bob = await stack.enter_async_context(war_room(*_pieces(sim, isolated, via_proxy(pg_dsn, pg_schema, proxy),
                                                                "bob")))
        pilot_a = await stack.enter_async_context(alice.run_test(size=(160, 50), notifications=True))
        pilot_b = await stack.enter_async_context(bob.run_test(size=(160, 50), notifications=True))
        for app, pilot, other in ((alice, pilot_a, "bob"), (bob, pilot_b, "alice")):
            await until(lambda: app.session.incident_id == incident_id, "the shared incident", pilot=pilot)
            await until(lambda: "Here: " in screen_text(app) and other in screen_text(app).split("Here: ")[1]
                        .split("\n")[0], f"{other} in who is here", pilot=pilot)

        await proxy.cut()  # bob will not see alice's tick before pressing space himself
        await pilot_a.press("o", "space")
        await until(lambda: "confirm_real" in alice.session.state.ticks, "alice's tick", pilot=pilot_a)
        await pilot_b.press("o")
        await until(lambda: in_checklist(bob), "bob's checklist", pilot=pilot_b)
        assert "confirm_real" not in bob.session.state.ticks
        await pilot_b.press("space")
        await until(lambda: "confirm_real" in bob.session.state.ticks, "bob's tick, queued", pilot=pilot_b)
        await proxy.restore()

        def both_ticked(app) -> bool:
            ticks = [e for e in app.session.entries if e.kind == "checklist"]
            return len(ticks) == 2
        for app, pilot in ((alice, pilot_a), (bob, pilot_b)):
            await until(lambda: both_ticked(app), "both ticks in the shared order", timeout=60, pilot=pilot)
            tick = app.session.state.ticks["confirm_real"]
            assert tick.who.startswith("alice") and [n.split(" ")[0] for n in tick.also] == ["bob"]
            await until(lambda: f"✓ {tick.who}" in screen_text(app) and "+ bob" in screen_text(app),
                        "the item ticked by alice, with bob beside her", pilot=pilot)

    store = open_store(pg_url)
    await store.open()
    try:
        entries = await store.entries(incident_id)
    finally:
        await store.close()
    checklist = [e for e in entries if e.kind == "checklist"]
    assert [(e.actor.user, e.details["state"]) for e in checklist] == [("alice", "ticked"), ("bob", "ticked")]
    assert sorted(e.actor.user for e in entries if e.kind == "joined") == ["alice", "bob"]
