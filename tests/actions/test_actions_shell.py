"""The real app shell (`IrtuiApp`) with the actions wired in as the report describes, in
read-only mode against the simulator: every key of the app and of the actions, on every
cluster pane, and every palette entry, change nothing."""

from __future__ import annotations

from textual.widgets import Input

from irtui.actions import registry
from irtui.actions.base import ActionEnv
from irtui.actions.settings import ActionSettings
from irtui.kube.client import connect
from irtui.safety import Guard
from irtui.ui.action_bindings import APP_ACTION, action_bindings
from irtui.ui.screens.actions import ActionController, ActionsProvider, target_from_row

from actionhelp import NS, mutations
from polling import until


class Recorded(list):
    async def record(self, kind, text, details):
        self.append((kind, details.get("action")))


def wired_app_class():
    from irtui.ui.app import IrtuiApp

    class WiredApp(IrtuiApp):
        BINDINGS = action_bindings()  # merged with IrtuiApp's by Textual
        COMMANDS = IrtuiApp.COMMANDS | {ActionsProvider}

        def __init__(self, connection, settings: ActionSettings, recorder) -> None:
            super().__init__(connection)
            env = ActionEnv.from_connection(connection, settings)
            self.action_controller = ActionController(self, env, recorder, selection=self.selected_target,
                                                      freeze=self.freeze_selection, thaw=self.thaw_selection)
            self._frozen_pane = None

        def selected_target(self):
            pane = self.pane(self.active_pane)
            return target_from_row(pane.selected()) if hasattr(pane, "selected") else None

        def freeze_selection(self) -> None:
            pane = self.pane(self.active_pane)
            if hasattr(pane, "freeze"):
                pane.freeze()
                self._frozen_pane = pane

        def thaw_selection(self) -> None:
            if self._frozen_pane is not None:
                self._frozen_pane.thaw()
                self._frozen_pane = None

        async def action_run_irtui_action(self, action_id: str) -> None:
            self.run_worker(self.action_controller.trigger(action_id), group="irtui-action")

        def check_action(self, action: str, parameters: tuple) -> bool | None:
            if action == APP_ACTION and parameters:
                return self.action_controller.check(parameters[0])
            return super().check_action(action, parameters)

    return WiredApp


async def test_read_only_shell_every_key_every_pane_every_palette_entry(sim, tmp_path):
    connection = connect(kubeconfig=sim.kubeconfig, context="sim-sre", namespace=NS, guard=Guard(read_only=True))
    recorded = Recorded()
    app = wired_app_class()(connection, ActionSettings(forensics_dir=tmp_path / "forensics"), recorded)
    skip = {"q", "ctrl+q", "ctrl+c", "ctrl+p"}  # quitting ends the test; the palette is driven below
    async with app.run_test(size=(160, 50)) as pilot:
        await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
        action_keys = {binding.key for binding in action_bindings()}
        for pane_id in ("pods", "nodes", "events"):
            app.show_pane(pane_id)
            await pilot.pause()
            # What is bound where the responder is: the pane's, the table's, the app's, ours
            # (the shell's own keys once, on the first pane; the action keys on every pane).
            keys = [key for key in app.active_bindings if key not in skip]
            assert "S" in keys and "R" in keys
            if pane_id != "pods":
                keys = [key for key in keys if key in action_keys]
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
                while len(app.screen_stack) > 1:
                    await pilot.press("escape")
                    await pilot.pause()
                if isinstance(app.focused, Input):  # "/" opened the filter: close it, or the
                    await pilot.press("escape")     # next keys would be typed into it
                    await pilot.pause()
                if app.active_pane != pane_id or isinstance(app.focused, Input):
                    app.show_pane(pane_id)
                    await pilot.pause()
        hits = [hit async for hit in ActionsProvider(app.screen).discover()]
        for hit in hits:
            await hit.command()
            await pilot.pause()
            while len(app.screen_stack) > 1:
                await pilot.press("escape")
                await pilot.pause()
        await until(lambda: not app.action_controller.busy, "the last action to finish", pilot=pilot)
        assert app.connection.guard.read_only
    assert mutations(sim.audit()) == []
    mutating = {s.id for s in registry.all_actions() if s.mutating}
    assert not [a for kind, a in recorded if a in mutating]
