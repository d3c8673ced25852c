"""The application shell: layout, pane hosting, app-wide keys, and the cluster feed.

This module owns `IrtuiApp`: the header line, the clock-bar line, the sidebar region, the
main area of panes, the command-palette provider for views, and the hand-over from cluster
source threads to the UI thread (one `ChangeBuffer` drained at most once per frame,
published as the `cluster_updated` signal). Panes own their rendering; this class only
places them and routes keys.

The main area has three layouts, chosen by terminal size (and a fourth for a wall display,
`wall=True`: pods, metrics and timeline at once, plus events on a large screen, under the
`irtui.ui.wall.WallBoard` band; every key that would open a prompt says why not): "tabs" (one pane under a
one-line tab strip, 80x24), "stack" (the chosen pane over a companion: events, or pods when
events is chosen; from 100x32) and "grid" (every pane at once, pods twice as tall; from
160x36, three columns from 240 when there are more than four panes).

How other parts plug in (see `IrtuiApp.__init__`):

    IrtuiApp(connection,
             panes=[PaneSpec("metrics", "Metrics", MetricsPane, key="m"), ...],
             sidebar=lambda: ChecklistSidebar(...),       # replaces the #sidebar placeholder
             clock_bar=lambda: ClockBar(...),             # replaces the #clock-bar placeholder
             commands=[ActionsProvider])                  # extra command-palette providers

             feed=ClusterFeed(...))                        # a feed started earlier (irtui does)

and at run time: `app.cluster` (ClusterState, `add_observer` for the incident timeline),
`app.cluster_updated` (Signal of ChangeSet), `app.second` (Signal, once a second:
subscribe with `irtui.ui.ticks.every_second`), `app.pods_pane` / `app.nodes_pane` /
`app.events_pane` (selection and freeze), `app.current_pane` (focused, else last shown),
`app.pane(id)`, `app.show_pane(id)`,
`app.connection` (the guarded KubeConnection), `app.main_screen` (the screen with the
panes, also while a modal is on top). Key bindings of a pane belong on the pane widget
(its BINDINGS, active while it has focus); app-wide ones on a subclass's BINDINGS, as
`irtui.ui.demo.DemoApp` does. Every binding has an id (`[keys]` moves it through
`App.set_keymap`); `?` lists the ones active where the responder is (`screens/keys.py`).
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from textual import events
from textual.actions import ActionParseResult
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import Provider
from textual.containers import Container, Horizontal, Vertical
from textual.dom import DOMNode
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.signal import Signal
from textual.widget import Widget
from textual.widgets import Static

from irtui.config import ConfigError, remember
from irtui.kube.client import KubeConnection
from irtui.kube.feed import ClusterFeed
from irtui.kube.state import CONNECTING, ChangeSet, ClusterState
from irtui.text import visible, visible_lines
from irtui.ui import startup, theming
from irtui.ui.header import ClusterHeader
from irtui.ui.palette import ListedCommands
from irtui.ui.panes import ClusterPane, PaneFrame, PaneSpec
from irtui.ui.panes.events import EventsPane
from irtui.ui.panes.nodes import NodesPane
from irtui.ui.panes.pods import PodsPane
from irtui.ui.ticks import wall_clock
from irtui.ui.timers import after
from irtui.ui.typeahead import KeysToTopScreen
from irtui.ui.wallkeys import PROMPTS, why_no_prompt
from irtui.ui.widgets.footer import KeysFooter

TOAST_LIMIT = 2000  # characters of a notification's message shown; the rest is elided
FRAME = 1 / 60  # at most one application of cluster changes per frame
WIDE_MIN_WIDTH = 160  # from here on the main area is a grid of panes, not tabs
WIDE_MIN_HEIGHT = 36
STACK_MIN_WIDTH = 100  # from here (and STACK_MIN_HEIGHT) the chosen pane shares the screen
STACK_MIN_HEIGHT = 32
SIDEBAR_MIN_WIDTH = 140  # narrower than this, the sidebar is hidden unless toggled on
WALL_PANES = ("pods", "metrics", "timeline")  # what a wall always shows
WALL_EVENTS_MIN = (160, 40)  # from this size the wall shows the events pane too
WALL_COLUMNS_MIN_WIDTH = 120  # narrower walls stack their panes in one column


def over_ssh() -> bool:
    """Whether this terminal is reached over SSH, where every animation frame crosses the
    link: no animations there unless $TEXTUAL_ANIMATIONS asks for them."""
    return bool(os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY") or os.environ.get("SSH_CLIENT"))


def cluster_panes() -> list[PaneSpec]:
    """The cluster panes every app has, in order."""
    return [
        PaneSpec("pods", "Pods", PodsPane),
        PaneSpec("nodes", "Nodes", NodesPane),
        PaneSpec("events", "Events", EventsPane),
    ]


def add_binding(node: DOMNode, binding: Binding) -> None:
    """Bind at run time with an id (`App.bind` takes none), so the keymap applies to it."""
    for key in binding.key.split(","):
        node._bindings.key_to_bindings.setdefault(key.strip(), []).append(binding.with_key(key.strip()))


class ClusterChanged(Message):
    """Posted (from a source thread) when the change buffer stops being empty."""


class ViewsProvider(ListedCommands):
    """Command palette entries for views: show each pane, switch namespace, filter, sidebar."""

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: IrtuiApp = self.app  # type: ignore[assignment]
        out = []
        for frame in app.pane_frames:
            number = f" ({frame.number})" if frame.number <= 9 else ""
            out.append((f"Show {frame.spec.title}{number}", partial(app.show_pane, frame.spec.id),
                        f"Bring the {frame.spec.title} pane forward"))
        out.append(("Switch namespace… (n)", app.action_choose_namespace, "Pick the namespace the cluster panes show"))
        out.append(("All namespaces", partial(app.set_namespace, None), "Show pods and events of every namespace"))
        out.append(("Filter the focused pane (/)", app.action_filter, "Substring filter on names, status, node"))
        out.append(("Toggle sidebar (b)", app.action_toggle_sidebar, "Show or hide the checklist sidebar"))
        return out


class IrtuiApp(KeysToTopScreen):
    """The war room. Small on purpose: panes render, sources fetch, actions act.

    Every dialog opens through `push_screen`; what is typed while it opens goes to it,
    never to the screen below (`KeysToTopScreen`)."""

    # The layout, then the skin: what each theme variable colours (irtui.ui.theming).
    CSS_PATH = [Path(__file__).with_name("app.tcss"), Path(__file__).with_name("skin.tcss")]
    TITLE = "irtui"
    COMMANDS = App.COMMANDS | {ViewsProvider}
    FOOTER_FIRST: tuple[str, ...] = ()  # actions the footer lists first (irtui.ui.widgets.footer)
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("n", "choose_namespace", "Namespace", id="app.namespace"),
        Binding("b", "toggle_sidebar", "Sidebar", id="app.sidebar"),
        Binding("question_mark", "show_keys", "Keys", id="app.keys"),
        Binding("tab", "focus_next_pane", "Next pane", show=False, id="app.next_pane"),
        Binding("shift+tab", "focus_previous_pane", "Previous pane", show=False, id="app.previous_pane"),
        *[Binding(str(i), f"show_pane_number({i})", f"Pane {i}", show=False, id=f"app.pane_{i}") for i in range(1, 10)],
    ]

    def __init__(
        self,
        connection: KubeConnection,
        *,
        panes: Sequence[PaneSpec] = (),
        sidebar: Callable[[], Widget] | None = None,
        clock_bar: Callable[[], Widget] | None = None,
        commands: Iterable[type[Provider]] = (),
        feed: ClusterFeed | None = None,
        theme: str | None = None,
        context_colour: str | None = None,
        config_file: str | Path | None = None,
        now: Callable[[], datetime] = wall_clock,
        wall: bool = False,
    ) -> None:
        # Read by `get_css_variables`, which App.__init__ already calls.
        self.context_colour = context_colour
        super().__init__()
        # irtui's themes (shipped, then the user's), name -> what it is for; a malformed
        # theme file raises ConfigError here, before anything runs.
        self.irtui_themes: dict[str, str] = {}
        for name, (loaded, description) in theming.load_themes().items():
            self.register_theme(loaded)
            self.irtui_themes[name] = description
        self.theme = theme or (theming.NO_COLOR_THEME if theming.no_color() else theming.DEFAULT_THEME)
        # A context with a cue colour draws its header and pane borders in it (app.tcss).
        self.set_class(bool(context_colour), "-context-cue")
        self.config_file = config_file  # where a theme chosen in the palette is remembered
        if over_ssh() and "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"
        self.wall = wall
        self.connection = connection
        # The one clock ages, "ago" and the incident clocks read (irtui.ui.ticks.now).
        self.now = now
        self.pane_specs: list[PaneSpec] = [*cluster_panes(), *panes]
        self._sidebar_factory = sidebar
        self._clock_bar_factory = clock_bar
        extra = set(commands)
        if extra:
            self.COMMANDS = type(self).COMMANDS | extra  # per instance: the palette reads app.COMMANDS
        # A feed started before the app (by `irtui`, for launch speed) is adopted. Its loops
        # run on their own threads, not Textual thread workers: those share asyncio's default
        # executor (min(32, cpus + 4) threads, 6 here), and six watch loops that never end
        # would starve every other thread worker and `asyncio.to_thread` in the app.
        self.feed = feed or ClusterFeed(connection.api_client, connection.namespace or None)
        self.cluster: ClusterState = self.feed.state
        self.cluster_updated: Signal[ChangeSet] = Signal(self, "cluster-updated")
        self.second: Signal[float] = Signal(self, "second")  # irtui.ui.ticks: one clock for all
        self._flush_pending = False
        self._last_flush = 0.0
        self.active_pane = self.pane_specs[0].id
        self.layout_mode = "tabs"
        self._layout: tuple | None = None  # (mode, grid columns, sidebar shown) last applied
        self._wall_panes: tuple[str, ...] = WALL_PANES  # the panes a wall of the current size shows
        self._sidebar_forced: bool | None = None

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every toast is plain text, whatever the caller asked: messages carry server
        replies, pod names and typed values (`MY_PATHS=[/srv/a]`, `[require-owner]`), and a
        bracket read as markup either vanishes or ends the app with a MarkupError."""
        super().notify(visible_lines(str(message), TOAST_LIMIT), title=visible(str(title), 200), severity=severity,
                       timeout=timeout, markup=False)

    # -- themes -------------------------------------------------------------------------

    def get_css_variables(self) -> dict[str, str]:
        """Textual's variables for the theme, with irtui's (`theming.VARIABLES`) filled in
        for a theme that leaves them out, and the context's cue colour."""
        variables = theming.with_defaults(super().get_css_variables(), getattr(self, "context_colour", None))
        self.theme_variables = variables
        return variables

    def _restyle(self, _theme: object) -> None:
        """Text built in Python with theme colours (`theming.themed`) is built when its data
        changes: a widget that keeps such text has a `restyle()`, called on a new theme."""
        for screen in self.screen_stack:
            for node in screen.walk_children(with_self=False):
                restyle = getattr(node, "restyle", None)
                if callable(restyle):
                    restyle()

    def search_themes(self) -> None:
        """The palette's "Change theme": irtui's picker, which remembers the choice."""
        from textual.command import CommandPalette

        from irtui.ui.themepicker import ThemesProvider

        self.push_screen(CommandPalette(providers=[ThemesProvider], placeholder="Search for themes…"))

    def choose_theme(self, name: str) -> None:
        """Apply a theme and remember it as `[ui] theme` in the config file."""
        self.theme = name
        if self.config_file is None:
            return
        try:
            remember(self.config_file, "ui", "theme", name)
        except (ConfigError, OSError) as exc:
            self.notify(f"Theme {name} is shown but not remembered: {exc}", severity="warning")
        else:
            self.notify(f"Theme {name}, remembered in {self.config_file}")

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        c = self.connection
        yield ClusterHeader(context=c.context, cluster_url=c.cluster_url, user=c.user,
                            actor=c.actor, read_only=c.guard.read_only,
                            write_override=c.extra.get("write_override", ""))
        if self._clock_bar_factory is not None:
            bar = self._clock_bar_factory()
            if bar.id is None:
                bar.id = "clock-bar"
            yield bar
        else:
            yield Static("no incident open · ctrl+p for commands", id="clock-bar")
        # Composed in the layout the terminal's size calls for: applying it after mount
        # would restyle the whole main area once more before the first frame.
        self._layout = self._layout_for(self.size.width, self.size.height)
        self._wall_panes = self._wall_panes_for(self.size.width, self.size.height)
        mode, columns, show_sidebar = self._layout
        self.layout_mode = mode
        with Horizontal(id="body"):
            sidebar = Vertical(id="sidebar")
            sidebar.display = show_sidebar
            with sidebar:
                if self._sidebar_factory is not None:
                    yield self._sidebar_factory()
                else:
                    yield Static("Checklist\n\nno incident open", id="sidebar-placeholder")
            with Vertical(id="main"):
                tabs = Static("", id="pane-tabs")
                tabs.display = mode not in ("grid", "wall")
                yield tabs
                panes = Container(id="panes", classes=f"-{mode}")
                panes.styles.grid_size_columns = columns
                with panes:
                    for number, spec in enumerate(self.pane_specs, 1):
                        frame = PaneFrame(spec, number)
                        frame.display, companion = self._frame_shown(spec.id, mode)
                        frame.set_class(companion, "-companion")
                        if self.wall:  # inline, so only on a wall: the grid's span is in app.tcss
                            frame.styles.row_span = self._wall_span(spec.id)
                        yield frame
        yield KeysFooter()

    def on_mount(self) -> None:
        for spec in self.pane_specs:
            if spec.key:
                # With an id (as `self.bind` cannot give), so `[keys]` can move it like any other.
                add_binding(self, Binding(spec.key, f"show_pane('{spec.id}')", spec.title, show=False,
                                          id=f"app.pane.{spec.id}"))
        self._apply_layout(self.size.width, self.size.height)
        self._show(self.active_pane, focus=True)
        self._update_header()
        self.set_interval(1.0, self._each_second)
        self.theme_changed_signal.subscribe(self, self._restyle)
        self.feed.set_wake(self._wake)
        self.feed.start()
        after(self, startup.RESUME_AFTER, startup.resume_collector)

    def on_resize(self, event: events.Resize) -> None:
        self._apply_layout(event.size.width, event.size.height)

    def _apply_layout(self, width: int, height: int) -> None:
        if not self.screen_stack:  # starting or shutting down
            return
        layout = self._layout_for(width, height)
        wall_panes = self._wall_panes_for(width, height)
        self.layout_mode, columns, show_sidebar = layout
        # Every class or display change restyles the whole main area: only on a real change.
        if layout == self._layout and wall_panes == self._wall_panes:
            return
        self._layout, self._wall_panes = layout, wall_panes
        panes = self.main_screen.query_one("#panes")
        for mode in ("grid", "stack", "tabs", "wall"):
            panes.set_class(mode == self.layout_mode, f"-{mode}")
        panes.styles.grid_size_columns = columns
        self.main_screen.query_one("#pane-tabs").display = self.layout_mode not in ("grid", "wall")
        self.main_screen.query_one("#sidebar").display = show_sidebar
        self._place_panes()

    def _layout_for(self, width: int, height: int) -> tuple[str, int, bool]:
        """(mode, grid columns, sidebar shown) for a terminal of this size.

        grid: every pane at once; stack: the chosen pane over a companion (events, or pods
        when events is chosen); tabs: one pane at a time (80x24); wall: the wall's panes at
        once, in one column when narrow."""
        if self.wall:
            sidebar = bool(self._sidebar_forced)  # the checklist is the responders', not the room's
            return "wall", (2 if width >= WALL_COLUMNS_MIN_WIDTH else 1), sidebar
        if width >= WIDE_MIN_WIDTH and height >= WIDE_MIN_HEIGHT:
            mode = "grid"
        elif width >= STACK_MIN_WIDTH and height >= STACK_MIN_HEIGHT:
            mode = "stack"
        else:
            mode = "tabs"
        columns = 3 if width >= 240 and len(self.pane_specs) > 4 else 2
        sidebar = self._sidebar_forced if self._sidebar_forced is not None else width >= SIDEBAR_MIN_WIDTH
        return mode, columns, sidebar

    def _frame_shown(self, pane_id: str, mode: str) -> tuple[bool, bool]:
        """(displayed, is the companion) of a pane's frame in this layout mode."""
        companion = self._companion()
        if mode == "wall":
            return pane_id in self._wall_pane_ids(), False
        if mode == "grid":
            return True, False
        if mode == "stack":
            return pane_id in (self.active_pane, companion), pane_id == companion
        return pane_id == self.active_pane, False

    def _wall_pane_ids(self) -> tuple[str, ...]:
        return self._wall_panes

    @staticmethod
    def _wall_panes_for(width: int, height: int) -> tuple[str, ...]:
        large = width >= WALL_EVENTS_MIN[0] and height >= WALL_EVENTS_MIN[1]
        return (*WALL_PANES, "events") if large else WALL_PANES

    def _wall_span(self, pane_id: str) -> int:
        """On a two-column wall with three panes, pods take the left column's full height."""
        spans = (self.layout_mode == "wall" and len(self._wall_pane_ids()) == 3 and self._layout is not None
                 and self._layout[1] == 2)
        return 2 if spans and pane_id == "pods" else 1

    def _companion(self) -> str:
        return "pods" if self.active_pane == "events" else "events"

    def _place_panes(self) -> None:
        if not self.screen_stack:  # starting or shutting down
            return
        mode = getattr(self, "layout_mode", "tabs")
        companion = self._companion()
        for frame in self.pane_frames:
            frame.display, is_companion = self._frame_shown(frame.spec.id, mode)
            frame.set_class(is_companion, "-companion")
        if mode == "wall":
            for frame in self.pane_frames:
                frame.styles.row_span = self._wall_span(frame.spec.id)
        if mode == "stack":
            # The chosen pane sits on top, its companion below.
            container = self.main_screen.query_one("#panes")
            chosen = self.main_screen.query_one(f"#pane-{self.active_pane}")
            mate = self.main_screen.query_one(f"#pane-{companion}")
            order = list(container.children)
            if order.index(chosen) > order.index(mate):
                container.move_child(chosen, before=mate)
        self._render_tabs()

    def on_pane_frame_changed(self, _message: PaneFrame.Changed) -> None:
        self._render_tabs()

    def _render_tabs(self) -> None:
        tabs = self.main_screen.query("#pane-tabs") if self.screen_stack else None
        if not tabs:  # not composed yet, or already torn down
            return
        parts = []
        for frame in self.pane_frames:
            label = frame.spec.title
            badge = f" [b $irtui-failing]{frame.badge}[/]" if frame.badge else ""
            text = f" {frame.number} {label}{badge} " if frame.number <= 9 else f" {label}{badge} "
            if frame.spec.id == self.active_pane:
                parts.append(f"[reverse bold]{text}[/]")
            else:
                parts.append(f"[@click=app.show_pane('{frame.spec.id}')]{text}[/]")
        tabs.first(Static).update(" ".join(parts))

    # -- panes --------------------------------------------------------------------------

    @property
    def main_screen(self):
        """The screen holding the panes, even while a modal (palette, confirmation) is on top."""
        return self.screen_stack[0] if self.screen_stack else self.screen

    @property
    def header(self) -> ClusterHeader:
        return self.main_screen.query_one(ClusterHeader)

    @property
    def pane_frames(self) -> list[PaneFrame]:
        return sorted(self.main_screen.query(PaneFrame), key=lambda frame: frame.number)

    def pane(self, pane_id: str) -> Widget:
        """The widget a `PaneSpec` built (e.g. `app.pane("pods")` is the PodsPane)."""
        return self.main_screen.query_one(f"#pane-{pane_id}", PaneFrame).content

    @property
    def pods_pane(self) -> PodsPane:
        return self.pane("pods")  # type: ignore[return-value]

    @property
    def nodes_pane(self) -> NodesPane:
        return self.pane("nodes")  # type: ignore[return-value]

    @property
    def events_pane(self) -> EventsPane:
        return self.pane("events")  # type: ignore[return-value]

    @property
    def current_pane(self) -> Widget:
        """The pane the user is working in: the one holding focus, else the one last shown.

        In the grid layout every pane is visible, so "active" alone would be ambiguous;
        remediations should take their target from this pane's `selected()`.
        """
        return self.pane(self._focused_pane_id() or self.active_pane)

    def show_pane(self, pane_id: str) -> None:
        self._show(pane_id, focus=True)

    def _show(self, pane_id: str, focus: bool) -> None:
        if self.wall and pane_id not in self._wall_pane_ids() and self.screen_stack:
            shown = ", ".join(self._wall_pane_ids())
            self.notify(f"wall display: the {pane_id} pane is not on the wall (it shows {shown})", severity="warning")
            return
        self.active_pane = pane_id
        self._place_panes()
        if focus:
            content = self.pane(pane_id)
            if isinstance(content, ClusterPane):
                content.focus_table()
            elif content.focusable:
                content.focus()
            else:
                for child in content.query("*"):
                    if child.focusable:
                        child.focus()
                        break

    def action_show_keys(self) -> None:
        """The keys that work where the responder is, read from the bindings active now."""
        from irtui.ui.screens.keys import KeysScreen, keys_now

        if isinstance(self.screen, KeysScreen):
            return
        self.push_screen(KeysScreen(keys_now(self)))

    def action_show_pane(self, pane_id: str) -> None:
        self.show_pane(pane_id)

    def action_show_pane_number(self, number: int) -> None:
        frames = self.pane_frames
        if 1 <= number <= len(frames):
            self.show_pane(frames[number - 1].spec.id)

    def _cycle(self, step: int) -> None:
        ids = [f.spec.id for f in self.pane_frames]
        current = self._focused_pane_id() or self.active_pane
        i = ids.index(current) if current in ids else 0
        self.show_pane(ids[(i + step) % len(ids)])

    def _focused_pane_id(self) -> str | None:
        node = self.focused
        while node is not None:
            if isinstance(node, PaneFrame):
                return node.spec.id
            node = node.parent
        return None

    def action_focus_next_pane(self) -> None:
        self._cycle(+1)

    def action_focus_previous_pane(self) -> None:
        self._cycle(-1)

    def action_toggle_sidebar(self) -> None:
        self.set_sidebar(not self.main_screen.query_one("#sidebar").display)

    @property
    def sidebar_forced(self) -> bool | None:
        """True/False: the responder showed/hid the sidebar; None: the width decides."""
        return self._sidebar_forced

    def set_sidebar(self, shown: bool | None) -> None:
        """Show or hide the sidebar whatever the width, or (None) give the choice back to
        the width: a sidebar opened for a moment on a narrow screen must not stay hidden
        on a wide one."""
        self._sidebar_forced = shown
        self._apply_layout(self.size.width, self.size.height)

    def action_filter(self) -> None:
        pane_id = self._focused_pane_id() or self.active_pane
        content = self.pane(pane_id)
        if isinstance(content, ClusterPane):
            content.action_start_filter()

    # -- namespaces ---------------------------------------------------------------------

    def action_choose_namespace(self) -> None:
        self.run_worker(self._namespace_choices, thread=True, exclusive=True, group="namespaces")

    def _namespace_choices(self) -> None:
        # A user without the right to list namespaces still gets the current namespace and
        # "all namespaces".
        self.call_from_thread(self._open_namespace_picker, self.feed.namespaces())

    def _open_namespace_picker(self, names: list[str]) -> None:
        from textual.command import SimpleCommand

        current = self.cluster.namespace
        choices = [SimpleCommand("All namespaces", partial(self.set_namespace, None), "pods and events everywhere")]
        for name in names or ([current] if current else []):
            marker = " (current)" if name == current else ""
            choices.append(SimpleCommand(f"{name}{marker}", partial(self.set_namespace, name), None))
        self.search_commands(choices, placeholder="Namespace…")

    def set_namespace(self, namespace: str | None) -> None:
        """Show another namespace (None: all). Namespaced sources restart; nodes carry on."""
        if namespace == self.cluster.namespace:
            return
        changes = self.feed.set_namespace(namespace)
        self.cluster_updated.publish(changes)
        self._update_header()

    # -- the cluster feed ---------------------------------------------------------------

    def _wake(self) -> None:
        # Called from source threads; post_message is thread-safe.
        self.post_message(ClusterChanged())

    def on_cluster_changed(self, _message: ClusterChanged) -> None:
        if self._flush_pending:
            return
        wait = self._last_flush + FRAME - time.monotonic()
        if wait > 0:
            self._flush_pending = True
            after(self, wait, self._apply_changes)
        else:
            self._apply_changes()

    def _apply_changes(self) -> None:
        self._flush_pending = False
        self._last_flush = time.monotonic()
        changes = self.feed.apply_pending()
        if "pods" in changes.status and self.cluster.status["pods"].state != CONNECTING:
            self.call_after_refresh(startup.resume_collector)  # the first list is on screen
        if changes.kinds or changes.status or changes.metrics:
            self.cluster_updated.publish(changes)
            if changes.status:
                self._update_header()
                self._render_tabs()

    def _update_header(self) -> None:
        if not self.screen_stack:  # starting or shutting down
            return
        for header in self.main_screen.query(ClusterHeader):
            header.update_from(self.cluster)

    def _each_second(self) -> None:
        state, _ = self.cluster.connection()
        if state != "connected":
            self._update_header()
        self.second.publish(self.now().timestamp())

    # -- keys that cannot act --------------------------------------------------------------

    async def run_action(self, action: str | ActionParseResult, default_namespace: DOMNode | None = None,
                         namespaces: Mapping[str, DOMNode] | None = None) -> bool:
        """Run an action; one its owner has disabled (`check_action`: read-only, RBAC, no
        incident) answers with the owner's `why_not` in a notification instead of doing
        nothing, so a key never goes silent. The footer still shows it dimmed."""
        if await super().run_action(action, default_namespace, namespaces):
            return True
        node, name, params = self._parse_action(action, self if default_namespace is None else default_namespace,
                                                namespaces)
        why_not = getattr(node, "why_not", None)
        reason = why_not(name, params) if callable(why_not) else None
        if not reason:
            return False
        self.notify(reason, severity="warning")
        return True

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if self.wall and action in PROMPTS:
            return False
        return super().check_action(action, parameters)

    def why_not(self, action: str, parameters: tuple) -> str | None:
        """Why an action this app disabled cannot run (None: it says nothing). Widgets
        that gate their own actions answer the same question for theirs."""
        if self.wall:
            return why_no_prompt(action)
        return None

    # -- quitting --------------------------------------------------------------------------

    def quit_question(self) -> str | None:
        """A question to ask before quitting (an incident still open), or None to quit."""
        return None

    async def action_quit(self) -> None:
        question = self.quit_question()
        if question is None:
            self._quit()
            return
        from irtui.ui.screens.confirm import YesNoScreen

        if isinstance(self.screen, YesNoScreen):  # q again while asked: the question stands
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._quit()

        self.push_screen(YesNoScreen(question), answered)

    def _quit(self) -> None:
        self.feed.stop()
        self.exit()

    def on_unmount(self) -> None:
        self.feed.stop()
