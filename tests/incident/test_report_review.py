"""The report's review parts from a timeline written through a session on a SQLite store:
action items keep the owner written, due date and priority; durations read `2 h 05 min`;
a pipe and a newline in a note keep the timeline table one row per entry; a required
timestamp the timeline lacks is flagged in Markdown and JSON alike; impact is prose."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

from irtui.incident.model import Actor
from irtui.incident.report import render_report
from irtui.incident.review import action_item, action_items, long_duration
from irtui.incident.session import IncidentSession
from irtui.incident.stores import open_store
from irtui.runbook import load_runbook


def _entries(path, script):
    async def run():
        store = open_store(path)
        await store.open()
        session = IncidentSession(store, Actor("root", "bastion"))
        try:
            await session.start()
            await session.declare("Task service down", "P1", ["task-service"])
            await script(session)
            return await store.entries(session.incident_id)
        finally:
            await store.close()

    return asyncio.run(run())


def test_action_items_keep_the_owner_written_a_due_date_and_a_priority(tmp_path):
    async def script(session):
        await session.note("TODO: @bob add pool alert by 2026-12-01 P1")
        await session.note("TODO: ask @carol about the pool size (low)")
        await session.note("TODO: alert on high CPU due 2026-02-30")
        await session.note("TODO: document the failover priority: high")

    items = action_items(_entries(tmp_path / "s.sqlite", script))
    found = {(i.action, i.owner, i.due, i.priority) for i in items}
    assert ("add pool alert", "@bob", "2026-12-01", "P1") in found
    assert ("ask carol about the pool size", "@carol", "", "low") in found
    # "high" inside a sentence is not a priority, and 30 February is not a due date.
    assert ("alert on high CPU due 2026-02-30", "@root", "", "") in found
    assert ("document the failover", "@root", "", "high") in found
    assert [i.rank for i in items] == ["P1", "P1", "P3", "P9"]


def test_long_duration_reads_as_a_duration():
    assert long_duration(timedelta(hours=2, minutes=5)) == "2 h 05 min"
    assert long_duration(timedelta(minutes=45, seconds=10)) == "45 min"
    assert long_duration(timedelta(days=1, hours=3, minutes=10)) == "1 d 03 h 10 min"
    assert long_duration(timedelta(seconds=12)) == "12 s"


def test_pipe_and_newline_keep_the_table_and_a_missing_timestamp_is_flagged(tmp_path):
    async def script(session):
        await session.set_impact(users="30%", data_loss=False, regions=["eu", "us"])
        await session.note("Root cause: pool | exhausted\nby slow queries")
        await session.set_status("Resolved")
        await session.close("Service restored.")

    entries = _entries(tmp_path / "s.sqlite", script)
    runbook = load_runbook(None)
    report = render_report(runbook, entries)
    rows = [line for line in report.split("## Timeline", 1)[1].split("\n## ", 1)[0].splitlines()
            if re.match(r"\| \d+ \| ", line)]
    assert len(rows) == len(entries)
    note = next(r for r in rows if "Root cause" in r)
    assert len(re.split(r"(?<!\\)\|", note.strip().strip("|"))) == 5, note
    assert "pool \\| exhausted<br>by slow queries" in note
    # Declared, classified, a note, then closed: nothing of the investigate, resolve or
    # verify phases, and each is flagged.
    for text in ("Key investigation steps", "Resolution actions", "Verification time"):
        assert re.search(rf"\| {text} \| \*\*MISSING\*\* \| no checklist tick or action of the", report), text
    assert "**Missing required timestamps:** Key investigation steps, Resolution actions, Verification time." in report
    assert "- Users affected: 30%" in report and "- Data loss: No" in report and "- regions: eu, us" in report
    assert "['eu'" not in report and "{'" not in report  # prose, not Python
    assert "## Root Cause\npool \\| exhausted  \nby slow queries" in report

    data = json.loads(render_report(runbook, entries, "json"))
    assert data["missing_timestamps"] == ["Key investigation steps", "Resolution actions", "Verification time"]
    assert [t["seq"] for t in data["timeline"]] == [e.seq for e in entries]
    assert data["root_cause"] == {"text": "pool | exhausted\nby slow queries", "source": "notes", "entries": [3],
                                  "hint": data["root_cause"]["hint"]}
    assert data["impact"]["other"] == {"regions": "eu, us"}


def test_the_forms_entries_win_over_notes_and_the_whys_are_a_section(tmp_path):
    async def script(session):
        await session.note("Root cause: a guess")
        await session.review("root_cause", "missing query timeout")
        await session.review("problem", "API returned 502")
        await session.why(1, "Why 502?", "task-service down")
        await session.why(1, "Why did the gateway return 502?", "task-service down")

    report = render_report(load_runbook(None), _entries(tmp_path / "s.sqlite", script))
    assert "## Root Cause\nmissing query timeout\n" in report
    assert "**Problem:** API returned 502" in report
    assert "**Why #1:** Why did the gateway return 502?" in report and "Why 502?" not in report.split("(5 Whys)")[1]
    assert "### 4. Action items (10 min)" in report and "No action items recorded" in report


def test_an_action_items_owner_defaults_to_its_author(tmp_path):
    async def script(session):
        await session.note("TODO: fix the alert")

    entry = [e for e in _entries(tmp_path / "s.sqlite", script) if e.kind == "note"][0]
    assert action_item(entry).owner == "@root" and not action_item(entry).owner_written


def test_the_configs_redaction_patterns_apply_to_an_older_entry_in_the_report(tmp_path):
    """A patient number written before the team added its pattern is hidden in the report."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    async def script(session):
        await session.note("Root cause: record MRN-4471902 failed to sync")

    path = tmp_path / "s.sqlite"
    incident = _entries(path, script)[0].incident_id
    config = tmp_path / "config.toml"
    config.write_text("[redaction]\npatterns = ['MRN-\\d+']\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "XDG_CONFIG_HOME": str(tmp_path)}
    for fmt in ("md", "json"):
        done = subprocess.run([sys.executable, "-m", "irtui", "report", incident, "--store", str(path),
                               "--config", str(config), "--format", fmt], capture_output=True, text=True,
                              timeout=120, env=env)
        assert done.returncode == 0, done.stderr
        assert "MRN-4471902" not in done.stdout and "failed to sync" in done.stdout, fmt
