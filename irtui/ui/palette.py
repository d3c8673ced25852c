"""Command-palette providers that offer a list of commands worked out when the palette opens.

`ListedCommands` owns the two halves every such provider needs: offering the whole list when
nothing is typed (`discover`) and the fuzzy matches when something is (`search`). A provider
says only what its commands are, as (title, callback, help) in the order to show them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ListedCommands(Provider):
    def commands(self) -> Iterable[tuple[str, Callable[[], object], str]]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for title, callback, help_text in self.commands():
            yield DiscoveryHit(title, callback, help=help_text or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text or None)
