"""Once-a-second refreshes share the app's one clock, and skip what is not on screen."""

from __future__ import annotations

from textual.app import App
from textual.signal import Signal
from textual.widgets import Static

from irtui.ui.ticks import every_second

from polling import until
from ui_helpers import make_app


class Clocked(App):
    def __init__(self) -> None:
        super().__init__()
        self.second = Signal(self, "second")
        self.ticks: dict[str, int] = {"shown": 0, "hidden": 0}

    def compose(self):
        yield Static("shown", id="shown")
        yield Static("hidden", id="hidden")

    def on_mount(self) -> None:
        for name in self.ticks:
            widget = self.query_one(f"#{name}")
            every_second(widget, lambda name=name: self.ticks.__setitem__(name, self.ticks[name] + 1))
        self.query_one("#hidden").display = False


async def test_one_clock_ticks_only_what_is_shown():
    app = Clocked()
    async with app.run_test() as pilot:
        for _ in range(3):
            app.second.publish(0.0)
        await pilot.pause()
        assert app.ticks == {"shown": 3, "hidden": 0}
        assert not app.query_one("#shown")._timers  # no timer of its own


async def test_without_the_apps_clock_a_widget_keeps_its_own_timer():
    class Plain(App):
        def compose(self):
            yield Static("alone")

    app = Plain()
    async with app.run_test():
        widget = app.query_one(Static)
        every_second(widget, lambda: None)
        assert len(widget._timers) == 1


async def test_the_pods_pane_mounts_once(sim, monkeypatch):
    # Textual runs on_mount of every class in the MRO: a subclass calling super().on_mount()
    # too would subscribe twice (every change applied twice) and tick twice a second.
    from irtui.ui.panes import ClusterPane

    mounted = []
    original = ClusterPane.on_mount
    monkeypatch.setattr(ClusterPane, "on_mount", lambda self: (mounted.append(type(self).__name__), original(self))[1])
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.cluster.status["pods"].usable, what="pods listed", pilot=pilot)
        assert sorted(mounted) == ["EventsPane", "NodesPane", "PodsPane"]
