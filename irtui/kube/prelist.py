"""A kind's first list, fetched and parsed by a forked helper process on the other core.

At 10,000 pods the first list is ~28 MB of JSON: parsing and projecting it costs ~0.5 s
of CPU under the GIL, in the same process that is importing and starting the terminal UI
at that moment. `irtui` forks a helper for the pods list right after connecting, before
any thread exists (forking a threaded process can copy a lock held by another thread).
The child lists in pages through the same guarded client (GETs only), projects each
page to rows and sends them over a pipe as plain tuples (a sixth of the cost of pickling
the row classes); the parent's list+watch loop takes those pages in place of its own
first list and watches on from the list's resourceVersion.

The helper only saves time; it decides nothing. An API error it met is raised in the
parent exactly as the parent's own list would have raised it; if it dies or the pipe
breaks, the loop lists by itself as usual.
"""

from __future__ import annotations

import fcntl
import gc
import os
import pickle
import signal
import struct
import threading
from dataclasses import fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Iterator

from irtui.kube.errors import ApiError
from irtui.kube.model import ROW_TYPES

if TYPE_CHECKING:
    from irtui.kube.sources import ListWatch

_HEADER = struct.Struct("<I")  # each message: its length, then the pickle
# A page of 1,000 pods is ~280 KB pickled. A pipe that holds a whole page lets the parent
# take it in one read: every read releases and re-takes the GIL, and while the UI thread
# is busy each re-take waits up to the switch interval (5 ms).
PIPE_SIZE = 1 << 20


class PrelistLost(Exception):
    """The helper ended without finishing the list; the caller lists by itself."""


class ForkedList:
    """The parent's handle on one helper: `pages()` yields (rows, list metadata) as sent."""

    def __init__(self, pid: int, fd: int, kind: str) -> None:
        self.pid = pid
        self.kind = kind
        self._fd = fd
        self._done = False  # the helper sent its last message
        self._closed = False
        self._lock = threading.Lock()  # a pid is only signalled before it is reaped

    @classmethod
    def start(cls, loop: ListWatch) -> ForkedList | None:
        """Fork a helper running `loop`'s pages (a `ListWatch` not started yet); None if
        this platform cannot fork."""
        if not hasattr(os, "fork"):
            return None
        read_fd, write_fd = os.pipe()
        try:
            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        except (AttributeError, OSError):  # not Linux, or over the system's pipe-max-size
            pass
        pid = os.fork()
        if pid == 0:  # the helper
            code = 0
            try:
                os.close(read_fd)
                _serve(loop, write_fd)
            except BaseException:
                code = 1
            finally:
                os._exit(code)  # no atexit handlers, no flushing the parent's buffers twice
        os.close(write_fd)
        return cls(pid, read_fd, loop.spec.kind)

    def pages(self) -> Iterator[tuple[list, dict[str, Any]]]:
        """Each page as the helper sent it; raises the helper's `ApiError`, or `PrelistLost`."""
        row_type = ROW_TYPES[self.kind]
        try:
            while True:
                try:
                    message = pickle.loads(self._read(_HEADER.unpack(self._read(_HEADER.size))[0]))
                except (EOFError, OSError, pickle.UnpicklingError) as exc:
                    raise PrelistLost(f"list helper ended early ({type(exc).__name__})") from None
                tag = message[0]
                if tag == "page":
                    _, rows, meta = message
                    yield [row_type(*values) for values in rows], meta
                    if not meta.get("continue"):
                        self._done = True
                        return
                elif tag == "error":
                    _, state, reason, status = message
                    self._done = True
                    raise ApiError(state, reason, status)
                else:
                    raise PrelistLost(f"list helper sent {tag!r}")
        finally:
            self.close()

    def _read(self, size: int) -> bytes:
        chunks = []
        while size:
            chunk = os.read(self._fd, size)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Stop the helper (if still running) and reap it; once."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._kill()
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        try:
            os.close(self._fd)
        except OSError:
            pass

    def abandon(self) -> None:
        """From another thread (the loop is stopping): end the helper, so a read waiting on
        the pipe sees end-of-file."""
        with self._lock:
            if not self._closed:
                self._kill()

    def _kill(self) -> None:
        if not self._done:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _serve(loop: ListWatch, write_fd: int) -> None:
    # The terminal's Ctrl-C and hang-up end the helper too, without the parent's handlers.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # the parent went away: just end
    gc.disable()  # short-lived, and nothing it builds is cyclic garbage
    out = os.fdopen(write_fd, "wb", buffering=0)

    def send(message: tuple) -> None:
        payload = pickle.dumps(message, protocol=5)
        out.write(_HEADER.pack(len(payload)) + payload)

    as_tuple = attrgetter(*(f.name for f in fields(ROW_TYPES[loop.spec.kind])))
    try:
        for rows, meta in loop.pages():
            send(("page", [as_tuple(row) for row in rows], meta))
    except ApiError as err:
        send(("error", err.state, err.reason, err.status))
    out.close()
