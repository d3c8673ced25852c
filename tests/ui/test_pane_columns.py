"""Every pane keeps its signal at 80x24, 160x45 and 220x60 during a crash loop with an
incident open: the columns that go last are there (pods: READY, STATUS, RESTARTS; nodes:
STATUS; health: Status; database: the query's PID and duration) and a value with a unit is
shown whole (error %, p95 ms, health latency ms, database ping ms), never its digits
without the unit. Panes are brought forward by their number keys, as a responder does."""

from __future__ import annotations

import re

from irtui.config import Config
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import control, declared_elsewhere, isolated, war_args  # noqa: F401

# pane number -> (what its header line must hold, a whole value with its unit it must show)
PANES = {
    "1": (r"NAME\s+READY\s+STATUS\s+RESTARTS", r"CrashLoopBackOff\s+[1-9]\d*( \(\S+ ago\))?\s"),
    "2": (r"NAME\s+STATUS", r"Ready"),
    "4": (r"Timeline", r"\d\d:\d\d:\d\d (declared|observed|joined) +\S"),  # kinds whole
    "5": (r"Service\s+req/s.*error %\s+p95", r"api-gateway\s+\d+\.\d.*\d+\.\d\d%[△▲]?\s+(\S+\s+)?\d+ ms[△▲]?"),
    "6": (r"Service\s+Status\s+HTTP\s+Latency", r"task-service\s+✗ FAILING\s+503\s+\d+ ms"),
    "7": (r"PID\s+Duration", r"ping \d+(\.\d+)? ms"),
}


def _shows(app, header: str, value: str) -> bool:
    text = screen_text(app)
    return bool(re.search(header, text) and re.search(value, text))


def _cut_numbers(app) -> list[str]:
    """Numbers a narrow column cut with an ellipsis ("4951…", "57.9…"): a value is shown
    whole or not at all (the pane regexes above ask for the unit after each one)."""
    return re.findall(r"(?<![\w./-])\d+(?:\.\d*)?…", screen_text(app))  # not a name ending in digits


async def test_every_pane_keeps_its_columns_and_units_at_three_sizes(sim, isolated, pg_dsn):
    await control(sim, "POST", "/sim/scenarios/crashloop-task-service")
    await control(sim, "POST", "/sim/advance", json={"seconds": 60})
    config = Config.empty()
    config.root.data["metrics"] = {"source": "scrape", "interval": 1}  # the simulator's /metrics, as in the demo
    args = war_args(sim, isolated, db_dsn=pg_dsn)
    await declared_elsewhere(args.store, "task-service crash loop")
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            for size in ((80, 24), (160, 45), (220, 60)):
                await pilot.resize_terminal(*size)
                for number, (header, value) in PANES.items():
                    await pilot.press(number)
                    await until(lambda: _shows(app, header, value), f"pane {number} at {size}", timeout=20, pilot=pilot)
                    assert not _cut_numbers(app), (size, number, _cut_numbers(app), screen_text(app))
