"""The pod logs screen: current or previous container, follow, search, jump to errors.

This module owns the display: the app's table (`irtui.ui.widgets.virtual_table`) in its
append-only, follow-the-tail mode, which renders only the visible lines (so a 50,000-line
log scrolls like a 50-line one), a cap on the lines kept (oldest dropped, and
the header says how many), search with next/previous match, and error lines marked and
reachable with one key. The reading happens in a thread worker through
`irtui.actions.investigate.LogStream`; batches arrive as messages, so the UI never waits
on the network.
"""

from __future__ import annotations

import re
from typing import Hashable

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from irtui.actions.investigate import LogStream, is_error_line, pod_containers
from irtui.redact import redact_foreign
from irtui.text import visible
from irtui.ui.stylesheets import widget_css
from irtui.ui.theming import themed
from irtui.ui.widgets.virtual_table import LineIndex, VirtualTable

# Theme variables (irtui.ui.theming), resolved when a line is drawn.
_ERROR_STYLE = "bold $irtui-log-error"
_MATCH_STYLE = "$irtui-log-match-foreground on $irtui-log-match"
_CURRENT_STYLE = Style(reverse=True)
LINE_LIMIT = 10_000  # characters kept of one log line (a newline-free stream is one huge line)


class LogView(VirtualTable):
    """The log as the app's table in append-only, follow-the-tail mode: one line a row, keyed
    by its number since the log began (`LineIndex`), no header and no row cursor (a log is
    read by scrolling: the table's up/down/page keys scroll it). Lines are kept in a list
    (index O(1)); the oldest are trimmed in chunks past the cap."""

    DEFAULT_CLASSES = "-log"
    header_lines = 0
    row_cursor = False

    def __init__(self, max_lines: int = 50_000, **kwargs) -> None:
        super().__init__(**kwargs)
        # The table reads an index by len, key_at and position, which a LineIndex answers too.
        self.index: LineIndex = LineIndex()  # type: ignore[assignment]
        self.max_lines = max(100, int(max_lines))
        self.lines: list[str] = []
        self.errors: list[int] = []  # absolute numbers of error lines (absolute = dropped + index)
        self.pattern: re.Pattern | None = None
        self.current: int | None = None  # absolute line number highlighted by search/jump
        self.tail = True  # keep the bottom in view as lines arrive
        self._width = 0

    @property
    def dropped(self) -> int:
        """How many of the oldest lines were trimmed (the absolute number of `lines[0]`)."""
        return self.index.first

    # --- content -------------------------------------------------------------------------
    def clear(self) -> None:
        self.lines.clear()
        self.errors.clear()
        self.index.clear()
        self.current = None
        self._width = 0
        self._fit_virtual_size()
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def append(self, lines: list[str]) -> None:
        if not lines:
            return
        base = self.dropped + len(self.lines)
        for i, line in enumerate(lines):
            # A log is whatever the container wrote: escape sequences are shown, not obeyed,
            # and secrets and patient data are hidden before anything draws or searches it.
            if "\t" in line:
                line = line.expandtabs(8)
            line = lines[i] = redact_foreign(visible(line, LINE_LIMIT))
            if is_error_line(line):
                self.errors.append(base + i)
            if len(line) > self._width:
                self._width = min(len(line), 4000)
        self.lines.extend(lines)
        self.index.append(len(lines))
        excess = len(self.lines) - self.max_lines
        if excess > 0:
            # Trim in one slice: dropping line by line would make a burst quadratic.
            del self.lines[:excess]
            self.index.trim(excess)
            cut = 0
            while cut < len(self.errors) and self.errors[cut] < self.dropped:
                cut += 1
            del self.errors[:cut]
        self._fit_virtual_size()
        if self.tail:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def line(self, absolute: int) -> str | None:
        index = absolute - self.dropped
        return self.lines[index] if 0 <= index < len(self.lines) else None

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolling up (by key, wheel or jump) stops the tail; reaching the bottom resumes it.
        if new_value < old_value:
            self.tail = False
        elif new_value >= self.max_scroll_y:
            self.tail = True

    # --- navigation ----------------------------------------------------------------------
    def action_cursor_up(self) -> None:
        self.action_scroll_up()

    def action_cursor_down(self) -> None:
        self.action_scroll_down()

    def action_cursor_page_up(self) -> None:
        self.action_page_up()

    def action_cursor_page_down(self) -> None:
        self.action_page_down()

    def action_cursor_home(self) -> None:
        self.tail = False
        self.scroll_home(animate=False)

    def action_cursor_end(self) -> None:
        self.tail = True
        self.current = None
        self.scroll_end(animate=False)

    def top_line(self) -> int:
        return self.dropped + int(self.scroll_offset.y)

    def goto(self, absolute: int) -> None:
        """Highlight a line and scroll it to the middle of the view."""
        self.current = absolute
        index = absolute - self.dropped
        self.scroll_to(y=max(0, index - self.size.height // 2), animate=False, immediate=True)
        # After the scroll: landing on the last page must not resume the tail and lose the line.
        self.tail = False
        self.refresh()

    def _start(self, forward: bool) -> int:
        if self.current is not None:
            return self.current + (1 if forward else -1)
        return self.top_line() if forward else self.top_line() + max(0, self.size.height - 1)

    def next_error(self, forward: bool = True) -> int | None:
        start = self._start(forward)
        candidates = [n for n in self.errors if (n >= start if forward else n <= start)]
        if not candidates:
            return None
        found = candidates[0] if forward else candidates[-1]
        self.goto(found)
        return found

    def search(self, pattern: str, forward: bool = True, *, from_current: bool = True) -> int | None:
        """Find the next line matching `pattern` (a plain, case-insensitive substring unless
        it is a valid regex with special characters); wraps around once."""
        if pattern:
            try:
                self.pattern = re.compile(pattern, re.IGNORECASE)
            except re.error:
                self.pattern = re.compile(re.escape(pattern), re.IGNORECASE)
        if self.pattern is None or not self.lines:
            return None
        start = self._start(forward) if from_current else (self.dropped if forward else self.dropped + len(self.lines) - 1)
        n = len(self.lines)
        first = start - self.dropped
        for step in range(n):
            index = (first + step) % n if forward else (first - step) % n
            if self.pattern.search(self.lines[index]):
                self.goto(self.dropped + index)
                return self.dropped + index
        self.refresh()
        return None

    # --- rendering -----------------------------------------------------------------------
    def _virtual_width(self) -> int:
        return self._width

    def _row_content(self, key: Hashable) -> str:
        return self.lines[key - self.dropped]  # type: ignore[operator]

    def _strip(self, content: tuple, width: int) -> Strip:
        if content[0] != "row":
            return super()._strip(content, width)
        _, absolute, line, _cursor, _dimmed = content
        text = Text(line, no_wrap=True, end="")
        if is_error_line(line):
            text.stylize(themed(_ERROR_STYLE))
        if self.pattern is not None:
            for match in self.pattern.finditer(line):
                if match.end() > match.start():
                    text.stylize(themed(_MATCH_STYLE), match.start(), match.end())
        if absolute == self.current:
            text.stylize(_CURRENT_STYLE)
        return self._crop(Strip(list(text.render(self.app.console))), width, self.rich_style)


class LogsScreen(Screen):
    """Logs of one pod. `kube` is the session's `irtui.actions.kubeapi.Kube` (reads only)."""

    DEFAULT_CSS = widget_css(__file__, "logs.tcss")

    BINDINGS = [
        Binding("escape,q", "close", "Back", id="logs.close"),
        Binding("f", "toggle_follow", "Follow", id="logs.follow"),
        Binding("p", "toggle_previous", "Previous", id="logs.previous"),
        Binding("c", "next_container", "Container", id="logs.container"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("n", "search_next", "Next match", id="logs.search_next"),
        Binding("N", "search_prev", "Prev match", show=False, id="logs.search_prev"),
        Binding("e", "next_error", "Next error", id="logs.next_error"),
        Binding("E", "prev_error", "Prev error", show=False, id="logs.prev_error"),
        Binding("g,home", "top", "Top", show=False, id="logs.top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="logs.bottom"),
    ]

    class Lines(Message):
        def __init__(self, generation: int, lines: list[str]) -> None:
            super().__init__()
            self.generation = generation
            self.lines = lines

    class Ended(Message):
        def __init__(self, generation: int, error: str | None) -> None:
            super().__init__()
            self.generation = generation
            self.error = error

    def __init__(self, kube, namespace: str, pod: str, container: str | None = None, *,
                 previous: bool = False, follow: bool = False, max_lines: int = 50_000,
                 tail_lines: int | None = None) -> None:
        super().__init__()
        self.kube = kube
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.previous = previous
        self.follow = follow
        self.max_lines = max_lines
        self.tail_lines = tail_lines
        self.containers: list[str] = [container] if container else []
        self.restarts: dict[str, int] = {}
        self.generation = 0
        self.state = "loading"
        self.error: str | None = None
        self._stream: LogStream | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        yield Input(placeholder="search (regex or text), enter: find, escape: close", id="search")
        yield LogView(self.max_lines, id="log")
        yield Footer()

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.view.focus()
        self.load()

    def on_unmount(self) -> None:
        self._stop()

    # --- loading -------------------------------------------------------------------------
    def _stop(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        self.workers.cancel_group(self, "logs")

    def load(self) -> None:
        """(Re)start reading with the current container/previous/follow choice."""
        self._stop()
        self.generation += 1
        self.state = "loading"
        self.error = None
        self.view.clear()
        self.view.tail = True
        self._read(self.generation)
        self._status()

    @work(thread=True, exclusive=True, group="logs")
    def _read(self, generation: int) -> None:
        worker = get_current_worker()
        try:
            if not self.containers or not self.restarts:
                names, restarts, first = pod_containers(self.kube, self.namespace, self.pod)
                self.restarts = restarts
                if len(self.containers) < len(names):
                    self.containers = names
                if self.container is None:
                    # The first app container, not an init container that already finished.
                    self.container = first
            stream = LogStream(self.kube, self.namespace, self.pod, self.container, previous=self.previous,
                               follow=self.follow and not self.previous, tail_lines=self.tail_lines)
            self._stream = stream
            for batch in stream.lines():
                if worker.is_cancelled or generation != self.generation:
                    stream.close()
                    return
                self.post_message(self.Lines(generation, batch))
            self.post_message(self.Ended(generation, None))
        except Exception as exc:  # shown in the status line; the screen stays usable
            from irtui.actions.kubeapi import api_message

            if not worker.is_cancelled:
                self.post_message(self.Ended(generation, api_message(exc)))

    @on(Lines)
    def _lines(self, message: Lines) -> None:
        if message.generation == self.generation:
            self.state = "following" if self.follow and not self.previous else "reading"
            self.view.append(message.lines)
            self._status()

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        if message.generation == self.generation:
            self.state = "error" if message.error else ("stream ended" if self.follow and not self.previous else "complete")
            self.error = message.error
            self._status()

    def _status(self) -> None:
        view = self.view
        parts = [f"pod/{self.pod}", f"container {self.container or '?'}"]
        if len(self.containers) > 1:
            parts[-1] += f" ({self.containers.index(self.container) + 1 if self.container in self.containers else '?'}/{len(self.containers)})"
        parts.append("PREVIOUS instance" if self.previous else "current")
        parts.append("follow ON" if self.follow and not self.previous else "follow off")
        count = f"{len(view.lines):,} lines"
        if view.dropped:
            count += f" ({view.dropped:,} oldest dropped, cap {view.max_lines:,})"
        parts.append(count)
        parts.append(f"{len(view.errors)} error lines")
        if view.pattern is not None:
            parts.append(f"/{view.pattern.pattern}")
        parts.append(self.state if not self.error else f"error: {self.error}")
        self.query_one("#status", Static).update(Text(visible("  ·  ".join(parts), 1000)))

    # --- keys ----------------------------------------------------------------------------
    def action_close(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_class("visible"):
            search.remove_class("visible")
            self.view.focus()
            return
        self._stop()
        self.dismiss() if self.is_modal else self.app.pop_screen()

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.follow:
            self.previous = False
        self.load()

    def action_toggle_previous(self) -> None:
        self.previous = not self.previous
        if self.previous:
            self.follow = False
        self.load()

    def action_next_container(self) -> None:
        if len(self.containers) < 2:
            self.notify("this pod has one container")
            return
        index = self.containers.index(self.container) if self.container in self.containers else -1
        self.container = self.containers[(index + 1) % len(self.containers)]
        self.load()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("visible")
        search.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        found = self.view.search(event.value, forward=True, from_current=False)
        event.input.remove_class("visible")
        self.view.focus()
        if found is None:
            self.notify(f"not found: {event.value}", severity="warning")
        self._status()

    def action_search_next(self) -> None:
        if self.view.search("", forward=True) is None:
            self.notify("no (more) matches")

    def action_search_prev(self) -> None:
        if self.view.search("", forward=False) is None:
            self.notify("no (more) matches")

    def action_next_error(self) -> None:
        if self.view.next_error(True) is None:
            self.notify("no error line below")

    def action_prev_error(self) -> None:
        if self.view.next_error(False) is None:
            self.notify("no error line above")

    def action_top(self) -> None:
        self.view.action_cursor_home()

    def action_bottom(self) -> None:
        self.view.action_cursor_end()
