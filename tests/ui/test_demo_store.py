"""A drill keeps its incidents in the data folder under a demo name (0700), says where when
it ends, and `irtui report`/`verify` read them from there; a read-only drill writes nothing.
`irtui demo` runs in a pseudo-terminal, as a person starts it."""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import stat
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from test_hangup import _drain_until, _exited_within, _kill, _read_to_eof, _spawn_in_pty, home  # noqa: F401 (home: a fixture)

import irtui
from irtui.incident.boot import start_session

_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>$]*[a-zA-Z]")


def _until_shown(fd: int, text: str, timeout: float) -> str:
    """What the terminal showed, escape sequences dropped, once `text` is in it (or the time is up)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += _drain_until(fd, b"\x00never", 0.5)
        if text.encode() in _ESCAPES.sub(b"", seen):
            break
    return _ESCAPES.sub(b"", seen).decode(errors="replace")


async def _declare_in(store: str) -> str:
    session = await start_session(store=store)
    try:
        return await session.declare("Drill left open", "P2")
    finally:
        await session.stop()
        await session.store.close()


def _demo(home: dict[str, str], *extra: str) -> tuple[int, int]:
    pid, fd = _spawn_in_pty([sys.executable, "-m", "irtui", "demo", *extra], {**home, "PYTHONPATH": str(Path(irtui.__file__).parents[1])})
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))  # room for the clock bar
    return pid, fd


def test_demo_keeps_its_store_says_where_and_report_reads_it(home, tmp_path):
    demo = tmp_path / "data" / "irtui" / "demo"
    store = demo / "incidents.sqlite"
    demo.mkdir(parents=True)
    incident_id = asyncio.run(_declare_in(str(store)))  # an earlier drill, left open
    pid, fd = _demo(home)
    try:
        # The clock bar (`INC-… P2 | T+1m | …`, tighter at 80 columns): the drill attached to the open incident.
        screen = _until_shown(fd, incident_id, 90)
        assert "T+" in screen, screen[-800:]
        os.write(fd, b"q")
        asked = _until_shown(fd, "quit anyway?", 30)
        assert f"{incident_id} is open: quit anyway? y/n" in asked, asked[-800:]
        os.write(fd, b"y")
        said = _read_to_eof(fd, 30)
        assert _exited_within(pid, 10.0) is not None
    finally:
        os.close(fd)
        _kill(pid)
    text = said.decode(errors="replace")
    assert f"the drill's incidents are kept in {store}" in text, text[-800:]
    assert f"irtui report ID --store {store}" in text
    assert stat.S_IMODE(demo.stat().st_mode) == 0o700
    report = subprocess.run([sys.executable, "-m", "irtui", "report", incident_id, "--store", str(store)],
                            capture_output=True, text=True, timeout=120, env={**os.environ, **home})
    assert report.returncode == 0 and "Drill left open" in report.stdout, report.stdout + report.stderr
    verify = subprocess.run([sys.executable, "-m", "irtui", "verify", incident_id, "--store", str(store)],
                            capture_output=True, text=True, timeout=120, env={**os.environ, **home})
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_read_only_demo_writes_nothing_and_names_no_store(home, tmp_path):
    pid, fd = _demo(home, "--read-only")
    try:
        screen = _until_shown(fd, "Namespace", 90)
        assert "Namespace" in screen, screen[-800:]
        os.write(fd, b"q")
        said = _read_to_eof(fd, 30)
        assert _exited_within(pid, 10.0) is not None
    finally:
        os.close(fd)
        _kill(pid)
    assert b"kept in" not in said
    assert not (tmp_path / "data").exists(), sorted(str(p) for p in (tmp_path / "data").rglob("*"))
