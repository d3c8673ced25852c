"""The glue between the app shell and the actions: key gating, triggering, the screens an
action asks through, the command palette provider, and the outcome shown afterwards.

This module owns `ActionController` (one per app). The app shell wires it like this:

    BINDINGS = [..., *action_bindings()]              # ids = action ids, remappable
    COMMANDS = App.COMMANDS | {..., ActionsProvider}
    self.action_controller = ActionController(self, ActionEnv.from_connection(conn, settings, db=...),
                                              recorder, selection=..., freeze=..., thaw=...)
    async def action_run_irtui_action(self, action_id):   # must not await the flow itself:
        keys_done = self.hold_keys_for_dialog()           # typed-ahead keys wait for its dialog
        self.run_worker(self.action_controller.trigger(action_id, keys_done), group="irtui-action")
    def check_action(self, action, parameters):
        if action == APP_ACTION: return self.action_controller.check(parameters[0])
    def why_not(self, action, parameters):                # a disabled key answers (IrtuiApp.run_action)
        if action == APP_ACTION: return self.action_controller.refusal(parameters[0])

and calls `refresh()` when the cursor settles so gating knows the access reviews. The list
under the cursor is frozen (`freeze()`/`thaw()`) while a confirmation is open, so the
target cannot shift.
"""

from __future__ import annotations

import asyncio
import contextvars
from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterator

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.screen import Screen

from irtui.actions import registry
from irtui.actions.base import ActionEnv
from irtui.actions.executor import ActionRunner, fits
from irtui.actions.journal import Recorder
from irtui.actions.kubeapi import Kube
from irtui.actions.model import ActionSpec, Availability, ConfirmRequest, Outcome, Prepared, Target
from irtui.kube.model import EventRow, NodeRow, PodRow, WorkloadRow
from irtui.text import visible
from irtui.ui.action_bindings import APP_ACTION
from irtui.ui.screens.confirm import ConfirmActionScreen, DiffScreen, ParamsScreen, ResultScreen

if TYPE_CHECKING:
    from irtui.actions.helm import HelmRunner
    from irtui.actions.objects import Listing
    from irtui.actions.registry import View
    from irtui.ui.screens.objects import ObjectsScreen

Selection = Callable[[], "Target | None"]
_KEYS_DONE: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar("keys_done", default=None)
VIEW_IDS = frozenset(view.id for view in registry.VIEWS)


class ActionController:
    """`selection()` returns what is under the cursor now (a `Target`), or None."""

    def __init__(self, app: App[Any], env: ActionEnv, recorder: Recorder, *, selection: Selection,
                 freeze: Callable[[], Any] | None = None, thaw: Callable[[], Any] | None = None) -> None:
        self.app = app
        self.env = env
        self.selection = selection
        self._freeze = freeze or getattr(app, "freeze", None)
        self._thaw = thaw or getattr(app, "thaw", None)
        self.runner = ActionRunner(env, recorder, confirm=self.confirm, ask=self.ask, review=self.review)
        self.outcomes: list[Outcome] = []
        self.busy = False
        # Remapped keys (the same dict given to `App.set_keymap`), for the palette's labels.
        self.keys: dict[str, str] = {}

    # --- asking through screens ----------------------------------------------------------
    async def _push(self, screen: Screen[Any]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def done(result: Any) -> None:
            if not future.done():
                future.set_result(result)

        self.app.push_screen(screen, callback=done)
        return await future

    async def confirm(self, request: ConfirmRequest) -> bool:
        if self._freeze:
            self._freeze()
        try:
            return bool(await self._push(ConfirmActionScreen(request)))
        finally:
            if self._thaw:
                self._thaw()
            self._dialogs_answered()  # the last dialog of a flow: keys are the screen's again

    @staticmethod
    def _dialogs_answered() -> None:
        done = _KEYS_DONE.get()
        if done is not None:
            done()

    async def ask(self, spec: ActionSpec, target: Target, defaults: dict[str, Any]) -> dict[str, Any] | None:
        prefill = _PREFILLED.get(spec.id)
        focus = None
        if prefill is not None and target.extra.get(prefill[0]) and not defaults.get(prefill[0]):
            defaults = {**defaults, prefill[0]: target.extra[prefill[0]]}
            focus = prefill[1]
        return await self._push(ParamsScreen(spec, target, defaults, focus=focus))

    async def review(self, spec: ActionSpec, target: Target, prepared: Prepared) -> bool:
        """An edit's diff, before its dry run."""
        return bool(await self._push(DiffScreen(spec, target, prepared.diff, prepared.command)))

    # --- the object views and pickers ----------------------------------------------------
    def affected_service(self) -> str | None:
        """The open incident's first affected service, the default target of forensics."""
        state = getattr(getattr(self.app, "session", None), "state", None)
        services = list(getattr(state, "services", None) or [])
        return services[0] if services else None

    def objects_screen(self, kind: str, *, pick: bool = False, prompt: str = "", select: str | None = None,
                       kinds: tuple[str, ...] = ()) -> ObjectsScreen:
        from irtui.actions.objects import listing
        from irtui.ui.screens.objects import ObjectsScreen

        env = self.env

        def load() -> Listing:
            if env.kube is None:
                raise RuntimeError("not connected to a cluster")
            return listing(kind, env.kube, env.namespace, helm=_helm(env), release=env.settings.helm_release)

        return ObjectsScreen(kind, load, namespace=env.namespace, pick=pick, prompt=prompt, select=select, kinds=kinds,
                             hint="" if pick else self._view_hint(kind))

    def _view_hint(self, kind: str) -> str:
        """The keys that act on a view's rows, as the responder has them mapped."""
        ids = {"configmap": ("kube.edit_configmap",), "secret": ("kube.delete_secret",),
               "statefulset": ("kube.rollout_restart", "kube.scale", "kube.logs", "kube.describe"),
               "revision": ("kube.rollback", "kube.describe")}.get(kind, ())
        titles = {item.id: item for item in _keyed_items()}
        parts = []
        for action_id in ids:
            key = self.app.get_key_display(Binding(self.keys.get(action_id, titles[action_id].key), ""))
            parts.append(f"{key} {titles[action_id].title.lower()}")
        return " · ".join(parts)

    def _connected(self) -> Kube | None:
        """The session's cluster client; None, said on screen, when not connected."""
        if self.env.kube is None:
            self.app.notify("not connected to a cluster", severity="warning")
        return self.env.kube

    def open_view(self, kind: str) -> None:
        if self._connected() is None:
            return
        self.app.push_screen(self.objects_screen(kind))

    async def pick(self, spec: ActionSpec, kind: str, select: str | None = None) -> Target | None:
        """Ask which object of `kind` the action is for; None when the responder backed out."""
        self._dialogs_answered()  # the picker takes the keys typed after the action's key
        return await self._push(self.objects_screen(kind, pick=True, prompt=f"{spec.title}: which one?",
                                                    select=select, kinds=spec.target_kinds))

    def picker_for(self, spec: ActionSpec, target: Target | None) -> str | None:
        """The list to pick from when the selection cannot be the target, or None."""
        if spec.id == "forensics.collect":
            return "workload"  # always asked: the affected service, not whatever row is selected
        if target is not None and fits(spec, target):
            return None
        for kind in spec.target_kinds:
            if kind in ("configmap", "secret", "statefulset"):
                return kind
            if kind == "deployment":
                return "workload"
        return None

    # --- gating --------------------------------------------------------------------------
    def availability(self, action_id: str) -> Availability | None:
        """Cached availability for the current selection (None = not known yet)."""
        if action_id in VIEW_IDS:
            return None
        spec = registry.get(action_id)
        target = self.target_for(spec, self.selection())
        probe = self.probe(spec, target)
        if probe is not None:
            # Its object is asked for when the key is pressed: what can be said now is what
            # holds for every object of its kind here (read-only, a tool, namespace RBAC).
            return self.runner.cached_availability(action_id, probe)
        return self.runner.cached_availability(action_id, target)

    def probe(self, spec: ActionSpec, target: Target | None) -> Target | None:
        """For an action whose object will be picked, a stand-in naming only the namespace
        (its access reviews then ask about the namespace), else None."""
        if self.env.kube is None or self.picker_for(spec, target) is None:
            return None
        ns = (target.namespace if target is not None else None) or self.env.namespace
        kind = next((k for k in spec.target_kinds if k in ("namespace", *_PICKABLE)), None)
        if kind is None:
            return None
        return Target("namespace", ns, ns) if kind == "namespace" else Target(kind, "", ns)

    def check(self, action_id: str) -> bool | None:
        """For `App.check_action`: True to offer, None to show disabled (unavailable or not
        yet checked). Running an unchecked action still checks first; this is display."""
        if action_id in VIEW_IDS:
            return True
        found = self.availability(action_id)
        if found is None:
            return True
        return True if found.available else None

    def refusal(self, action_id: str) -> str | None:
        """Why the key of `action_id` cannot act now, from what is already known (no
        request is sent): the read-only, tool or RBAC reason; None when it may run."""
        if action_id in VIEW_IDS:
            return None
        found = self.availability(action_id)
        if found is None or found.available:
            return None
        spec = registry.get(action_id)
        if found.reason == "read-only":
            return f"{spec.title}: read-only terminal, nothing was sent"
        target = self.target_for(spec, self.selection())
        if target is not None and not fits(spec, target) and self.runner.static_availability(spec, None).available:
            return f"{spec.title}: {self.no_target(spec.target_kinds)}"
        return f"{spec.title}: {found.reason}"

    def no_target(self, kinds: tuple[str, ...] | list[str]) -> str:
        """What to do when nothing the action applies to is under the cursor."""
        kind = next((k for k in _PANE_OF if k in kinds), None)
        where = ""
        if kind is not None:
            row, pane = _PANE_OF[kind]
            frames = getattr(self.app, "pane_frames", [])
            frame = next((f for f in frames if f.spec.id == pane), None)
            if frame is not None:
                where = f": move the cursor to a {row} in pane {frame.number} ({frame.spec.title})"
        return f"no {' or '.join(kinds)} selected{where}"

    async def refresh(self) -> None:
        """Ask the access reviews for the current selection (call when the cursor settles)."""
        target = self.selection()
        if target is not None:
            await self.runner.refresh_access(target)
        for spec in registry.all_actions():
            probe = self.probe(spec, target)
            if probe is not None:
                try:
                    await self.runner.availability(spec.id, probe)
                except Exception:  # said when the key is pressed
                    pass

    # --- triggering ----------------------------------------------------------------------
    async def trigger(self, action_id: str, keys_done: Callable[[], None] | None = None,
                      params: dict[str, Any] | None = None) -> Outcome | None:
        """Run an action's flow. `keys_done` (from the app's `hold_keys_for_dialog`, taken
        by the key's handler) is called once its last dialog is answered or it ends.
        `params`: parameters the key already knows (those given are not asked for)."""
        _KEYS_DONE.set(keys_done)  # per flow: each worker runs in a copy of the context
        try:
            return await self._trigger(action_id, params)
        finally:
            self._dialogs_answered()

    async def _trigger(self, action_id: str, params: dict[str, Any] | None = None) -> Outcome | None:
        if action_id == "kube.logs":
            await self.open_logs()
            return None
        if action_id == "kube.describe":
            self.open_describe()
            return None
        if action_id == "actions.undo":
            return await self.undo()
        if action_id in _VIEW_KINDS:
            self.open_view(_VIEW_KINDS[action_id])
            return None
        spec = registry.get(action_id)
        target = self.target_for(spec, self.selection())
        kind = self.picker_for(spec, target) if self.env.kube is not None and not self.busy else None
        if kind is not None:
            default = self.affected_service() if kind == "workload" else None
            target = await self.pick(spec, kind, select=default or (target.name if target else None))
            if target is None:
                self.app.notify(f"{spec.title}: nothing picked; nothing was sent")
                return None
        if target is None:
            self.app.notify(f"{spec.title}: {self.no_target(spec.target_kinds)}", severity="warning")
            return None
        if self.busy:
            self.app.notify("another action is still running", severity="warning")
            return None
        self.busy = True
        try:
            outcome = await self.runner.run(action_id, target, params)
        finally:
            self.busy = False
        self.show(outcome)
        return outcome

    def target_for(self, spec: ActionSpec, selected: Target | None) -> Target | None:
        """What the action applies to, given the selection: the selection itself (or a pod's
        deployment/node, derived by the executor), else the session-wide object for
        namespace, release and database actions."""
        if selected is not None and (selected.kind in spec.target_kinds or selected.kind == "pod"):
            if selected.kind in spec.target_kinds or not {"namespace", "release", "database"} & set(spec.target_kinds):
                return selected
        ns = (selected.namespace if selected is not None else None) or self.env.namespace
        if "namespace" in spec.target_kinds:
            return Target("namespace", ns, ns)
        if "release" in spec.target_kinds:
            return Target("release", self.env.settings.helm_release, ns)
        if "db_replica" in spec.target_kinds:  # promote: the replica is what it acts on, and is typed to confirm
            return Target("db_replica", "replica")
        if "database" in spec.target_kinds:
            return Target("database", "primary")
        return selected

    async def undo(self) -> Outcome | None:
        if self.runner.last_undo is None:
            self.app.notify("nothing to undo")
            return None
        outcome = await self.runner.undo()
        if outcome is not None:
            self.show(outcome)
        return outcome

    def show(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        reload = getattr(self.app.screen, "action_reload", None)
        if outcome.status == "done" and callable(reload):  # a view shows the change it made
            reload()
        text = f"{outcome.target.label}: {outcome.message}"
        if outcome.undo:
            text += f"\nundo ({self._undo_key()}): {outcome.undo.description}"
        self.app.notify(text, title=registry.get(outcome.action_id).title, severity=_SEVERITY[outcome.status],
                        timeout=10 if outcome.status in ("failed", "rejected") else 6)
        lines = outcome.details.get("lines")
        if lines and outcome.ok:
            self.app.push_screen(ResultScreen(f"{registry.get(outcome.action_id).title}: {outcome.message}", lines))

    def _undo_key(self) -> str:
        return next((v.key for v in registry.VIEWS if v.id == "actions.undo"), "U")

    # --- views ---------------------------------------------------------------------------
    async def open_logs(self) -> None:
        from irtui.actions.investigate import pods_of
        from irtui.ui.screens.logs import LogsScreen

        target = self.selection()
        if target is None or target.kind not in ("pod", "deployment", "statefulset"):
            self.app.notify(f"logs: {self.no_target(('pod', 'deployment'))}", severity="warning")
            return None
        kube = self._connected()
        if kube is None:
            return None
        ns = target.namespace or self.env.namespace
        pod = target.name
        if target.kind != "pod":
            # A workload's logs: its first pod (kubectl logs deployment/x does the same).
            try:
                pods = await asyncio.to_thread(pods_of, kube, target.kind, ns, target.name)
            except Exception as exc:
                self.app.notify(f"logs: {exc}", severity="error")
                return None
            if not pods:
                self.app.notify(f"logs: {target.label} has no pods", severity="warning")
                return None
            pod = pods[0]
        self.app.push_screen(LogsScreen(kube, ns, pod, max_lines=self.env.settings.log_max_lines))
        return None

    def open_describe(self) -> None:
        from irtui.ui.screens.describe import DescribeScreen

        target = self.selection()
        if target is None or target.kind not in ("pod", "deployment", "statefulset", "node"):
            self.app.notify(f"describe: {self.no_target(('pod', 'deployment', 'node'))}", severity="warning")
            return None
        kube = self._connected()
        if kube is None:
            return None
        self.app.push_screen(DescribeScreen(kube, target.kind, target.namespace or self.env.namespace,
                                            target.name, max_log_lines=self.env.settings.log_max_lines))
        return None


# How an outcome is shown, by its status.
_SEVERITY: dict[str, SeverityLevel] = {"done": "information", "noop": "information", "cancelled": "information",
                                       "unavailable": "warning", "rejected": "error", "failed": "error"}
# The views of objects, by the kind of object each lists (irtui.actions.objects).
_VIEW_KINDS = {"kube.configmaps": "configmap", "kube.secrets": "secret", "kube.statefulsets": "statefulset",
               "kube.recent_changes": "revision"}
# Kinds picked from a list when not selected (irtui.actions.objects lists them).
_PICKABLE = ("configmap", "secret", "statefulset", "deployment")
# (parameter filled in from the row an action was started on, parameter to type next).
_PREFILLED = {"kube.edit_configmap": ("key", "value")}


def _helm(env: ActionEnv) -> HelmRunner | None:
    """The session's helm runner (None when helm is not installed: the view says so)."""
    from irtui.actions.helm import runner

    found = runner(env)
    return found if found.available else None


# Where a target of each kind is picked, for "move the cursor to a <row> in pane N": the row
# and the pane (a pod stands for its deployment or statefulset). The first kind listed wins.
_PANE_OF = {"pod": ("pod", "pods"), "deployment": ("pod", "pods"), "statefulset": ("pod", "pods"),
            "node": ("node", "nodes"), "db_backend": ("backend", "database"),
            "secret": ("secret's event", "events")}

_EVENT_KINDS = {"Pod": "pod", "Node": "node", "Deployment": "deployment", "StatefulSet": "statefulset",
                "Secret": "secret", "Service": "service"}


def target_from_row(row: object) -> Target | None:
    """A `Target` from a pane's selected row (`irtui.kube.model` PodRow, NodeRow,
    WorkloadRow, EventRow: the event's involved object; `irtui.database.monitor` Backend,
    BlockedPair: its blocker), or None."""
    if isinstance(row, PodRow):
        return Target("pod", row.name, row.namespace, {"node": row.node})
    if isinstance(row, NodeRow):
        return Target("node", row.name)
    if isinstance(row, WorkloadRow):
        kind = _EVENT_KINDS.get(row.kind)
        return Target(kind, row.name, row.namespace) if kind else None
    if isinstance(row, EventRow):
        object_kind, _, name = (row.object or "").partition("/")
        kind = _EVENT_KINDS.get(object_kind)
        if not kind or not name:
            return None
        return Target(kind, name, None if kind == "node" else row.namespace)
    return _database_target(row)


def _keyed_items() -> list[ActionSpec | View]:
    """Every action and Investigate view, each with its key."""
    return [*registry.all_actions(), *registry.VIEWS]


def _database_target(row: object) -> Target | None:
    """A database pane's row: its backend, or a blocked pair's blocker. Imported only when a
    row is none of the cluster's, so that asyncpg is not loaded before the first frame."""
    if row is None:
        return None
    from irtui.database.monitor import Backend, BlockedPair

    if isinstance(row, Backend):
        return Target("db_backend", str(row.pid))
    if isinstance(row, BlockedPair):
        return Target("db_backend", str(row.blocking_pid))
    return None


def find_controller(app: App[Any]) -> ActionController | None:
    return getattr(app, "action_controller", None)


class ActionsProvider(Provider):
    """Every action and Investigate view, with its key; an unavailable one says why.

    The app must expose its controller as `app.action_controller` and implement
    `action_run_irtui_action(action_id)`.
    """

    def _entries(self) -> Iterator[tuple[ActionSpec | View, str, str]]:
        controller = find_controller(self.app)
        keys = controller.keys if controller is not None else {}
        for item in _keyed_items():
            key = self.app.get_key_display(Binding(keys.get(item.id, item.key), ""))
            help_text = item.description
            if controller is not None and isinstance(item, ActionSpec):
                found = controller.availability(item.id)
                if found is not None and not found.available:
                    help_text = f"UNAVAILABLE: {found.reason} - {item.description}"
            # The palette parses str help as markup; a server's reason is text.
            yield item, f"{item.title}  ({key})", escape(visible(help_text))

    def _command(self, action_id: str) -> Callable[[], Awaitable[Any]]:
        return partial(self.app.run_action, f"{APP_ACTION}('{action_id}')")

    async def discover(self) -> Hits:
        for item, text, help_text in self._entries():
            yield DiscoveryHit(Content(text), self._command(item.id), text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item, text, help_text in self._entries():
            score = matcher.match(f"{text} {item.id}")
            if score > 0:
                yield Hit(score, matcher.highlight(text), self._command(item.id), text=text, help=help_text)
