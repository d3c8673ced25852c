"""The incident widgets in a small App, driven headless: ticks and notes become durable
entries, two apps on one PostgreSQL incident see each other's, the clock bar fits and alarms."""

from datetime import timedelta

import pytest

from irtui.incident.model import Actor
from irtui.incident.session import IncidentSession
from irtui.incident.stores import open_store
from irtui.runbook import load_runbook
from irtui.ui.incident import ChecklistSidebar, ClockBar, TimelinePane

from incident_app import IncidentApp
from polling import until


@pytest.fixture(scope="module")
def runbook():
    return load_runbook()


def options_text(widget) -> str:
    return "\n".join(str(o.prompt) for o in widget.list.options)


async def test_tick_and_note_from_keys(sqlite_store, actor, runbook):
    session = IncidentSession(sqlite_store, actor)
    await session.start()
    incident = await session.declare("Task service crashloop", "P1", ["task-service"], incident_kind="database",
                                     phase="assess")
    app = IncidentApp(session, runbook)
    async with app.run_test(size=(120, 40)) as pilot:
        sidebar = app.query_one(ChecklistSidebar)
        text = options_text(sidebar)
        assert "Assessment Checklist" in text and "Confirm incident is real (not false alarm)" in text
        assert "Playbook: P0: Database Failure" in text and "7. Close Incident" in text
        sidebar.list.focus()
        sidebar.list.highlighted = sidebar.list.get_option_index("item:confirm_real")
        await pilot.press("space")
        await until(lambda: "confirm_real" in session.state.ticks, pilot=pilot)
        await pilot.pause()
        await until(lambda: "[x] Confirm incident is real" in options_text(sidebar), pilot=pilot)
        assert "alice" in options_text(sidebar)
        stored = await sqlite_store.entries(incident)
        assert stored[-1].kind == "checklist" and stored[-1].details["item"] == "confirm_real"
        await pilot.press("P", "space")  # the database playbook's first step
        await until(lambda: "p0_database.step1" in session.state.ticks, pilot=pilot)

        timeline = app.query_one(TimelinePane)
        timeline.list.focus()
        await pilot.press("n")
        await pilot.press(*"TODO: add query timeout")
        await pilot.press("enter")
        await until(lambda: any(e.text == "TODO: add query timeout" for e in session.entries), pilot=pilot)
        await until(lambda: "TODO: add query timeout" in options_text(timeline), pilot=pilot)
        assert [e.text for e in session.state.action_items] == ["TODO: add query timeout"]

        await pilot.press("p")  # pin the highlighted (newest) entry
        await until(lambda: session.state.pinned, pilot=pilot)
        sidebar.list.focus()
        await pilot.press("right_square_bracket")  # next phase
        await until(lambda: session.state.phase == "communicate", pilot=pilot)
        await until(lambda: "Post to status page" in options_text(sidebar), pilot=pilot)
        assert "[r] Rollout restart" not in options_text(sidebar)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await until(lambda: session.state.phase == "resolve", pilot=pilot)
        await until(lambda: "[r] Rollout restart" in options_text(sidebar), pilot=pilot)


async def test_declare_screen_suggests_severity_from_impact_questions(sqlite_store, actor, runbook):
    session = IncidentSession(sqlite_store, actor)
    await session.start()
    app = IncidentApp(session, runbook)
    async with app.run_test(size=(100, 40)) as pilot:
        assert "no incident open" in str(app.query_one(ClockBar).render())
        await pilot.press("D")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#declare-title").value = "EMR verification failing"
        from textual.widgets import RadioSet, Select

        services = screen.query_one("#q-services_available", RadioSet)
        services.query("RadioButton")[1].value = True  # Partial
        core = screen.query_one("#q-core_features", RadioSet)
        core.query("RadioButton")[0].value = True  # No -> P1
        await pilot.pause()
        assert screen.query_one("#declare-severity", Select).value == "P1"
        assert "higher" in str(screen.query_one("#declare-advice").render())
        screen.query_one("#declare-services").value = "emr-service"
        screen.query_one("#declare-kind", Select).value = "emr"
        screen.query_one("#declare-detected").value = "20"
        await pilot.click("#declare-ok")
        await until(lambda: session.incident_id is not None, pilot=pilot)
        assert session.state.severity == "P1" and session.state.services == ["emr-service"]
        assert session.state.kind == "emr"
        assert session.state.declared_at - session.state.detected_at >= timedelta(minutes=20)
        await until(lambda: "P1: EMR Integration Failure" in options_text(app.query_one(ChecklistSidebar)), pilot=pilot)


async def test_clock_bar_fits_80_columns_and_turns_red(sqlite_store, actor, runbook):
    session = IncidentSession(sqlite_store, actor)
    await session.start()
    await session.declare("Outage", "P0", ["api-gateway"])
    clock = {"now": session.state.detected_at + timedelta(minutes=5)}
    app = IncidentApp(session, runbook, {"tech_lead": "Pat Lead +1-555-0199"}, now=lambda: clock["now"])
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(ClockBar)
        bar.update_clock()
        text = bar.text(78).plain
        assert "resp 10m" in text and len(text) <= 78 and not bar.has_class("-breached")
        # 80 columns: the incident id, severity and every clock; the timeline's head gives way
        assert text.startswith(f"{session.state.incident_id} P0") and "esc Tech Lead" in text
        assert f"#1 {session.state.head[:8]}" in bar.text(120).plain  # with the status page clock too
        clock["now"] += timedelta(minutes=6)  # 4 minutes left to respond: due soon
        bar.update_clock()
        assert bar.has_class("-due") and not bar.has_class("-breached") and "resp 4m" in bar.text(78).plain
        clock["now"] += timedelta(minutes=24)
        bar.update_clock()
        await pilot.pause()
        assert bar.has_class("-breached") and not bar.has_class("-due") and "BREACHED" in bar.text(78).plain
        assert bar.text(150).plain.endswith(f"#1 {session.state.head[:12]}")
        assert bar.region.width == 80 and bar.region.height == 1


async def test_two_apps_on_postgres_see_each_others_notes(pg_url, tmp_path, runbook):
    stores = [open_store(pg_url, outbox=tmp_path / f"o{i}.sqlite") for i in range(2)]
    for store in stores:
        await store.open()
    a = IncidentSession(stores[0], Actor("alice", "laptop-a"))
    b = IncidentSession(stores[1], Actor("bob", "laptop-b"))
    await a.start()
    await b.start()
    try:
        await a.declare("Shared war room", "P0", phase="assess")
        await until(lambda: b.incident_id == a.incident_id)
        app_a, app_b = IncidentApp(a, runbook), IncidentApp(b, runbook)
        async with app_a.run_test(size=(120, 30)) as pilot_a, app_b.run_test(size=(120, 30)) as pilot_b:
            for app, pilot, text in ((app_a, pilot_a, "note from alice"), (app_b, pilot_b, "note from bob")):
                app.query_one(TimelinePane).list.focus()
                await pilot.press("n")
                await pilot.press(*text)
                await pilot.press("enter")
            sidebar_b = app_b.query_one(ChecklistSidebar)
            sidebar_b.list.focus()
            sidebar_b.list.highlighted = sidebar_b.list.get_option_index("item:determine_severity")
            await pilot_b.press("space")
            for app in (app_a, app_b):
                pane = app.query_one(TimelinePane)
                await until(lambda: "note from alice" in options_text(pane) and "note from bob" in options_text(pane))
            await until(lambda: "[x] Determine severity" in options_text(app_a.query_one(ChecklistSidebar)),
                        pilot=pilot_a)
    finally:
        for store in stores:
            await store.close()


async def test_update_status_severity_escalation_keys(sqlite_store, actor, runbook):
    session = IncidentSession(sqlite_store, actor)
    await session.start()
    incident = await session.declare("EMR failing", "P1", ["emr-service"])
    app = IncidentApp(session, runbook, {"tech_lead": "Pat Lead"})
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(TimelinePane).list.focus()
        await pilot.press("u")
        await pilot.pause()
        from textual.widgets import TextArea

        area = app.screen.query_one(TextArea)
        assert "Severity: P1" in area.text and "Status: Investigating" in area.text
        await pilot.press("ctrl+s")
        await until(lambda: session.state.last_update_at is not None, pilot=pilot)
        posted = [e for e in session.entries if e.kind == "update_posted"][-1]
        assert posted.details["channels"] == ["#incidents", "status_page"] and "Incident Update" in posted.text
        before = session.entries[posted.seq - 2]
        assert f"Timeline head: #{before.seq} {before.hash[:12]}" in posted.text
        await pilot.press("z")
        await until(lambda: session.state.snoozed_until is not None, pilot=pilot)
        await pilot.press("s")
        await until(lambda: session.state.status == "Identified", pilot=pilot)
        await pilot.press("plus")
        await until(lambda: session.state.severity == "P0", pilot=pilot)
        await pilot.press("e")  # the escalation prompt: enter records the call
        await pilot.pause()
        await pilot.press("enter")
        await until(lambda: session.state.escalations, pilot=pilot)
        assert session.state.escalations[0].details == {"role": "tech_lead", "contact": "Pat Lead", "reason": "Tech Lead"}
        await pilot.press("a", *"scribe bob", "enter")
        await until(lambda: session.state.roles == {"scribe": "bob"}, pilot=pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("Input").value = "users=30%, data_loss=no, services=emr-service;task-service"
        await pilot.press("enter")
        await until(lambda: session.state.impact.get("users") == "30%", pilot=pilot)
        assert session.state.impact["data_loss"] is False
        assert session.state.services == ["emr-service", "task-service"]
        await pilot.press("V")
        await pilot.pause()
        assert "checklist items are not ticked:" in str(app.screen.query_one("Label").render())
        await pilot.press(*"drill", "enter")  # why close anyway
        await pilot.pause()
        await pilot.press("ctrl+s")  # the close form: its prefilled summary, nothing else written
        await until(lambda: not session.is_open, pilot=pilot)
        await until(lambda: "no incident open" in app.query_one(ClockBar).text().plain, pilot=pilot)
        entries = await sqlite_store.entries(incident)
        assert [e.text for e in entries if e.kind == "status"][-1] == "status: Resolved"
        closed = entries[-1] if entries[-1].kind == "closed" else next(e for e in entries if e.kind == "closed")
        assert closed.text == "Service restored." and closed.details["reason"] == "drill"


async def test_read_only_terminal_writes_nothing(sqlite_store, actor, runbook):
    from irtui.safety import Guard, ReadOnlyError

    writer = IncidentSession(sqlite_store, actor)
    await writer.start()
    incident = await writer.declare("Outage", "P0", phase="assess")
    viewer = IncidentSession(sqlite_store, actor, guard=Guard(read_only=True))
    await viewer.start()
    assert viewer.incident_id == incident and not viewer.writable
    with pytest.raises(ReadOnlyError):
        await viewer.note("nope")
    assert await viewer.observe("pod/x", "CrashLoopBackOff") is None
    before = len(await sqlite_store.entries(incident))
    app = IncidentApp(viewer, runbook)
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(ChecklistSidebar).list.focus()
        await pilot.press("space", "right_square_bracket")
        app.query_one(TimelinePane).list.focus()
        await pilot.press("n", "p", "u", "z", "s", "plus", "e")
        await pilot.pause()
        await app.workers.wait_for_complete()
    assert len(await sqlite_store.entries(incident)) == before


async def test_timeline_marks_queued_entries_until_the_store_is_back(pg_dsn, pg_schema, proxy, tmp_path, runbook):
    from incident_helpers import via_proxy

    store = open_store(via_proxy(pg_dsn, pg_schema, proxy), outbox=tmp_path / "o.sqlite")
    await store.open()
    session = IncidentSession(store, Actor("alice", "laptop-a"))
    await session.start()
    try:
        await session.declare("Flaky network", "P1")
        app = IncidentApp(session, runbook)
        async with app.run_test(size=(120, 30)) as pilot:
            pane = app.query_one(TimelinePane)
            pane.list.focus()
            await proxy.cut()
            await pilot.press("n", *"written offline", "enter")
            await until(lambda: "written offline" in options_text(pane), pilot=pilot)
            assert "queued: shared store unreachable" in options_text(pane)
            await proxy.restore()
            await until(lambda: "queued" not in options_text(pane), timeout=30, pilot=pilot)
            assert options_text(pane).count("written offline") == 1
    finally:
        await store.close()


async def test_command_palette_runs_incident_actions(sqlite_store, actor, runbook):
    session = IncidentSession(sqlite_store, actor)
    await session.start()
    await session.declare("Palette", "P2", phase="assess")
    app = IncidentApp(session, runbook)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"next status")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(lambda: session.state.status == "Identified", pilot=pilot)
        from irtui.safety import Guard
        from irtui.ui.incident.commands import IncidentCommands

        session.guard = Guard(read_only=True)  # as a read-only terminal: nothing that writes is offered
        titles = [t for t, _, _ in IncidentCommands(app.screen).commands()]
        # Composing an update and the escalation prompt stay: they show and copy, never send;
        # the report only reads: a read-only terminal shows it (and writes no file).
        assert titles == ["Incident: status update", "Incident: escalation", "Incident: report", "Incidents",
                          "Incident: show playbook"]


async def test_the_declare_form_records_the_pagerduty_incident_id(sqlite_store, actor, runbook):
    session = IncidentSession(sqlite_store, actor)
    await session.start()
    app = IncidentApp(session, runbook)
    async with app.run_test(size=(100, 60)) as pilot:  # the whole form, the error line too
        await pilot.press("D")
        await pilot.pause()
        screen = app.screen
        from textual.widgets import Select

        screen.query_one("#declare-title").value = "Paged by PagerDuty"
        screen.query_one("#declare-severity", Select).value = "P1"
        screen.query_one("#declare-pagerduty").value = "PT4 KHLK;"
        await pilot.click("#declare-ok")
        await pilot.pause()
        assert "letters and digits" in str(screen.query_one("#declare-error").render())
        assert session.incident_id is None
        field = screen.query_one("#declare-pagerduty")
        field.value = "PT4KHLK"
        field.focus()
        await pilot.press("enter")  # enter in a field declares, as the button does
        await until(lambda: session.incident_id is not None, pilot=pilot)
        [declared] = [e for e in session.entries if e.kind == "declared"]
        assert declared.details["pagerduty_incident_id"] == "PT4KHLK"
