"""The help screen (`?`) lists the keys that work where the responder is, generated from the
bindings active now: the focused pane's own keys and the global ones, with `[keys]` remaps.

Driven from the app's start by key presses only, against the simulator."""

from __future__ import annotations

import re

from irtui.cli import parse_args
from irtui.config import Config
from irtui.ui.main import open_connection
from irtui.ui.wiring import war_room

from polling import screen_text, until
from war_room_help import isolated  # noqa: F401 (isolated: a fixture)


def _keys_for(text: str, description: str) -> str | None:
    """The keys the help screen lists for `description` ("home g", "f5"), read from its text
    (cells are "KEYS  Description", two or more spaces apart)."""
    for line in text.splitlines():
        for part in line.split("█"):  # the dialog's border; the screen below shows outside it
            match = re.search(rf"(?<!\S)(\S+(?: \S+)*) {{2,}}{re.escape(description)}(?= {{2,}}|\s*$)", part)
            if match:
                return match.group(1)
    return None


async def test_question_mark_lists_the_focused_panes_keys_and_follows_remaps(sim, isolated):
    path = isolated / "config.toml"
    # Move the pods filter off "/" and the sidebar off "b": one pane key and one global key.
    path.write_text('[keys]\n"pane.filter" = "f5"\n"app.sidebar" = "f4"\n"app.pane.metrics" = "f6"\n')
    args = parse_args(["--config", str(path), "--kubeconfig", sim.kubeconfig, "--context", "sim-sre",
                       "--store", str(isolated / "incidents.sqlite")])
    config = Config.load(path)
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            await pilot.press("question_mark")
            text = await until(lambda: "Pods pane" in screen_text(app) and screen_text(app), "help on ?", pilot=pilot)
            assert "Everywhere" in text
            assert _keys_for(text, "Filter") == "f5", text
            assert _keys_for(text, "Sidebar") == "f4", text
            assert _keys_for(text, "Rollout restart") == "R", text
            assert _keys_for(text, "Metrics") == "f6", text
            assert "q" in _keys_for(text, "Quit").split()
            assert "Nodes pane" not in text
            await pilot.press("escape")
            await until(lambda: "Pods pane" not in screen_text(app), "help to close", pilot=pilot)

            await pilot.press("tab")
            await until(lambda: app.active_pane == "nodes", "tab to the nodes pane", pilot=pilot)
            await pilot.press("question_mark")
            text = await until(lambda: "Nodes pane" in screen_text(app) and screen_text(app),
                               "help on ? from the nodes pane", pilot=pilot)
            assert "Pods pane" not in text and _keys_for(text, "Filter") == "f5"
            await pilot.press("question_mark")  # ? again closes it
            await until(lambda: "Nodes pane" not in screen_text(app), "help to close on ?", pilot=pilot)

            # The remapped keys work, and the old ones no longer do.
            await pilot.press("shift+tab")
            await until(lambda: app.active_pane == "pods", "shift+tab back to pods", pilot=pilot)
            await pilot.press("slash")
            await pilot.pause()
            assert "filter pods" not in screen_text(app)
            await pilot.press("f5")
            await until(lambda: "filter pods" in screen_text(app), "f5 to open the pods filter", pilot=pilot)
            await pilot.press("escape")
            await pilot.press("m")
            await pilot.pause()
            assert app.active_pane == "pods", "m still shows the metrics pane after it was moved"
            await pilot.press("f6")
            await until(lambda: app.active_pane == "metrics", "f6 to show the metrics pane", pilot=pilot)


async def test_question_mark_over_the_logs_screen_lists_its_keys(sim, isolated):
    """A screen over the war room (a pod's logs) lists its own keys as "here"."""
    args = parse_args(["--kubeconfig", sim.kubeconfig, "--context", "sim-sre",
                       "--store", str(isolated / "incidents.sqlite")])
    config = Config.empty()
    async with war_room(args, open_connection(args, config), config) as app:
        async with app.run_test(size=(160, 45)) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            await pilot.press("l")
            await until(lambda: len(app.screen_stack) > 1, "l to open the selected pod's logs", pilot=pilot)
            await pilot.press("question_mark")
            text = await until(lambda: "Logs screen" in screen_text(app) and screen_text(app),
                               "help on ? from the logs screen", pilot=pilot)
            assert _keys_for(text, "Follow") == "f" and "Pods pane" not in text, text
            await pilot.press("escape")
            await until(lambda: "Logs screen" not in screen_text(app), "help to close", pilot=pilot)


def test_every_binding_has_an_id():
    """`[keys]` can move only what has an id: every class under irtui/ui declares its
    bindings with one, and ids are not reused for different actions."""
    import importlib
    import pkgutil

    from textual.binding import Binding

    import irtui.ui

    owners: dict[str, set[str]] = {}
    for module_info in pkgutil.walk_packages(irtui.ui.__path__, "irtui.ui."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            for binding in value.__dict__.get("BINDINGS", []):
                assert isinstance(binding, Binding), f"{value.__qualname__}: {binding!r} is not a Binding"
                assert binding.id, f"{value.__qualname__}: {binding.key} -> {binding.action} has no id"
                owners.setdefault(binding.id, set()).add(binding.action)
    reused = {ident: actions for ident, actions in owners.items() if len(actions) > 1}
    assert not reused, reused
