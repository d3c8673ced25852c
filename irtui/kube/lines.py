"""Splitting a streamed HTTP body (watch events, container logs) into lines, bounded.

A stream controlled by someone else may never send a newline. Holding everything until one
arrives grew a watch to 945 MB, and re-splitting an ever longer buffer on every read kept a
core busy on a log. `LineSplitter` holds at most `limit` bytes of an unfinished line: past
that, it either cuts the line into pieces (logs: the text is still worth showing) or raises
`LineTooLong` at once (watches: one event per line, and a truncated event is no event).
Each byte is looked at once, so the cost follows what arrives, and nothing runs between
reads: a silent stream costs no CPU.
"""

from __future__ import annotations


class LineTooLong(Exception):
    """A line passed the splitter's limit (only raised when it does not cut)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a line longer than {limit:,} bytes")
        self.limit = limit


class LineSplitter:
    """`feed(chunk)` returns the lines completed by `chunk` (without their newlines);
    `end()` the unfinished last line, if any, once the stream has ended."""

    def __init__(self, limit: int, *, cut: bool) -> None:
        self.limit = limit
        self.cut = cut
        self._pending = bytearray()  # the unfinished line: never more than limit + 1 bytes

    def feed(self, chunk: bytes) -> list[bytes]:
        lines: list[bytes] = []
        view = memoryview(chunk)  # slices without copying
        start = 0
        while (newline := chunk.find(b"\n", start)) >= 0:
            self._take(view[start:newline], lines)
            lines.append(self._flush())
            start = newline + 1
        self._take(view[start:], lines)
        return lines

    def end(self) -> list[bytes]:
        rest = self._flush()
        return [rest] if rest else []

    def _take(self, part: memoryview, lines: list[bytes]) -> None:
        """Add `part` to the unfinished line, cutting (or refusing) what passes the limit."""
        pending = self._pending
        while len(pending) + len(part) > self.limit:
            if not self.cut:
                raise LineTooLong(self.limit)
            room = self.limit - len(pending) + 1  # one byte past the limit shows where a character starts
            pending += part[:room]
            part = part[room:]
            cut = _char_boundary(pending, self.limit)
            lines.append(bytes(pending[:cut]))
            del pending[:cut]
        pending += part

    def _flush(self) -> bytes:
        line = bytes(self._pending)
        self._pending.clear()
        return line


def _char_boundary(data: bytearray, at: int) -> int:
    """`at`, moved back by at most 3 bytes so as not to split a UTF-8 character."""
    for i in range(at, max(at - 4, 0), -1):
        if (data[i] & 0xC0) != 0x80:
            return i
    return at
