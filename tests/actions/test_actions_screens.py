"""The confirmation screen and the log view, driven by Textual's pilot in a small app."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Button, Input, Static

from irtui.actions import registry
from irtui.actions.model import ConfirmRequest, Danger, Target
from irtui.ui.screens.confirm import ConfirmActionScreen, ParamsScreen
from irtui.ui.screens.logs import LogView

from polling import screen_text, until


def _request(typed: str | None = None, production: bool = True, danger: Danger = Danger.MEDIUM) -> ConfirmRequest:
    target = Target("deployment", "api-gateway", "emrtask-prod")
    return ConfirmRequest(
        spec=registry.get("kube.scale"), target=target, params={"replicas": 0}, danger=danger,
        context="sim-sre", cluster_url="https://127.0.0.1:6443", namespace="emrtask-prod", actor="me@host as sre",
        command="kubectl --context sim-sre scale deployment/api-gateway --replicas=0 -n emrtask-prod",
        dry_run=["server accepted the new replica count (dryRun=All)"], summary=["deployment/api-gateway: 3 -> 0 replicas"],
        production=production, typed=typed, warnings=["REPEATED: Scale already ran 12s ago"], undo="scale back to 3",
    )


class Host(App):
    def __init__(self, screen) -> None:
        super().__init__()
        self.screen_to_push = screen
        self.results: list = []

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.screen_to_push, callback=self.results.append)


async def test_confirmation_names_where_and_what_and_copies_the_command():
    app = Host(ConfirmActionScreen(_request()))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ConfirmActionScreen)
        banner = screen.query_one("#banner", Static)
        assert banner.has_class("production")
        shown = str(banner.render())
        assert "PRODUCTION" in shown and "sim-sre" in shown and "https://127.0.0.1:6443" in shown and "emrtask-prod" in shown
        assert "--replicas=0" in str(screen.query_one("#command", Static).render())
        assert "REPEATED" in str(screen.query_one("#warnings", Static).render())
        await pilot.press("c")
        assert app.clipboard == _request().command
        await pilot.press("y")
        await until(lambda: app.results, "the answer", pilot=pilot)
    assert app.results == [True]


async def test_escape_cancels():
    app = Host(ConfirmActionScreen(_request(production=False)))
    async with app.run_test() as pilot:
        assert not app.screen.query_one("#banner", Static).has_class("production")
        await pilot.press("escape")
        await until(lambda: app.results, "the answer", pilot=pilot)
    assert app.results == [False]


async def test_high_danger_needs_the_name_typed():
    app = Host(ConfirmActionScreen(_request(typed="api-gateway", danger=Danger.HIGH)))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert screen.query_one("#run", Button).disabled
        await pilot.press("y", "enter")  # 'y' is typed into the field; no confirmation
        await pilot.pause()
        assert app.results == [] and isinstance(app.screen, ConfirmActionScreen)
        screen.query_one("#typed", Input).value = ""
        await pilot.press(*"api-gatewa")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        await pilot.press("y")  # typed into the field again: "api-gatewa" + "y" is still wrong
        screen.query_one("#typed", Input).value = ""
        await pilot.press(*"api-gateway")
        assert not screen.query_one("#run", Button).disabled
        await pilot.press("enter")
        await until(lambda: app.results, "the answer", pilot=pilot)
    assert app.results == [True]


async def test_params_screen_presets_and_validation():
    spec = registry.get("kube.set_env")
    app = Host(ParamsScreen(spec, Target("deployment", "emr-service", "emrtask-prod"), {"name": "EMR_FALLBACK_MODE=true", "value": None}))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        assert app.screen.query_one("#param-name", Input).value == "LOG_LEVEL=debug"
        await pilot.press("enter")
        await until(lambda: app.results, "the parameters", pilot=pilot)
    assert app.results == [{"name": "LOG_LEVEL=debug"}]

    scale = registry.get("kube.scale")
    app = Host(ParamsScreen(scale, Target("deployment", "api-gateway", "emrtask-prod"), {"replicas": None}))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"abc", "enter")
        await pilot.pause()
        assert app.results == [] and "whole number" in str(app.screen.query_one("#error", Static).render())
        app.screen.query_one("#param-replicas", Input).value = "4"
        await pilot.press("enter")
        await until(lambda: app.results, "the parameters", pilot=pilot)
    assert app.results == [{"replicas": 4}]


class LogHost(App):
    def compose(self) -> ComposeResult:
        yield LogView(max_lines=1000, id="log")


async def test_log_view_caps_lines_searches_and_jumps_to_errors():
    app = LogHost()
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one(LogView)
        lines = [f"line {i} INFO ok" if i % 700 else f"line {i} ERROR pool exhausted" for i in range(1, 5001)]
        for start in range(0, len(lines), 500):
            view.append(lines[start:start + 500])
        await pilot.pause()
        assert len(view.lines) == 1000 and view.dropped == 4000
        assert view.lines[0] == "line 4001 INFO ok"
        # Error lines that were dropped are forgotten; the kept ones are found in order.
        assert [view.line(n) for n in view.errors] == ["line 4200 ERROR pool exhausted", "line 4900 ERROR pool exhausted"]
        view.current = None
        view.scroll_home(animate=False, immediate=True)
        found = view.next_error()
        assert view.line(found) == "line 4200 ERROR pool exhausted"
        found = view.next_error()
        assert view.line(found) == "line 4900 ERROR pool exhausted"
        assert view.next_error() is None
        found = view.search("line 4555 ", from_current=False)
        assert view.line(found) == "line 4555 INFO ok"
        assert view.scroll_offset.y <= found - view.dropped < view.scroll_offset.y + view.size.height
        assert view.search("no such text", from_current=False) is None


async def test_log_view_is_read_by_scrolling_and_follows_its_tail():
    """The log is the app's table without a header or a row cursor: up scrolls and stops the
    tail, G goes back to following it."""
    app = LogHost()
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one(LogView)
        view.focus()
        await pilot.pause()
        for start in (0, 100):  # as a stream delivers them: in batches
            view.append([f"line {i}" for i in range(start, start + 100)])
            await pilot.pause()
        assert view.tail and view.scroll_offset.y == view.max_scroll_y
        assert screen_text(app).splitlines()[0].startswith(f"line {200 - view.size.height}")
        await pilot.press("up")
        await pilot.pause(0.3)
        assert not view.tail and view.scroll_offset.y < view.max_scroll_y
        view.append(["line 200"])
        await pilot.pause()
        assert "line 200" not in screen_text(app)  # not following: the reader's place stays
        await pilot.press("G")
        await pilot.pause()
        assert view.tail and screen_text(app).splitlines()[view.size.height - 1].startswith("line 200")


async def test_confirmation_fits_80x24_with_a_long_summary():
    request = _request(typed="api-gateway", danger=Danger.HIGH)
    request.summary = [f"pod {i} would be evicted" for i in range(40)]
    app = Host(ConfirmActionScreen(request))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for selector in ("#banner", "#command", "#typed", "#run", "#cancel"):
            region = app.screen.query_one(selector).region
            assert 0 <= region.y and region.bottom <= 24, (selector, region)
