"""Two war rooms on one PostgreSQL incident, driven by keys: when alice closes it, bob's
terminal leaves it too: his clock bar says "no incident open", his checklist and timeline
no longer show it, and a notice says who closed it and why. The store holds one `closed`
entry, alice's."""

from __future__ import annotations

import contextlib

from irtui.config import Config
from irtui.incident.model import Actor
from irtui.incident.stores import open_store
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import declared_elsewhere, isolated, war_args  # noqa: F401 (isolated: a fixture)


def _pieces(sim, isolated, store: str, name: str):
    config = Config.empty()
    args = war_args(sim, isolated)
    args.store, args.as_name = store, name
    return args, open_connection(args, config), config


async def test_a_close_in_one_war_room_is_seen_in_the_other(sim, isolated, pg_url, pg_schema):
    incident_id = await declared_elsewhere(pg_url, "Shared incident", by=Actor("carol", "bastion-9"))
    async with contextlib.AsyncExitStack() as stack:
        alice = await stack.enter_async_context(war_room(*_pieces(sim, isolated, pg_url, "alice")))
        bob = await stack.enter_async_context(war_room(*_pieces(sim, isolated, pg_url, "bob")))
        pilot_a = await stack.enter_async_context(alice.run_test(size=(160, 45), notifications=True))
        pilot_b = await stack.enter_async_context(bob.run_test(size=(160, 45), notifications=True))
        for app, pilot in ((alice, pilot_a), (bob, pilot_b)):
            await until(lambda: incident_id in screen_text(app), "the shared incident on the clock bar", pilot=pilot)
        await until(lambda: "Shared incident" in screen_text(bob), "the declaration on bob's timeline", pilot=pilot_b)

        await pilot_a.press("t", "V")
        await until(lambda: "checklist items are not ticked:" in screen_text(alice),
                    "the unticked items", pilot=pilot_a)
        await pilot_a.press(*"drill over", "enter")
        await until(lambda: "Close the incident: the review's answers" in screen_text(alice),
                    "the close form", pilot=pilot_a)
        await pilot_a.press("ctrl+s")  # the form's prefilled summary
        await until(lambda: "no incident open" in screen_text(alice), "alice back to no incident", pilot=pilot_a)

        await until(lambda: "no incident open" in screen_text(bob), "bob back to no incident", pilot=pilot_b)
        await until(lambda: f"{incident_id} was closed by alice@" in screen_text(bob),
                    "the notice naming who closed it", pilot=pilot_b)
        text = screen_text(bob)
        assert "Service restored." in text, text
        # The closed incident's clocks and timeline are gone from bob's screen, not only
        # from his session: the notice is the one place its id is still named.
        assert text.count(incident_id) == 1, text
        assert "Shared incident" not in text, text
        assert bob.session.incident_id is None and not bob.session.is_open
        await pilot_b.press("N")  # a note now has no incident to go to, and says so
        await until(lambda: "no incident open: I declares one" in screen_text(bob), "the note refused", pilot=pilot_b)
        assert f"{incident_id} was closed by" not in screen_text(alice)  # alice closed it: no notice to herself

    store = open_store(pg_url)
    await store.open()
    try:
        entries = await store.entries(incident_id)
    finally:
        await store.close()
    closed = [e for e in entries if e.kind == "closed"]
    assert [(e.actor.user, e.text, e.details["reason"]) for e in closed] == [("alice", "Service restored.",
                                                                              "drill over")]
