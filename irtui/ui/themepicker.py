"""The theme picker: the command palette's "Change theme" list, irtui's themes first.

This module owns the palette provider only; choosing a theme, and remembering it in the
config file, is `IrtuiApp.choose_theme`. Textual's own picker sets `app.theme` and forgets it;
this one is used in its place (`IrtuiApp.search_themes`).
"""

from __future__ import annotations

from functools import partial
from typing import Callable

from textual.markup import escape

from irtui.text import visible
from irtui.ui.palette import ListedCommands


class ThemesProvider(ListedCommands):
    """Every registered theme: irtui's shipped and user themes (with what each is for),
    then Textual's built-in ones; the current one is marked."""

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        ours: list[str] = list(getattr(app, "irtui_themes", {}))
        others = sorted(name for name in app.available_themes if name not in ours)
        out: list[tuple[str, Callable[[], object], str]] = []
        for name in [*ours, *others]:
            marker = " (current)" if name == app.theme else ""
            # A user's theme file says what it is for: text, not markup, shown in the palette.
            help_text = escape(visible(getattr(app, "irtui_themes", {}).get(name) or "Textual theme", 200))
            out.append((f"{name}{marker}", partial(app.choose_theme, name), help_text))  # type: ignore[attr-defined]
        return out
