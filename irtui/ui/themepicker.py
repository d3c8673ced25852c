"""The theme picker: the command palette's "Change theme" list, irtui's themes first.

This module owns the palette provider only; choosing a theme, and remembering it in the
config file, is `IrtuiApp.choose_theme`. Textual's own picker sets `app.theme` and forgets it;
this one is used in its place (`IrtuiApp.search_themes`).
"""

from __future__ import annotations

from functools import partial
from typing import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from irtui.text import visible


class ThemesProvider(Provider):
    """Every registered theme: irtui's shipped and user themes (with what each is for),
    then Textual's built-in ones; the current one is marked."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        ours: list[str] = list(getattr(app, "irtui_themes", {}))
        others = sorted(name for name in app.available_themes if name not in ours)
        out = []
        for name in [*ours, *others]:
            marker = " (current)" if name == app.theme else ""
            # A user's theme file says what it is for: text, not markup, shown in the palette.
            help_text = escape(visible(getattr(app, "irtui_themes", {}).get(name) or "Textual theme", 200))
            out.append((f"{name}{marker}", partial(app.choose_theme, name), help_text))  # type: ignore[attr-defined]
        return out

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
