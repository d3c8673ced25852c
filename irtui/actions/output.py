"""A command's output as irtui shows and keeps it: control characters made visible, and a
bounded digest for the timeline.

This module owns `OutputDigest`, `decode_output` and `OutputView`, the protocol of the live
view a running command (a local script, an exec in a pod) writes into: the app provides one
that opens a screen; without one the output is only digested. It opens nothing and imports
nothing from Textual.
"""

from __future__ import annotations

import hashlib
from collections import deque
from typing import Any, Protocol

from irtui.text import visible_lines

HEAD_BYTES = 1024
TAIL_BYTES = 1024

class OutputDigest:
    """What the timeline keeps of an output of any size: its first and last lines (at most
    `HEAD_BYTES + TAIL_BYTES`), its size, and the sha256 of all of it, so a copy kept
    elsewhere can be matched against the record."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self.size = 0
        self.lines = 0

    def feed(self, data: bytes) -> None:
        self._sha.update(data)
        self.size += len(data)
        self.lines += data.count(b"\n")
        room = HEAD_BYTES - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail.append(data)
            self._tail_size += len(data)
            while self._tail and self._tail_size - len(self._tail[0]) >= TAIL_BYTES:
                self._tail_size -= len(self._tail.popleft())

    def summary(self) -> dict[str, Any]:
        head = decode_output(bytes(self._head))
        tail_bytes = b"".join(self._tail)
        omitted = self.size - len(self._head) - len(tail_bytes)
        if len(tail_bytes) > TAIL_BYTES:
            omitted += len(tail_bytes) - TAIL_BYTES
            tail_bytes = tail_bytes[-TAIL_BYTES:]
        tail = decode_output(tail_bytes)
        if omitted > 0:
            # Cut at line boundaries so neither part starts or ends mid-line.
            head = head.rsplit("\n", 1)[0] + "\n" if "\n" in head else head
            tail = tail.split("\n", 1)[1] if "\n" in tail else tail
        return {"bytes": self.size, "lines": self.lines, "sha256": self._sha.hexdigest(),
                "head": head, "tail": tail, "omitted_bytes": max(0, omitted)}


def decode_output(data: bytes) -> str:
    """A command's bytes as text to show and keep: control characters made visible."""
    return visible_lines(data.decode("utf-8", "replace"))


class OutputView(Protocol):
    """Where a running command's output goes as it arrives, and how the responder cancels it.
    Called on the app's event loop."""

    def output(self, channel: int, data: bytes) -> None: ...

    def finished(self, exit_code: int | None, message: str) -> None: ...

    def cancelled(self) -> bool: ...


class NoView:
    """Output digested only (tests of the bare executor, a session without a screen)."""

    def output(self, channel: int, data: bytes) -> None:
        pass

    def finished(self, exit_code: int | None, message: str) -> None:
        pass

    def cancelled(self) -> bool:
        return False
