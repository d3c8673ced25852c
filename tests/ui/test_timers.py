"""One-shot timers fire however short the delay, and the cluster flush never loses a frame."""

from __future__ import annotations

import asyncio
import time
import types

from textual.app import App
from textual.widgets import Static

import irtui.ui.app as shell
from irtui.ui.timers import after

from polling import until
from ui_helpers import control, make_app


class Host(App):
    def compose(self):
        yield Static("host", id="host")


async def test_every_delay_fires_once_on_the_nodes_pump():
    app = Host()
    fired: list[tuple[float, bool]] = []
    async with app.run_test() as pilot:
        host = app.query_one("#host")
        # Textual's set_timer never calls back for 1e-7 and raises inside its task for 0.
        for delay in (0.02, 0, 1e-7, 1e-3):
            after(host, delay, lambda delay=delay: fired.append((delay, host.is_running)))
        await until(lambda: len(fired) == 4, timeout=10, what="four callbacks", pilot=pilot)
        await pilot.pause(0.05)
    assert sorted(d for d, _ in fired) == [0, 1e-7, 1e-3, 0.02]
    assert fired[-1][0] == 0.02 and all(running for _, running in fired)


async def test_a_stopped_call_never_runs():
    app = Host()
    fired: list[str] = []
    async with app.run_test() as pilot:
        pending = after(app, 0.05, fired.append, "stopped")
        after(app, 0.1, fired.append, "kept")
        pending.stop()
        await until(lambda: fired, timeout=10, what="the kept call", pilot=pilot)
        await pilot.pause(0.1)
    assert fired == ["kept"]


async def test_cluster_changes_apply_when_each_flush_waits_a_sliver(sim, monkeypatch):
    # A frozen clock and a 0.1 µs frame make every flush after the first take the timer path
    # with a delay Textual's own timer would skip: the deletion must still reach the pane.
    monkeypatch.setattr(shell, "time", types.SimpleNamespace(monotonic=lambda: 1000.0, time=time.time))
    monkeypatch.setattr(shell, "FRAME", 1e-7)
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.cluster.status["pods"].usable and app.pods_pane.rows, what="pods listed", pilot=pilot)
        victim = sorted(key for key in app.pods_pane.rows if "api-gateway" in key)[0]
        name = victim.split("/", 1)[1]
        await asyncio.to_thread(sim.kubectl, "delete", "pod", name, "-n", "emrtask-prod", "--wait=false")
        await control(sim, "POST", "/sim/advance", json={"seconds": 35})
        await until(lambda: victim not in app.pods_pane.rows, timeout=60, what=f"{name} gone", pilot=pilot)


def test_no_part_of_irtui_uses_textuals_one_shot_timer():
    # One skipped tick of a self re-arming poller stops it for good; `after` is the only way.
    from pathlib import Path

    import irtui

    root = Path(irtui.__file__).parent
    offenders = [f"{path.relative_to(root)}:{n}" for path in sorted(root.rglob("*.py"))
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if ".set_timer(" in line and not line.lstrip().startswith("#")]
    assert offenders == [], "use irtui.ui.timers.after instead of set_timer: " + ", ".join(offenders)
