"""SVG snapshots of the whole main screen (header, clock bar, next-step bar, sidebar, every
pane, footer) during a crash loop with an incident open, at 80x24, 160x45 and 220x60.

The screen is live; it is made the same every run through its inputs, not by reaching into
widgets:
- the simulator's clock starts at a fixed time and stands still (`--start`, `--speed 0`):
  pod names come from its seed, and the crash loop is moved on by `/sim/advance`;
- the app reads one clock (`war_room(now=...)`, `IrtuiApp.now`), here the simulator's
  time, so ages, "ago" and the incident clocks are fixed;
- the incident (its id, times, the entries and so the timeline's head) is in the store
  before the app starts, written with fixed times and entry ids;
- the terminal is read-only, so it writes nothing of its own to the timeline (a responder's
  "joined" entry would carry a new id and change the head every run);
- the machine's name and the login name are fixed, and the header is told the API server
  at a fixed address (the client still talks to the simulator's real, random port).

The SVGs are stored by pytest-textual-snapshot's SVG extension (`--snapshot-update`
rewrites them). `snap_compare` itself runs the app in an event loop of its own, and the war
room's store must be opened in the loop the app runs in, so the picture is taken here.
The text is asserted too: the point of the pictures is that READY, STATUS and RESTARTS and a
CrashLoopBackOff row are on the main screen at every size."""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from pytest_textual_snapshot import SVGImageExtension

from irtui.config import Config
from irtui.incident.model import Actor
from irtui.incident.session import IncidentSession
from irtui.incident.store import make_entry
from irtui.incident.stores import open_store
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import control, isolated, war_args  # noqa: F401 (isolated: a fixture)

START = datetime(2026, 11, 28, 3, 0, 0, tzinfo=timezone.utc)
DECLARED = START + timedelta(minutes=2)
NOW = START + timedelta(minutes=3)  # the simulator is advanced to here
ALICE = Actor("alice", "bastion-1", kube="sre")
HEADER = re.compile(r"NAME\s+READY\s+STATUS\s+RESTARTS")
CRASH_ROW = re.compile(r"task-s\S*\s+0/1\s+CrashLoopBackOff\s+[1-9]\d*")


async def _prepared_incident(store_path: str) -> str:
    """alice's incident, declared at 03:02 with two entries after it, all with fixed ids."""
    store = open_store(store_path)
    await store.open()
    try:
        body = {"title": "task-service crash loop", "severity": "P1", "services": ["task-service"],
                "status": "Investigating", "phase": "detect", "detected_at": "2026-11-28T03:01:00.000000Z",
                "incident_kind": "service_outage"}
        declared = await store.declare(make_entry("", "declared", "[P1] task-service crash loop", body, ALICE,
                                                  entry_id="snapshot-declared", ts=DECLARED))
        session = IncidentSession(store, ALICE, now=lambda: DECLARED + timedelta(seconds=30))
        await session.start(declared.incident_id)
        await session.append("checklist", "ticked: Acknowledge alert in PagerDuty",
                             {"item": "ack_alert", "state": "ticked", "done": True, "phase": "detect"},
                             entry_id="snapshot-tick")
        await session.append("note", "task-service pods restart every minute; DB pool errors in the logs",
                             entry_id="snapshot-note")
        await session.stop()
        return declared.incident_id
    finally:
        await store.close()


@pytest.fixture
def fixed_machine(monkeypatch):
    """The same login and host names and time zone on every machine (the header shows them)."""
    import irtui.kube.client

    monkeypatch.setattr(irtui.kube.client, "login_name", lambda: "oncall")
    monkeypatch.setattr(os, "uname", lambda: os.uname_result(("Linux", "war-room-1", "6.1", "#1", "x86_64")))
    monkeypatch.setenv("TZ", "UTC")  # the metrics pane writes its times in local time
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def still_latency(monkeypatch):
    """Health checks take no time: the latency column reads a stopped stopwatch (the checks
    still go to the simulator and back)."""
    import irtui.health.transport

    monkeypatch.setattr(irtui.health.transport, "time", SimpleNamespace(perf_counter=lambda: 0.0))


@pytest.mark.parametrize("size", [(80, 24), (160, 45), (220, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_main_screen_during_a_crash_loop(sim_factory, isolated, fixed_machine, still_latency, snapshot,
                                                 size):
    sim = sim_factory("--speed", "0", "--start", START.isoformat())
    await control(sim, "POST", "/sim/scenarios/crashloop-task-service")
    await control(sim, "POST", "/sim/advance", json={"seconds": (NOW - START).total_seconds()})
    config = Config.empty()
    args = war_args(sim, isolated, read_only=True)
    incident_id = await _prepared_incident(args.store)
    connection = open_connection(args, config)
    connection.cluster_url = "https://10.0.0.1:6443"  # what the header shows; the client keeps the real one
    async with war_room(args, connection, config, now=lambda: NOW) as app:
        async with app.run_test(size=size) as pilot:
            def settled() -> bool:
                text = screen_text(app)
                # The footer is drawn last, once the focus has settled: its keys are part of the picture.
                return bool(HEADER.search(text) and CRASH_ROW.search(text) and incident_id in text
                            and "next: " in text and "connecting" not in text
                            and "Checklist" in text.splitlines()[-1])

            await until(settled, f"the crash loop and the incident at {size}", pilot=pilot)
            if size[0] >= 160:  # the grid shows every pane: wait for the health checks' first round
                await until(lambda: "FAILING" in screen_text(app), "the health pane's first round", pilot=pilot)
            await pilot.pause()
            text = screen_text(app)
            assert HEADER.search(text) and CRASH_ROW.search(text), text
            assert re.search(rf"{incident_id} P1\s*\|\s*T\+2m", text), text  # detected 03:01, now 03:03
            assert app.query_one("#sidebar").display == (size[0] >= 140)
            svg = app.export_screenshot(title="irtui")
    assert snapshot.use_extension(SVGImageExtension) == svg
