"""The journeys' timing table: keystrokes and seconds from each fault to its mitigation and
to close, collected by the journey tests and printed in the terminal summary (reported,
never asserted: the machine's load decides the seconds)."""

from __future__ import annotations

from journey_help import TIMINGS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not TIMINGS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("journeys: from the fault's start (keys pressed, seconds by the test's clock)")
    write(f"{'scenario':<26} {'keys to mitigation':>18} {'s to mitigation':>16} {'keys to close':>14} {'s to close':>11}")
    for t in TIMINGS:
        write(f"{t.scenario:<26} {t.keys_to_mitigation:>18} {t.seconds_to_mitigation:>16.1f} "
              f"{t.keys_to_close:>14} {t.seconds_to_close:>11.1f}")
