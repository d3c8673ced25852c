"""What every journey shares: the app started as `irtui` would start it against a fresh
simulator, a keyboard that counts its presses, the screen's regions read as text, and the
timing record the conftest prints."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from dataclasses import dataclass

from irtui.config import Config
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import control, war_args

# Health and metrics rounds every 2 s, so that a journey waits on the platform, not on an
# interval; rates over 4 s of scrapes (one a second), so that the pane follows the simulator's advanced clock
# (samples are stamped by this process's clock) instead of averaging over a wall-clock minute.
CONFIG = """
[health]
interval = 2
timeout = 2
[metrics]
source = "scrape"
interval = 1
[metrics.scrape]
rate_window = 4
quantile_window = 4
"""


@dataclass
class Timing:
    scenario: str
    keys_to_mitigation: int = 0
    seconds_to_mitigation: float = 0.0
    keys_to_close: int = 0
    seconds_to_close: float = 0.0


TIMINGS: list[Timing] = []


class Journey:
    """One responder at the keyboard: every key goes through `press`, which counts it."""

    def __init__(self, scenario: str, sim, app, pilot) -> None:
        self.scenario = scenario
        self.sim = sim
        self.app = app
        self.pilot = pilot
        self.keys = 0
        self.started = 0.0
        self.timing = Timing(scenario)

    async def press(self, *keys: str) -> None:
        self.keys += len(keys)
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        await self.press(*text)

    def text(self) -> str:
        return screen_text(self.app)

    async def shows(self, *words: str, timeout: float = 90.0) -> str:
        """Wait until every one of `words` is on screen; the screen then."""
        await until(lambda: all(w in self.text() for w in words), f"{words} on screen", timeout=timeout, step=0.2,
                    pilot=self.pilot)
        return self.text()

    async def sim_control(self, method: str, path: str, **kwargs):
        return await control(self.sim, method, path, **kwargs)

    async def advance(self, seconds: float) -> None:
        """Move the simulator's clock (no sleeping in a test)."""
        await self.sim_control("POST", "/sim/advance", json={"seconds": seconds})

    async def fault(self) -> None:
        """The scenario starts as a real fault would: the clock starts with it."""
        self.started = time.monotonic()
        self.keys = 0
        await self.sim_control("POST", f"/sim/scenarios/{self.scenario}")

    def mitigated(self) -> None:
        self.timing.keys_to_mitigation = self.keys
        self.timing.seconds_to_mitigation = time.monotonic() - self.started

    def closed(self) -> None:
        self.timing.keys_to_close = self.keys
        self.timing.seconds_to_close = time.monotonic() - self.started
        TIMINGS.append(self.timing)


@asynccontextmanager
async def journey(scenario: str, sim, tmp_path, size=(160, 45)):
    """The war room as `irtui --kubeconfig SIM --store tmp/incidents.sqlite` opens it."""
    config_file = tmp_path / "config.toml"
    config_file.write_text(CONFIG)
    config = Config.load(config_file)
    args = war_args(sim, tmp_path)
    args.as_name = "oncall"
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=size, notifications=True) as pilot:
            j = Journey(scenario, sim, app, pilot)
            await until(lambda: app.cluster.rows["pods"], "the pods", pilot=j.pilot)
            yield j


# -- the checklist, as the responder reads it -----------------------------------------------

def highlighted(app) -> str:
    """The id of the checklist line under the cursor (what the responder's eye is on)."""
    from textual.widgets import OptionList

    checklist = app.query_one("#checklist-list", OptionList)
    index = checklist.highlighted
    return (checklist.get_option_at_index(index).id or "") if index is not None else ""


def in_checklist(app) -> bool:
    from textual.widgets import OptionList

    return app.focused is app.query_one("#checklist-list", OptionList)


async def open_checklist(j: Journey) -> None:
    """`o` from a pane: the checklist, on the current phase's next unticked item."""
    if not in_checklist(j.app):
        await j.press("o")
        await until(lambda: in_checklist(j.app), "o to focus the checklist", pilot=j.pilot)


async def leave_checklist(j: Journey) -> None:
    if in_checklist(j.app):
        await j.press("escape")
        await until(lambda: not in_checklist(j.app), "escape back to the pane", pilot=j.pilot)


def _phase_items(phase: str) -> set[str]:
    from irtui.runbook import load_runbook

    return {f"item:{item.id}" for item in load_runbook().phase(phase).items}


async def tick_next(j: Journey, phase: str) -> str:
    """Space on the phase's next unticked item: where `]` left the cursor (the new phase's
    first item), else where `o` lands. The item's id."""
    assert j.app.session.state.phase == phase, j.app.session.state.phase
    on = highlighted(j.app)
    if not (in_checklist(j.app) and on in _phase_items(phase) and on[5:] not in j.app.session.state.ticks):
        await leave_checklist(j)
        await open_checklist(j)
    item = highlighted(j.app).removeprefix("item:")
    assert item, "o landed on no item"
    await j.press("space")
    await until(lambda: item in j.app.session.state.ticks, f"the tick of {item}", pilot=j.pilot)
    return item


async def next_phase(j: Journey, phase: str) -> None:
    await open_checklist(j)
    await j.press("right_square_bracket")
    await until(lambda: j.app.session.state.phase == phase and highlighted(j.app) in _phase_items(phase),
                f"] to {phase}, the cursor on its first item", pilot=j.pilot)


async def move_to(j: Journey, item: str, key: str = "down") -> None:
    """Arrow through the checklist until the cursor is on `item`."""
    for _ in range(80):
        if highlighted(j.app) == f"item:{item}":
            return
        await j.press(key)
    raise AssertionError(f"{item} not reached by arrows; on {highlighted(j.app)}")


# -- the steps every journey takes ---------------------------------------------------------

PHASES = ("detect", "assess", "communicate", "investigate", "resolve", "verify", "close")


async def declare(j: Journey, banner: tuple[str, ...], severity: str, playbook: str | None) -> str:
    """From the banner to a declared incident: `I`, the form filled from the evidence
    (the severity and playbook it suggests are on screen), enter. The incident's id."""
    await j.shows("press I to declare", *banner)
    await j.press("I")
    form = await j.shows("Filled in from what irtui detected")
    assert f"suggested: {severity}, from the answers above" in form, form
    if playbook:
        assert f"suggested: {playbook}:" in form, form
    else:
        assert "suggested: no playbook" in form, form
    await j.press("enter")
    await until(lambda: j.app.session.is_open, "the incident to be declared", pilot=j.pilot)
    incident_id = j.app.session.incident_id
    shown = await j.shows(f"{incident_id} {severity}")
    assert "DETECTED" not in shown
    return incident_id


async def tick_phases(j: Journey, phases: tuple[str, ...]) -> None:
    """In each phase: `o` lands on its next unticked item, space ticks it, `]` goes on to the
    next phase (after the last of `phases` too, unless it is the runbook's last)."""
    for phase in phases:
        await tick_next(j, phase)
        if phase != PHASES[-1]:
            await next_phase(j, PHASES[PHASES.index(phase) + 1])


async def close(j: Journey, incident_id: str) -> None:
    """`t` for the timeline, its close key, a reason for the unticked items, the summary."""
    await leave_checklist(j)
    await j.press("t")
    await j.shows("V Close incident")
    await j.press("V")
    await j.shows("checklist items are not ticked:")
    await j.type("drill")
    await j.press("enter")
    await j.shows("Close the incident: the review's answers")
    await j.press("ctrl+s")  # the review form as prefilled from the notes
    await until(lambda: j.app.session.incident_id is None, "the session to leave the incident", pilot=j.pilot)
    await j.shows("no incident open", "v on the timeline")
    j.closed()


def error_pct(j: Journey, service: str) -> float | None:
    """A service's error rate as the metrics pane shows it."""
    import re

    match = re.search(rf"{re.escape(service)}\s+[\d.]+k?\s+\S+\s+([\d.]+)%", j.text())
    return float(match.group(1)) if match else None


async def errors_fall(j: Journey, service: str, below: float, step: float = 10.0) -> None:
    """Let simulated time pass until the pane shows `service`'s error rate under `below` %."""
    for _ in range(40):
        shown = error_pct(j, service)
        if shown is not None and shown < below:
            return
        await j.advance(step)
        await j.pilot.pause(1.2)  # a metrics round
    raise AssertionError(f"{service} error rate still {error_pct(j, service)} %\n{j.text()}")


def kinds_in_order(rows: list[dict], expected: list[tuple[str, str]]) -> None:
    """`expected` (kind, words of its text) appears in the store in this order."""
    at = 0
    for kind, words in expected:
        while at < len(rows) and not (rows[at]["kind"] == kind and words in rows[at]["text"]):
            at += 1
        assert at < len(rows), f"{kind} {words!r} not found in order in {[(r['kind'], r['text']) for r in rows]}"
        at += 1


# -- the panes and the confirmation --------------------------------------------------------

async def cursor_to(j: Journey, pane_key: str, pane, matches, what: str) -> None:
    """The pane's number key, `g` to the top, then `j` until the row under the cursor `matches`."""
    await leave_checklist(j)
    await j.press(pane_key)
    await until(lambda: pane.selected() is not None, f"a row in pane {pane_key}", pilot=j.pilot)
    if not matches(pane.selected()):
        await j.press("g")
    for _ in range(60):
        row = pane.selected()
        if row is not None and matches(row):
            return
        await j.press("j")
        await j.pilot.pause(0.05)
    raise AssertionError(f"no row for {what} reached by j\n{j.text()}")


async def confirm(j: Journey, title: str, typed: str | None = None) -> None:
    """The confirmation shows the action and its exact target; `y`, or the name typed."""
    from irtui.ui.screens.confirm import ConfirmActionScreen

    await until(lambda: isinstance(j.app.screen, ConfirmActionScreen), f"the confirmation of {title}", pilot=j.pilot)
    await j.shows(title, "Dry run")
    if typed is not None:
        await j.shows(f"Type {typed} to confirm")
        await j.type(typed)
        await j.press("enter")
    else:
        await j.press("y")
    await until(lambda: not isinstance(j.app.screen, ConfirmActionScreen), "the confirmation to close", pilot=j.pilot)


async def diff(j: Journey, title: str, *lines: str) -> None:
    """An edit's change, shown before the dry run; enter goes on to it."""
    from irtui.ui.screens.confirm import DiffScreen

    await until(lambda: isinstance(j.app.screen, DiffScreen), f"the change to {title}", pilot=j.pilot)
    await j.shows(title, *lines)
    await j.press("enter")


async def params(j: Journey, title: str, text: str | None = None) -> None:
    """The parameters asked before the dry run: the default kept (or `text` typed), enter."""
    from irtui.ui.screens.confirm import ParamsScreen

    await until(lambda: isinstance(j.app.screen, ParamsScreen), f"the parameters of {title}", pilot=j.pilot)
    await j.shows(title)
    if text is not None:
        await j.press("ctrl+u")
        await j.type(text)
    await j.press("enter")


def finished(j: Journey) -> int:
    return len(j.app.action_controller.outcomes)


async def done(j: Journey, before: int, what: str) -> None:
    """The remediation's outcome came back, and it succeeded."""
    await until(lambda: finished(j) > before, f"the outcome of {what}", timeout=60, pilot=j.pilot)
    outcome = j.app.action_controller.outcomes[-1]
    assert outcome.status == "done", outcome
