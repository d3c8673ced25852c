"""The alert reaches the terminal: `irtui` on a pty writes the bell and an OSC 9 desktop
notification when a rule fires, and a wall screen configured quiet writes neither."""

from __future__ import annotations

import os
import re
import sys

from tests.ui.test_hangup import _drain_until, _kill, _spawn_in_pty, home  # noqa: F401 (home: a fixture)

# Health rounds every 2 s, so that the fault shows within seconds.
CONFIG = "[health]\ninterval = 2\ntimeout = 2\n"

# Operating system commands (Textual's pointer shape, OSC 22, ends with BEL): not a bell.
OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def bells(output: bytes) -> int:
    return OSC.sub(b"", output).count(b"\x07")


def _run_until_detected(sim, home, tmp_path, config: str, *flags: str) -> bytes:
    config_file = tmp_path / "config.toml"
    config_file.write_text(config)
    argv = [sys.executable, "-m", "irtui", "--kubeconfig", sim.kubeconfig, "--config", str(config_file),
            "--store", str(tmp_path / "incidents.sqlite"), *flags]
    pid, fd = _spawn_in_pty(argv, home)
    try:
        screen = _drain_until(fd, b"task-service", 60)
        assert b"task-service" in screen, screen[-500:]
        sim.control("POST", "/sim/scenarios/complete-outage")
        sim.control("POST", "/sim/advance", json={"seconds": 30})
        return screen + _drain_until(fd, b"DETECTED", 90) + _drain_until(fd, b"\x1b]777;", 5)
    finally:
        os.close(fd)
        _kill(pid)


def test_a_rule_firing_rings_the_bell_and_notifies_the_desktop(sim, home, tmp_path):
    seen = _run_until_detected(sim, home, tmp_path, CONFIG)
    assert b"DETECTED" in seen, seen[-800:]
    assert bells(seen) >= 1  # one per new finding (the rate limit is in test_rules)
    assert b"\x1b]9;irtui: incident detected: " in seen
    assert b"\x1b]777;notify;irtui: incident detected;" in seen


def test_a_quiet_wall_screen_shows_the_banner_without_bell_or_notification(sim, home, tmp_path):
    seen = _run_until_detected(sim, home, tmp_path, CONFIG + "[detect]\nnotify_terminal = false\n", "--read-only")
    assert b"DETECTED" in seen, seen[-800:]
    assert bells(seen) == 0
    assert b"\x1b]9;" not in seen and b"\x1b]777;" not in seen
