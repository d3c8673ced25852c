"""The screens an action asks through: its parameters, the confirmation, and a long result.

This module owns what the responder sees before anything changes: where (context, cluster
URL, namespace) in a banner that is red for production, what (target, the exact command,
copyable with OSC 52 so it works over SSH), what the dry run said, what undo will do, and,
for dangerous, bulk or repeated actions, a field in which the target's name must be typed.
It sends nothing: it returns the answer to the executor.
"""

from __future__ import annotations

from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from irtui.actions.model import ActionSpec, ConfirmRequest, Danger, Target
from irtui.text import visible, visible_lines
from irtui.ui.stylesheets import widget_css


def _line(text: Any) -> str:
    """One line shown as-is: a pod name, a typed value or a command is data, never markup,
    and its control characters are shown, not sent."""
    return visible(str(text))


def _block(lines: Any) -> Content:
    """Several such lines (warnings, a dry run's answer, a result), line breaks kept."""
    return Content(visible_lines("\n".join(str(line) for line in lines)))


class ConfirmActionScreen(ModalScreen[bool]):
    """Dismisses with True only on an explicit yes (and the typed name, when asked)."""

    TYPE_AHEAD = False  # a yes typed before this was on screen is no answer (irtui.ui.typeahead)

    DEFAULT_CSS = widget_css(__file__, "confirm.tcss")

    BINDINGS = [
        Binding("escape,n", "cancel", "Cancel", id="confirm.cancel"),
        Binding("y", "confirm", "Run", id="confirm.run"),
        Binding("c", "copy_command", "Copy command", id="confirm.copy_command"),
    ]

    def __init__(self, request: ConfirmRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        r = self.request
        where = f"context {r.context or '-'}  ·  {r.cluster_url or '-'}"
        if r.namespace:
            where += f"  ·  namespace {r.namespace}"
        banner = ("PRODUCTION  ·  " if r.production else "") + where
        with Vertical(id="dialog"):
            yield Static(Content(_line(banner)), id="banner", classes="production" if r.production else "")
            yield Static(
                Content.assemble(_line(r.spec.title), "  ", (_line(r.target.label), "bold"),
                                 f"   danger: {r.danger.label}"),
                id="title", classes=f"danger-{r.danger.label}",
            )
            with VerticalScroll(id="body"):
                if r.warnings:
                    yield Static(_block(f"! {w}" for w in r.warnings), id="warnings")
                if r.summary:
                    yield Static(_block(r.summary), id="summary")
                if r.dry_run:
                    yield Static(_block(["Dry run: " + "\n".join(str(s) for s in r.dry_run)]), id="dry-run")
                yield Static(Content(f"Undo: {_line(r.undo)}" if r.undo else "Undo: none"), id="undo")
                yield Static(Content(f"As: {_line(r.actor)}"), id="actor")
            yield Static(Content(f"$ {_line(r.command)}"), id="command")
            if r.typed:
                yield Label(Content.assemble("Type ", (_line(r.typed), "bold"), " to confirm:"), id="typed-label")
                yield Input(placeholder=r.typed, id="typed", compact=True)
            with Horizontal(id="buttons"):
                yield Button("Copy command (c)", id="copy", compact=True)
                yield Button("Cancel (n)", id="cancel", variant="default", compact=True)
                yield Button(f"Run (y){' - type the name first' if r.typed else ''}", id="run",
                             variant="error" if r.danger >= Danger.HIGH else "warning",
                             disabled=bool(r.typed), compact=True)

    def on_mount(self) -> None:
        if self.request.typed:
            self.query_one("#typed", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    @property
    def typed_ok(self) -> bool:
        if not self.request.typed:
            return True
        return self.query_one("#typed", Input).value.strip() == self.request.typed

    @on(Input.Changed, "#typed")
    def _typed_changed(self) -> None:
        button = self.query_one("#run", Button)
        button.disabled = not self.typed_ok
        button.label = "Run (enter)" if self.typed_ok else "Run (y) - type the name first"

    @on(Input.Submitted, "#typed")
    def _typed_submitted(self) -> None:
        if self.typed_ok:
            self.dismiss(True)
        else:
            self.notify(f"type {_line(self.request.typed)} exactly to confirm", severity="warning", markup=False)

    @on(Button.Pressed, "#run")
    def _run_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#copy")
    def _copy_pressed(self) -> None:
        self.action_copy_command()

    def action_confirm(self) -> None:
        if self.typed_ok:
            self.dismiss(True)
        else:
            self.notify(f"type {_line(self.request.typed)} to confirm", severity="warning", markup=False)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_copy_command(self) -> None:
        # OSC 52: the terminal (even over SSH, in tmux with set-clipboard on) sets the clipboard.
        self.app.copy_to_clipboard(self.request.command)
        self.notify("command copied to the clipboard (OSC 52)")


class DiffScreen(ModalScreen[bool]):
    """An edit's change (old -> new, as the redaction policy shows it), seen before the dry
    run: enter goes on to the dry run and the confirmation, escape sends nothing."""

    DEFAULT_CSS = widget_css(__file__, "diff.tcss")
    BINDINGS = [Binding("enter,y", "answer(True)", "Dry run", id="diff.go"),
                Binding("escape,n", "answer(False)", "Cancel", id="diff.cancel")]

    def __init__(self, spec: ActionSpec, target: Target, diff: list[tuple[str, str | None, str]], command: str) -> None:
        super().__init__()
        self.spec = spec
        self.target = target
        self.diff = diff
        self.command = command

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.assemble(_line(self.spec.title), "  ", (_line(self.target.label), "bold"),
                                          "  diff"), id="title")
            with VerticalScroll(id="changes"):
                for key, old, new in self.diff:
                    yield Static(Content(f"- {_line(key)}: " + ("<not set>" if old is None else _line(repr(old)))),
                                 classes="old")
                    yield Static(Content(f"+ {_line(key)}: {_line(repr(new))}"), classes="new")
            yield Static(Content(f"$ {_line(self.command)}"))
            yield Static("enter: dry run (nothing changes yet), then confirm · escape: cancel",
                         classes="help")

    def action_answer(self, go: bool) -> None:
        self.dismiss(go)


class ParamsScreen(ModalScreen[dict | None]):
    """Asks for an action's parameters, pre-filled; presets are one key (1, 2, ...)."""

    DEFAULT_CSS = widget_css(__file__, "params.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="params.cancel")]

    def __init__(self, spec: ActionSpec, target: Target, defaults: dict[str, Any], focus: str | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.target = target
        self.defaults = defaults
        self.focus_param = focus

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.assemble((_line(self.spec.title), "bold"), " ", _line(self.target.label)))
            for param in self.spec.params:
                yield Label(Content(_line(param.label) + (f"  ({_line(param.help)})" if param.help else "")))
                if param.choices:
                    presets: list[Any] = ["presets: "]
                    for i, choice in enumerate(param.choices):
                        presets += [*(["  "] if i else []), (f"F{i + 1}", "bold"), " ", _line(choice)]
                    yield Static(Content.assemble(*presets), classes="presets")
                default = self.defaults.get(param.name)
                yield Input(value="" if default is None else str(default), id=f"param-{param.name}",
                            password=param.secret)
            yield Static("", id="error")
            yield Static("enter: continue to the dry run   escape: cancel", classes="presets")

    def on_mount(self) -> None:
        if self.focus_param:  # a key chosen from a list arrives filled in: its value is next
            self.query_one(f"#param-{self.focus_param}", Input).focus()
            return
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    def on_key(self, event: events.Key) -> None:
        # Function keys pick a preset of the first parameter that has presets.
        if event.key.startswith("f") and event.key[1:].isdigit():
            index = int(event.key[1:]) - 1
            for param in self.spec.params:
                if param.choices and 0 <= index < len(param.choices):
                    self.query_one(f"#param-{param.name}", Input).value = param.choices[index]
                    event.stop()
                    return

    def values(self) -> dict[str, Any]:
        out = {}
        for param in self.spec.params:
            raw = self.query_one(f"#param-{param.name}", Input).value
            if raw.strip() == "" and param.default is None and param.kind is str:
                continue  # optional text (e.g. value when NAME=VALUE was typed)
            out[param.name] = param.parse(raw)
        return out

    @on(Input.Submitted)
    def _submitted(self) -> None:
        try:
            self.dismiss(self.values())
        except ValueError as exc:
            self.query_one("#error", Static).update(Content(_line(exc)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResultScreen(ModalScreen[None]):
    """A multi-line result (health check round, helm history), dismissed with escape."""

    DEFAULT_CSS = widget_css(__file__, "result.tcss")
    BINDINGS = [Binding("escape,q,enter", "close", "Close", id="result.close")]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.assemble((_line(self.title_text), "bold")))
            with VerticalScroll():
                yield Static(_block(self.lines) if self.lines else Content("(nothing)"))

    def action_close(self) -> None:
        self.dismiss(None)


class YesNoScreen(ModalScreen[bool]):
    """One question answered with y or n (escape is no): "INC-… is open: quit anyway?"."""

    DEFAULT_CSS = widget_css(__file__, "yes_no.tcss")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="yes_no.yes"),
        Binding("n,escape", "answer(False)", "No", id="yes_no.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content(f"{_line(self.question)} y/n"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
