"""The footer, in the order of importance the app declares: its `FOOTER_FIRST` actions
(close, checklist, declare, note in the war room) come before the focused pane's keys and
the rest, so that at 80 columns the keys of the incident are the ones left on the line.

Textual's `Footer` lists keys in binding-chain order (focused widget first, the app last),
which at 80 columns cuts off the app's incident keys; this changes only that order.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer


class KeysFooter(Footer):
    def compose(self) -> ComposeResult:
        first: tuple[str, ...] = getattr(self.app, "FOOTER_FIRST", ())
        if not first:
            yield from super().compose()
            return
        # irtui declares no key groups (Textual composes those inside a `with` block, which
        # a reordering would split); every item here is one key.
        keys = list(super().compose())

        def rank(widget) -> int:
            if widget.has_class("-command-palette"):
                return len(first) + 1  # the palette's key stays at the end
            action = getattr(widget, "action", "")  # a FooterKey's action
            return first.index(action) if action in first else len(first)

        yield from sorted(keys, key=rank)  # stable: the rest keep Textual's order
