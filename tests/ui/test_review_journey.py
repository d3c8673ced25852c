"""Close and review, by keys from the app's start against the simulator: declare, notes
tagged `Root cause:` / `Fix:` / `Prevent:` and a `TODO: @bob` action item, the 5 Whys
form, a checklist tick in the Investigate and the Verify phases, a rollout restart, the
close form (prefilled from the notes), then the report from the incidents list (`r`).

The report written has every section of the runbook's Incident Report and every required
timestamp, its timeline table matches the store entry for entry, and `irtui report
--format json` says the same."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from irtui.config import Config
from irtui.incident.report import md_cell
from irtui.ui.incident.note import NoteScreen
from irtui.ui.incident.review import FormScreen, ReportScreen
from irtui.ui.main import open_connection
from irtui.ui.screens.actions import ConfirmActionScreen
from irtui.ui.screens.incidents import IncidentsScreen, IncidentTimelineScreen
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import declare_by_keys, declared_elsewhere, isolated, store_rows, war_args  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]

# Short: every character is a key press.
TITLE = "Pool down"
NOTES = [
    "Root cause: pool | SQL",
    "Fix: restart",
    "Prevent: timeout",
    "TODO: @bob alert by 2026-12-01 P1",
]
WHYS = [("Why 502?", "crash"), ("Why crash?", "pool"), ("Why pool?", "no timeout")]
SECTIONS = ["# Incident Report: ", "**Incident ID:**", "**Severity:**", "**Status:** Closed", "**Date:**",
            "## Summary", "## Impact", "## Timeline", "## Root Cause", "## Resolution", "## Prevention",
            "## Action Items", "## Lessons Learned", "## Root Cause Analysis (5 Whys)",
            "## Post-Incident Review: Timeline Documentation", "## Post-Incident Review Meeting"]
REQUIRED = ["Detection time", "Classification time", "First responder actions", "Key investigation steps",
            "Resolution actions", "Verification time", "Incident close time"]


async def _note(pilot, text: str) -> None:
    app = pilot.app
    before = len(app.session.timeline)
    await pilot.press("N")
    await until(lambda: isinstance(app.screen, NoteScreen), "the note screen", pilot=pilot)
    await pilot.press(*text, "enter")
    await until(lambda: len(app.session.timeline) > before, f"the note {text!r}", pilot=pilot)


async def _tick_in_phase(pilot, moves: int, phase: str) -> None:
    """`o` to the checklist, `]` `moves` times, `o` out and in again (landing on the new
    phase's first unticked item), space ticks it, `o` back."""
    app = pilot.app
    await pilot.press("o")
    for _ in range(moves):
        before = len(app.session.timeline)
        await pilot.press("right_square_bracket")
        await until(lambda: len(app.session.timeline) > before, "the phase entry", pilot=pilot)
    await until(lambda: app.session.state.phase == phase, f"the {phase} phase", pilot=pilot)
    await pilot.press("o", "o")
    ticks = len(app.session.state.ticks)
    await pilot.press("space")
    await until(lambda: len(app.session.state.ticks) > ticks, f"a tick in {phase}", pilot=pilot)
    await pilot.press("o")


def _table_rows(report: str) -> dict[int, str]:
    """The report's timeline table: seq -> the row as written."""
    rows = {}
    for line in report.split("## Timeline", 1)[1].split("\n## ", 1)[0].splitlines():
        match = re.match(r"\| (\d+) \| ", line)
        if match:
            rows[int(match.group(1))] = line
    return rows


async def test_close_and_review_journey_writes_the_runbooks_report(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    store_file = isolated / "incidents.sqlite"
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            incident_id = await declare_by_keys(pilot, TITLE)
            for text in NOTES:
                await _note(pilot, text)

            # The 5 Whys form from the timeline: problem prefilled with the title.
            await pilot.press("t", "g")
            await until(lambda: isinstance(app.screen, FormScreen) and "5 Whys" in screen_text(app),
                        "the form", pilot=pilot)
            assert TITLE in screen_text(app) and "Answer #1" in screen_text(app), screen_text(app)
            await pilot.press("enter")
            for question, answer in WHYS:
                await pilot.press(*question, "enter", *answer, "enter")
            await pilot.press("ctrl+s")
            await until(lambda: "5 Whys recorded: 3 whys and the problem" in screen_text(app),
                        "the whys recorded", pilot=pilot)

            await _tick_in_phase(pilot, 3, "investigate")

            # A remediation: rollout restart of task-service, from one of its pods.
            await pilot.press("1", "slash", *"task-s", "enter")
            await until(lambda: (app.pods_pane.selected() or None) and
                        app.pods_pane.selected().name.startswith("task-service"), "a task-service pod", pilot=pilot)
            await pilot.press("R")
            await until(lambda: isinstance(app.screen, ConfirmActionScreen),
                        "the confirmation", timeout=120, pilot=pilot)
            await pilot.press("y")
            await until(lambda: any(e.kind == "action_finished" for e in app.session.timeline),
                        "the restart's outcome", timeout=120, pilot=pilot)

            await _tick_in_phase(pilot, 2, "verify")

            # Close: the unticked items ask why, then the form, prefilled from the notes.
            await pilot.press("t", "V")
            await until(lambda: "checklist items are not ticked:" in screen_text(app),
                        "the unticked items", pilot=pilot)
            await pilot.press(*"drill", "enter")
            await until(lambda: "Close the incident: the review's answers" in screen_text(app),
                        "the close form", pilot=pilot)
            shown = screen_text(app)
            assert "pool | SQL" in shown and "timeout" in shown
            await pilot.press("enter", "enter", "enter", "enter", *"page early", "enter")
            await until(lambda: app.session.incident_id is None, "the incident to close", pilot=pilot)

            # The report of the closed incident, from the incidents list.
            await pilot.press("v")
            await until(lambda: isinstance(app.screen, IncidentsScreen) and incident_id in screen_text(app),
                        "the incidents list", pilot=pilot)
            await pilot.press("enter")
            await until(lambda: isinstance(app.screen, IncidentTimelineScreen), "the closed timeline", pilot=pilot)
            await pilot.press("r")
            await until(lambda: isinstance(app.screen, ReportScreen), "the report", pilot=pilot)
            assert "Report written to" in screen_text(app) and f"# Incident Report: {TITLE}" in screen_text(app)
            await pilot.press("escape", "escape", "escape")

    written = isolated / "data-home" / "irtui" / "reports" / f"{incident_id}.md"
    assert written.stat().st_mode & 0o777 == 0o600
    report = written.read_text()
    for heading in SECTIONS:
        assert heading in report, heading
    section = lambda name: report.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]  # noqa: E731
    assert section("Root Cause").strip() == "pool \\| SQL"
    assert section("Resolution").strip() == "restart"
    assert section("Prevention").strip() == "timeout"
    assert section("Lessons Learned").strip() == "page early"
    assert "- [ ] alert (@bob, due 2026-12-01, priority P1)" in report
    assert "| alert | @bob | 2026-12-01 | P1 |" in report  # the review meeting's table
    assert re.search(r"- Duration: (\d+ s|\d+ min|\d+ h \d\d min) \(from detection", report), section("Impact")
    for n, (question, answer) in enumerate(WHYS, 1):
        assert f"**Why #{n}:** {question}" in report and f"**Answer:** {answer}" in report
    assert "**MISSING**" not in report and "Every required timestamp is in the timeline." in report
    documented = section("Post-Incident Review: Timeline Documentation")
    for text in REQUIRED:
        assert re.search(rf"\| {text} \| \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d \| ", documented), text
    assert "Reason given: drill" in report

    rows = store_rows(store_file, incident_id)
    table = _table_rows(report)
    assert sorted(table) == [r["seq"] for r in rows]  # entry for entry
    for row in rows:
        assert f"| {md_cell(row['kind'])} | {md_cell(row['text'])} |" in table[row["seq"]], (row, table[row["seq"]])
    reviews = {r["details"]["section"]: r["details"]["text"] for r in rows if r["kind"] == "review"}
    assert reviews["root_cause"] == "pool | SQL"
    assert reviews["lessons"] == "page early"
    assert [(r["details"]["question"], r["details"]["answer"]) for r in rows if r["kind"] == "why"] == WHYS
    kinds = [r["kind"] for r in rows]
    assert kinds.index("review") < kinds.index("closed")  # the answers are recorded before the close
    patches = [r for r in sim.audit() if r["method"] == "PATCH" and r["path"].endswith("/deployments/task-service")
               and r["status"] < 400 and not r["dry_run"]]
    assert patches, "the restart did not reach the cluster"

    done = subprocess.run([sys.executable, "-m", "irtui", "report", incident_id, "--store", str(store_file),
                           "--format", "json"], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(isolated)})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [(t["seq"], t["kind"], t["text"]) for t in data["timeline"]] == [(r["seq"], r["kind"], r["text"]) for r in rows]
    assert data["root_cause"]["text"] == "pool | SQL"
    assert data["action_items"][0]["owner"] == "@bob" and data["action_items"][0]["priority"] == "P1"
    assert data["missing_timestamps"] == [] and [t["text"] for t in data["required_timestamps"]] == REQUIRED
    assert [w["answer"] for w in data["five_whys"]["whys"]] == [a for _, a in WHYS]


async def test_a_read_only_terminal_shows_the_report_and_writes_no_file(sim, isolated):
    from irtui.cli import parse_args

    store_file = isolated / "incidents.sqlite"
    incident_id = await declared_elsewhere(store_file, "api-gateway 502s", "P1", ["api-gateway"])
    args = parse_args(["--read-only", "--kubeconfig", sim.kubeconfig, "--context", "sim-sre",
                       "--store", str(store_file)])
    config = Config.empty()
    before = store_rows(store_file, incident_id)
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await until(lambda: app.session.incident_id == incident_id, "the open incident", pilot=pilot)
            await pilot.press("t", "r")
            await until(lambda: isinstance(app.screen, ReportScreen), "the report", pilot=pilot)
            shown = screen_text(app)
            assert "read-only terminal: not written to a file" in shown and "# Incident Report: api-gateway 502s" in shown
            await pilot.press("escape")
    assert not (isolated / "data-home" / "irtui").exists()
    assert store_rows(store_file, incident_id) == before


async def test_a_drills_report_stays_with_the_drill(sim, isolated):
    """`irtui demo` keeps its incidents in its own directory; a drill's report goes there too,
    so a drill's INC-...-1 never overwrites the report of the real INC-...-1."""
    workdir = isolated / "data-home" / "irtui" / "demo"
    workdir.mkdir(parents=True)
    incident_id = await declared_elsewhere(workdir / "incidents.sqlite", "drill: api-gateway 502s")
    args = war_args(sim, isolated)
    args.store = None
    config = Config.empty()
    async with war_room(args, open_connection(args, config), config, workdir=workdir) as app:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await until(lambda: app.session.incident_id == incident_id, "the drill's incident", pilot=pilot)
            await pilot.press("t", "r")
            await until(lambda: isinstance(app.screen, ReportScreen), "the report", pilot=pilot)
            assert "Report written to" in screen_text(app)
            await pilot.press("escape")
    assert (workdir / "reports" / f"{incident_id}.md").read_text().startswith("# Incident Report: drill: api-gateway")
    assert not (isolated / "data-home" / "irtui" / "reports").exists()
