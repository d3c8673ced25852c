"""The alert banner: what the detection rules found while no incident is open, and the key
that declares one. It stays on screen (a toast would time out unseen) and goes when the
findings clear or an incident is declared.

`terminal_alert(app, title, body)` is the other half of an alert: the terminal's bell and a
desktop notification (OSC 9, and OSC 777 for terminals that speak that one), written
through Textual's driver so they reach the terminal the app runs in, even through tmux.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.widgets import Static

from irtui.detect import Finding, by_importance
from irtui.text import visible
from irtui.ui.stylesheets import widget_css

BANNER_FINDINGS = 3  # findings named in the banner; the rest are counted


class AlertBanner(Static):
    DEFAULT_CSS = widget_css(__file__, "alert.tcss")

    def __init__(self) -> None:
        super().__init__("", id="alert-banner")
        self.display = False
        self.findings: list[Finding] = []

    def show(self, findings: list[Finding], declare_key: str | None) -> None:
        """Name the findings and the declare key (None: this terminal cannot declare, say so)."""
        self.findings = by_importance(list(findings))  # the cause before the symptoms
        findings = self.findings
        self.display = bool(findings)
        if not findings:
            return
        text = Text("⚠ DETECTED  ")
        for i, finding in enumerate(findings[:BANNER_FINDINGS]):
            if i:
                text.append(" · ")
            text.append(visible(finding.reason, 200))  # service and pod names come from the cluster
        if len(findings) > BANNER_FINDINGS:
            text.append(f" · +{len(findings) - BANNER_FINDINGS} more")
        if declare_key:
            text.append(f"   press {declare_key} to declare an incident", style="reverse")
        else:
            text.append("   read-only: declare from a writable terminal")
        self.update(text)


def _osc_safe(text: str) -> str:
    # An OSC string ends at BEL or ESC \, and 777 separates its fields with ";": none of
    # these may come from a pod name or a reason.
    return "".join(" " if ord(c) < 32 or c in ";\x7f" else c for c in visible(text, 200))


def terminal_alert(app: App, title: str, body: str) -> None:
    """The bell, then a desktop notification; nothing in a headless app (no terminal)."""
    driver = app._driver  # Textual's own App.bell writes through it the same way
    if app.is_headless or driver is None:
        return
    title, body = _osc_safe(title), _osc_safe(body)
    driver.write("\a")
    driver.write(f"\x1b]9;{title}: {body}\x1b\\")
    driver.write(f"\x1b]777;notify;{title};{body}\x1b\\")
    driver.flush()
