"""`irtui report` escapes what people and the cluster wrote: Markdown that stays one table
row per entry and links nothing, JSON that keeps every character, neither with a raw escape."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys

from irtui.incident.model import Actor
from irtui.incident.session import IncidentSession
from irtui.incident.stores import open_store

from hostile import PAYLOADS

TITLE = "API `down` | [click](https://evil.example) <img src=x> \x1b]52;c;aGVsbG8=\x07"
NOTE = "two | cells\nsecond line `code` *bold* _em_ ~strike~ \x1b[2J"


def _incident(path) -> str:
    async def write() -> str:
        store = open_store(path)
        await store.open()
        session = IncidentSession(store, Actor("al|ice", "host"))
        await session.start()
        incident = await session.declare(TITLE, "P1", ["task-service"])
        await session.note(NOTE)
        await session.note("TODO: fix [it](https://evil.example)")
        await store.close()
        return incident

    return asyncio.run(write())


def _report(incident: str, path, fmt: str) -> bytes:
    done = subprocess.run([sys.executable, "-m", "irtui", "report", incident, "--store", str(path), "--format", fmt],
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _cells(row: str) -> list[str]:
    """A Markdown table row's cells: split on pipes that are not backslash-escaped."""
    return re.split(r"(?<!\\)\|", row.strip().strip("|"))


def test_markdown_report_escapes_tables_links_and_control_characters(tmp_path):
    path = tmp_path / "r.sqlite"
    incident = _incident(path)
    raw = _report(incident, path, "md")
    assert not [name for name, payload in PAYLOADS.items() if payload in raw]
    out = raw.decode()
    assert out.startswith("# Incident Report: API \\`down\\` \\| \\[click\\](https://evil.example) \\<img src=x\\> "
                          "␛\\]52;c;aGVsbG8=␇")
    rows = [line for line in out.splitlines() if re.match(r"\| \d+ \| ", line) and "two" in line]  # the timeline's
    assert len(rows) == 1, rows  # the note's newline did not end the row
    assert len(_cells(rows[0])) == 5, rows[0]  # seq, time, kind, event, by
    assert "| two \\| cells<br>second line \\`code\\` \\*bold\\* \\_em\\_ \\~strike\\~ ␛\\[2J | al\\|ice |" in rows[0]
    assert "- [ ] fix \\[it\\](https://evil.example) (@al\\|ice, due not set, priority not set)" in out


def test_json_report_keeps_every_character_escaped_by_json(tmp_path):
    path = tmp_path / "r.sqlite"
    incident = _incident(path)
    raw = _report(incident, path, "json")
    assert not [name for name, payload in PAYLOADS.items() if payload in raw]
    report = json.loads(raw)
    assert report["title"] == TITLE
    assert any(entry["text"] == NOTE for entry in report["timeline"])
