"""The journeys' timing table: keystrokes and seconds from each fault to its mitigation and
to close, collected by the journey tests and printed in the terminal summary (reported,
never asserted: the machine's load decides the seconds).

Each test's timings travel on its report (`user_properties`), so the table is whole when
the tests run in several worker processes (pytest-xdist)."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from journey_help import TIMINGS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        while TIMINGS:
            report.user_properties.append(("journey", asdict(TIMINGS.pop(0))))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    rows = [value for report in terminalreporter.stats.get("passed", [])
            for name, value in getattr(report, "user_properties", ()) if name == "journey"]
    if not rows:
        return
    write = terminalreporter.write_line
    terminalreporter.section("journeys: from the fault's start (keys pressed, seconds by the test's clock)")
    write(f"{'scenario':<26} {'keys to mitigation':>18} {'s to mitigation':>16} {'keys to close':>14} {'s to close':>11}")
    for t in sorted(rows, key=lambda row: row["scenario"]):
        write(f"{t['scenario']:<26} {t['keys_to_mitigation']:>18} {t['seconds_to_mitigation']:>16.1f} "
              f"{t['keys_to_close']:>14} {t['seconds_to_close']:>11.1f}")
