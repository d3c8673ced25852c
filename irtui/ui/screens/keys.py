"""The help screen (`?`): the keys that work where the responder is, read from the live bindings.

This module owns `keys_now(app)` (the active bindings of the screen below, grouped: the
focused pane's own keys first, then the keys that work everywhere, then the remediations
that act on the selected row) and `KeysScreen`, which shows them. Nothing here is a
hand-written list: a binding added, hidden, disabled or moved by `[keys]` shows as it is,
since Textual's `active_bindings` already applies the keymap and each node's `check_action`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from irtui.ui.action_bindings import APP_ACTION, action_bindings
from irtui.ui.stylesheets import widget_css

# The remediation framework binds its actions as `app.<APP_ACTION>('<id>')`; they act on
# the selected row, so they read better as their own group than mixed into "Everywhere".
_REGISTERED_PREFIX = f"{APP_ACTION}("


@dataclass
class KeyLine:
    """One action and every key that runs it now."""

    keys: list[str]
    description: str
    enabled: bool
    binding_id: str | None


@dataclass
class KeyGroup:
    title: str
    lines: list[KeyLine] = field(default_factory=list)


def _where(node: DOMNode) -> str:
    """The name of the place a node's keys belong to: its pane's title, a dialog's
    `BINDING_GROUP_TITLE`, else its class name."""
    for ancestor in (node, *node.ancestors):
        spec = getattr(ancestor, "spec", None)
        title = getattr(spec, "title", None)
        if isinstance(title, str) and title:
            return f"{title} pane"
    title = getattr(node, "BINDING_GROUP_TITLE", None)
    if title:
        return title
    # "LogsScreen" -> "Logs screen"
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", type(node).__name__) or [type(node).__name__]
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def _describe(binding: Binding) -> str:
    if binding.description:
        return binding.description
    if binding.tooltip:
        return binding.tooltip
    return binding.action.split("(", 1)[0].replace("_", " ")


def keys_now(app: App, screen: Screen | None = None) -> list[KeyGroup]:
    """The active bindings of `screen` (the app's current screen by default), grouped."""
    screen = screen or app.screen
    here: dict[str, KeyGroup] = {}
    everywhere = KeyGroup("Everywhere")
    actions = KeyGroup("Actions on the selected row")
    seen: dict[tuple[int, str], KeyLine] = {}
    for key, active in screen.active_bindings.items():
        node, binding = active.node, active.binding
        # The first screen's keys are the app's; a screen pushed over it (logs, describe)
        # has its own, listed as "here".
        if isinstance(node, App) or node is app.screen_stack[0]:
            group = actions if binding.action.startswith(_REGISTERED_PREFIX) else everywhere
        else:
            title = _where(node)
            group = here.setdefault(title, KeyGroup(title))
        ident = (id(node), binding.action)
        line = seen.get(ident)
        if line is None:
            line = KeyLine([], _describe(binding), active.enabled, binding.id)
            seen[ident] = line
            group.lines.append(line)
        line.keys.append(app.get_key_display(binding.with_key(key)))
    groups = [group for group in (*here.values(), everywhere, actions) if group.lines]
    for group in groups:
        group.lines = _numbered_runs(group.lines)
    return groups


_NUMBERED = re.compile(r"^(?P<what>.*\S)\s+(?P<n>\d+)$")


def _numbered_runs(lines: list[KeyLine]) -> list[KeyLine]:
    """"1 Pane 1", "2 Pane 2"... "9 Pane 9" as one line, "1…9 Pane 1…9": one binding per
    number is how Textual passes the number, not nine things to read."""
    out: list[KeyLine] = []
    run: list[tuple[KeyLine, re.Match[str]]] = []  # each line with its description's match

    def flush() -> None:
        if len(run) > 2:
            (first, first_n), (last, last_n) = run[0], run[-1]
            out.append(KeyLine([f"{first.keys[0]}…{last.keys[0]}"], f"{first_n['what']} {first_n['n']}…{last_n['n']}",
                               all(line.enabled for line, _ in run), first.binding_id))
        else:
            out.extend(line for line, _ in run)
        run.clear()

    for line in lines:
        match = _NUMBERED.match(line.description)
        if match and len(line.keys) == 1 and run and run[-1][1]["what"] == match["what"]:
            run.append((line, match))
            continue
        flush()
        if match and len(line.keys) == 1:
            run.append((line, match))
        else:
            out.append(line)
    flush()
    return out


def declared_bindings() -> list[tuple[str, Binding]]:
    """(owner, binding) for every binding irtui declares: the remediation framework's
    actions and the BINDINGS of every class under irtui/ui, read from the classes (for
    `irtui help keys` and for checking the ids a `[keys]` table names). Keys bound at run
    time (a pane's own key, `app.pane.<id>`; a team's custom steps) are not among them."""
    import importlib
    import pkgutil

    import irtui.ui
    out: list[tuple[str, Binding]] = [("action on the selected row", b) for b in action_bindings()]
    for info in pkgutil.walk_packages(irtui.ui.__path__, "irtui.ui."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                out.extend((value.__name__, b) for b in value.__dict__.get("BINDINGS", []) if isinstance(b, Binding))
    return out


def _cells(group: KeyGroup, keys_width: int) -> list[tuple[str, bool]]:
    out = []
    for line in group.lines:
        text = f"{' '.join(line.keys):<{keys_width}}  {line.description}"
        if not line.enabled:
            text += " (not now)"
        out.append((text, line.enabled))
    return out


def render_keys(groups: list[KeyGroup], width: int) -> Content:
    """The groups as text `width` cells wide: each group in as many columns as fit (filled
    top to bottom), so that a long list of global keys still fits one screen."""
    keys_width = min(max((len(" ".join(line.keys)) for g in groups for line in g.lines), default=4), 12)
    parts: list[Content] = []
    for group in groups:
        cells = _cells(group, keys_width)
        cell_width = min(max(len(text) for text, _ in cells), 48) + 3
        columns = max(1, (width - 2) // cell_width)
        rows = -(-len(cells) // columns)
        parts.append(Content.styled(group.title, "bold"))
        for row in range(rows):
            line = Content("  ")
            for column in range(columns):
                index = column * rows + row
                if index >= len(cells):
                    break
                text, enabled = cells[index]
                text = text[:cell_width - 3].ljust(cell_width)
                line += Content(text) if enabled else Content.styled(text, "dim")
            parts.append(line.rstrip())
        parts.append(Content(""))
    return Content("\n").join(parts)


class KeysScreen(ModalScreen[None]):
    """The keys of the focused pane and the global ones; `?`, escape or q closes it."""

    DEFAULT_CSS = widget_css(__file__, "keys.tcss")
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="keys.close"),
        Binding("j", "scroll(1)", "Down", show=False, id="keys.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="keys.up"),
    ]

    def __init__(self, groups: list[KeyGroup]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical():
            # Content, not str: a str would be read as markup, and "[keys]" would vanish.
            yield Static(Content("Keys here; dim: cannot act now. ctrl+p lists every action, [keys] in the "
                                 "config moves any key. escape closes."), id="keys-title")
            with VerticalScroll(id="keys-scroll"):
                yield Static(id="keys-list")

    def on_mount(self) -> None:
        self.query_one("#keys-scroll", VerticalScroll).focus()

    def on_resize(self) -> None:
        scroll = self.query_one("#keys-scroll", VerticalScroll)
        self.query_one("#keys-list", Static).update(render_keys(self.groups, scroll.scrollable_content_region.width))

    def action_scroll(self, lines: int) -> None:
        self.query_one("#keys-scroll", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
