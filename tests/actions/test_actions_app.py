"""The actions wired into a small Textual app exactly as the app shell wires them (bindings
from the registry, `run_irtui_action`, `check_action`, the palette provider), driven with
the pilot against the simulator: a key runs an action through its screens; in read-only
mode the action keys are disabled and every palette command changes nothing (every key of
the real app shell: test_actions_shell.py)."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widgets import Static

from irtui.actions import registry
from irtui.actions.kubeapi import resource_path
from irtui.actions.model import Target
from irtui.ui.action_bindings import APP_ACTION, action_bindings
from irtui.ui.screens.actions import ActionController, ActionsProvider
from irtui.ui.screens.confirm import ConfirmActionScreen, ParamsScreen
from irtui.ui.screens.describe import DescribeScreen
from irtui.ui.screens.logs import LogsScreen, LogView

from actionhelp import NS, make_env, mutations
from polling import until


class Recorded(list):
    async def record(self, kind, text, details):
        self.append((kind, details.get("action")))


class ShellApp(App):
    """The minimum the app shell has to do (see the report for the exact wiring)."""

    BINDINGS = action_bindings()
    COMMANDS = App.COMMANDS | {ActionsProvider}

    def __init__(self, env, recorder) -> None:
        super().__init__()
        self.target: Target | None = None
        self.frozen = 0
        self.action_controller = ActionController(self, env, recorder, selection=lambda: self.target,
                                                  freeze=self.freeze, thaw=self.thaw)

    def compose(self) -> ComposeResult:
        yield Static("cluster panes go here")

    def freeze(self) -> None:
        self.frozen += 1

    def thaw(self) -> None:
        self.frozen -= 1

    async def action_run_irtui_action(self, action_id: str) -> None:
        # Run in a worker: the action waits on screens, and the key handler must return.
        self.run_worker(self.action_controller.trigger(action_id), group="irtui-action", exclusive=False)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == APP_ACTION and parameters:
            return self.action_controller.check(parameters[0])
        return True


async def test_a_key_scales_through_params_and_confirmation(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path)
    recorded = Recorded()
    app = ShellApp(env, recorded)
    async with app.run_test(size=(120, 40)) as pilot:
        app.target = Target("deployment", "handover-service", NS)
        await pilot.press("S")
        await until(lambda: isinstance(app.screen, ParamsScreen), "the parameters screen", pilot=pilot)
        await pilot.press(*"4", "enter")
        await until(lambda: isinstance(app.screen, ConfirmActionScreen), "the confirmation", pilot=pilot)
        assert app.frozen == 1  # the list under the cursor is frozen while confirming
        assert "--replicas=4" in app.screen.request.command
        await pilot.press("y")
        await until(lambda: app.action_controller.outcomes, "the outcome", pilot=pilot)
        assert app.frozen == 0
        assert app.action_controller.outcomes[-1].status == "done"
    replicas = env.kube.get(resource_path("deployment", NS, "handover-service", "scale"))["spec"]["replicas"]
    assert replicas == 4
    assert recorded == [("action_started", "kube.scale"), ("action_finished", "kube.scale")]


async def test_logs_and_describe_screens_read_the_selected_pod(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path)
    pod = env.kube.items(resource_path("pod", NS), labelSelector="app=api-gateway")[0]["metadata"]["name"]
    app = ShellApp(env, Recorded())
    async with app.run_test(size=(120, 40)) as pilot:
        app.target = Target("pod", pod, NS)
        await pilot.press("l")
        await until(lambda: isinstance(app.screen, LogsScreen), "the logs screen", pilot=pilot)
        screen = app.screen
        await until(lambda: len(screen.query_one(LogView).lines) > 0 or screen.error, "log lines", pilot=pilot)
        assert screen.error is None
        first = screen.query_one(LogView).lines[0]
        word = first.split()[-1]
        found = screen.query_one(LogView).search(word, from_current=False)
        assert found is not None
        await pilot.press("f")  # follow: a streaming request that stays open
        await until(lambda: screen.state == "following", "following", pilot=pilot)
        seen = len(screen.query_one(LogView).lines)
        # The simulated service keeps logging: new lines arrive on the open stream.
        await until(lambda: len(screen.query_one(LogView).lines) > seen,
                    "a line logged after follow began", pilot=pilot)
        assert screen.error is None
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, LogsScreen), "back from logs", pilot=pilot)
        await pilot.press("d")
        await until(lambda: isinstance(app.screen, DescribeScreen) and app.screen.loaded, "describe", pilot=pilot)
        text = app.screen.text
        assert f"Name:          {pod}" in text and "Conditions:" in text and "Containers:" in text


async def test_read_only_disables_action_keys_and_palette_commands_change_nothing(sim, tmp_path):
    env = make_env(sim, "sim-sre", tmp_path, read_only=True)
    recorded = Recorded()
    app = ShellApp(env, recorded)
    pod = env.kube.items(resource_path("pod", NS))[0]
    selections = [Target("pod", pod["metadata"]["name"], NS), Target("deployment", "api-gateway", NS),
                  Target("node", pod["spec"]["nodeName"]), Target("secret", "postgres-credentials", NS)]
    async with app.run_test(size=(120, 40)) as pilot:
        # Every key on every kind of selection: tests/actions/test_actions_shell.py does it
        # in the real app shell; here the mutating keys are checked to be disabled.
        for target in selections:
            app.target = target
            for spec in registry.all_actions():
                if spec.mutating:
                    assert app.action_controller.check(spec.id) is None, spec.id
        # And through the command palette, every entry.
        provider_hits = []
        provider = ActionsProvider(app.screen)
        async for hit in provider.discover():
            provider_hits.append(hit)
        assert len(provider_hits) == len(registry.all_actions()) + len(registry.VIEWS)
        app.target = Target("deployment", "api-gateway", NS)
        for hit in provider_hits:
            await hit.command()
            await pilot.pause()
            while len(app.screen_stack) > 1:
                await pilot.press("escape")
                await pilot.pause()
        await app.workers.wait_for_complete()
        # And typed into the real palette, as a responder would.
        for query in ("Isolate", "Drain", "Delete secret"):
            await pilot.press("ctrl+p")
            await pilot.press(*query)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.1)
            while len(app.screen_stack) > 1:
                await pilot.press("escape")
                await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        statuses = {o.action_id: o.status for o in app.action_controller.outcomes}
        for spec in registry.all_actions():
            if spec.mutating and spec.id in statuses:
                assert statuses[spec.id] == "unavailable", (spec.id, statuses[spec.id])
    await asyncio.sleep(0)
    assert mutations(sim.audit()) == []
    assert all(kind != "action_started" or action in {s.id for s in registry.all_actions() if not s.mutating}
               for kind, action in recorded)


async def test_as_viewer_the_keys_are_offered_as_unavailable_with_the_reason(sim, tmp_path):
    env = make_env(sim, "sim-viewer", tmp_path)
    app = ShellApp(env, Recorded())
    pod = env.kube.items(resource_path("pod", NS), labelSelector="app=api-gateway")[0]["metadata"]["name"]
    async with app.run_test(size=(120, 40)) as pilot:
        app.target = Target("pod", pod, NS)  # deployment and node actions derive from the pod
        await app.action_controller.refresh()
        checked = {spec.id: app.action_controller.check(spec.id) for spec in registry.all_actions()
                   if spec.mutating and spec.group == "kubernetes"}
        offered = [i for i, v in checked.items() if v is not None and app.action_controller.availability(i) is not None
                   and app.action_controller.availability(i).available]
        assert offered == [], offered
        reasons = {i: app.action_controller.availability(i).reason for i in ("kube.delete_pod", "kube.rollout_restart", "kube.cordon")}
        assert reasons["kube.delete_pod"].startswith("RBAC: viewer may not delete pods in emrtask-prod")
        assert reasons["kube.rollout_restart"].startswith("RBAC: viewer may not patch deployments.apps")
        assert reasons["kube.cordon"].startswith("RBAC: viewer may not patch nodes")
        hits = [hit async for hit in ActionsProvider(app.screen).discover()]
        assert any("UNAVAILABLE: RBAC" in (hit.help or "") for hit in hits)
        await pilot.press("X")  # disabled: nothing runs
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
    assert mutations(sim.audit(), user="viewer") == []


async def test_previous_container_logs_of_a_crashlooping_pod_and_jump_to_error(sim_factory, tmp_path):
    from polling import until

    sim = sim_factory("--scenario", "crashloop-task-service", "--speed", "10")
    env = make_env(sim, "sim-sre", tmp_path)

    def restarted():
        for p in env.kube.items(resource_path("pod", NS), labelSelector="app=task-service"):
            if any(c.get("restartCount", 0) >= 1 for c in p["status"].get("containerStatuses") or []):
                return p["metadata"]["name"]
        return None

    pod = await until(restarted, "a task-service pod that restarted", blocking=True)
    app = ShellApp(env, Recorded())
    async with app.run_test(size=(120, 40)) as pilot:
        app.target = Target("pod", pod, NS)
        await pilot.press("l")
        await until(lambda: isinstance(app.screen, LogsScreen), "the logs screen", pilot=pilot)
        screen = app.screen
        await pilot.press("p")
        await until(lambda: screen.previous and screen.state in ("complete", "error"),
                    "the previous instance's logs", pilot=pilot)
        assert screen.error is None
        view = screen.query_one(LogView)
        assert view.lines and "exiting" in view.lines[-1]
        await pilot.press("g", "e")
        assert view.current is not None
        line = view.line(view.current)
        assert '"level":"error"' in line or '"level":"fatal"' in line
