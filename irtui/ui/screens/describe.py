"""The describe screen: `kubectl describe` for the selected pod, deployment, statefulset or
node (spec summary, conditions, container states, the object's events).

This module owns the display and its refresh key; the text comes from
`irtui.actions.investigate.describe`, run in a thread worker because the kubernetes client
blocks.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from irtui.actions.investigate import describe
from irtui.actions.kubeapi import Kube
from irtui.redact import redact_foreign
from irtui.text import visible, visible_lines
from irtui.ui.stylesheets import widget_css


class DescribeScreen(Screen):
    DEFAULT_CSS = widget_css(__file__, "describe.tcss")
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="describe.close"),
        Binding("r", "refresh", "Refresh", id="describe.refresh"),
        Binding("l", "logs", "Logs", id="describe.logs"),
    ]

    def __init__(self, kube: Kube, kind: str, namespace: str | None, name: str, *, max_log_lines: int = 50_000) -> None:
        super().__init__()
        self.kube = kube
        self.kind = kind
        self.namespace = namespace
        self.name_ = name
        self.text = ""
        self.loaded = False
        self.max_log_lines = max_log_lines

    def compose(self) -> ComposeResult:
        where = f" -n {self.namespace}" if self.namespace and self.kind != "node" else ""
        yield Static(visible(f"describe {self.kind}/{self.name_}{where}"), id="title", markup=False)
        with VerticalScroll(id="scroll"):
            yield Static("loading...", id="text", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#scroll").focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="describe")
    def _load(self) -> None:
        # Shared and read-only screens show it too: no credential from the spec or its events.
        text = redact_foreign(describe(self.kube, self.kind, self.namespace, self.name_))
        self.app.call_from_thread(self._show, text)

    def _show(self, text: str) -> None:
        # Annotations, images, env values and event messages are whatever their authors
        # wrote: every control character is shown, none is sent to the terminal.
        self.text = visible_lines(text)
        self.loaded = True
        self.query_one("#text", Static).update(Text(self.text))

    def action_logs(self) -> None:
        if self.kind != "pod" or self.namespace is None:
            self.notify("logs: select a pod")
            return
        from irtui.ui.screens.logs import LogsScreen

        self.app.push_screen(LogsScreen(self.kube, self.namespace, self.name_, max_lines=self.max_log_lines))

    def action_close(self) -> None:
        self.app.pop_screen()
