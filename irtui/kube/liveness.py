"""Whether the API server answers at all, told apart from whether it can be reached.

A hung API server (its process frozen, a wedged proxy or load balancer in front of it)
accepts connections and keeps them open, but sends nothing. No watch fails: TCP keepalives
are answered by the kernel, and the watches' read timeout is minutes long because a quiet
cluster sends nothing for minutes. Without a probe the screen would say "connected" over
data that stopped moving, and every check through the API server's proxy would time out as
if each service had failed.

This module owns `Liveness`: while every watch has been silent for a little while, it asks
the server for `/version` on a short timeout of its own. When nothing has been heard for
`NOT_ANSWERING_AFTER` seconds and the last probe timed out, it hands over
`Silence(since=<last time anything was heard>)`; on the first answer, `Silence(None)`. A
refused connection is not silence: the watches fail at once and report it themselves.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from irtui.kube.state import Silence

# How long without a byte from the API server before it is said not to answer. A healthy
# server answers /version in milliseconds even under load; a garbage-collection pause or a
# large list being encoded can hold it for a few seconds. Ten seconds is beyond those, and
# short enough that a responder is not shown "connected" over a frozen cluster for longer
# than one glance at the screen.
NOT_ANSWERING_AFTER = 10.0
# Each probe's own deadline (connect and read), well inside the one above so that a probe
# that has timed out can be followed by another before the deadline.
PROBE_TIMEOUT = 3.0
# How long the watches may be silent before a probe is sent, and between probes that were
# answered. A quiet cluster's watches carry nothing for minutes, so this is how often an
# idle screen asks (one tiny GET); two timed-out probes after it still end before the deadline.
QUIET = 5.0


class Liveness:
    """Probes the API server while the watches are silent; `run()` blocks until `stop()`.

    `heard()` returns the wall time of the last bytes any watch received; `probe()` sends
    one cheap GET and raises on failure; `timed_out(exc)` tells a probe that got no answer
    in time from one that was refused or reset.
    """

    def __init__(self, heard: Callable[[], float], probe: Callable[[float], Any],
                 timed_out: Callable[[BaseException], bool], emit: Callable[[Silence], None],
                 *, clock: Callable[[], float] = time.time) -> None:
        self.heard = heard
        self.probe = probe
        self.timed_out = timed_out
        self.emit = emit
        self.clock = clock
        self.silent_since: float | None = None
        self._answered = clock()
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        wait = QUIET
        while not self._stop.wait(wait):
            wait = self.step()

    def step(self) -> float:
        """One look (and maybe one probe); returns how long to wait before the next."""
        last = max(self.heard(), self._answered)
        quiet = self.clock() - last
        if quiet < QUIET:
            self._answering()
            return QUIET - quiet  # the first probe goes out as soon as the quiet is long enough
        try:
            self.probe(PROBE_TIMEOUT)
        except Exception as exc:
            if self._stop.is_set():
                return QUIET
            if not self.timed_out(exc):
                # Refused, reset, TLS: the server is unreachable, not hung, and the watches say so.
                self._answering()
                return QUIET
            if self.silent_since is None and self.clock() - last >= NOT_ANSWERING_AFTER:
                self.silent_since = last
                self.emit(Silence(last))
            return 0.0  # still silent: ask again at once, each probe bounded by its timeout
        self._answered = self.clock()
        self._answering()
        return QUIET

    def _answering(self) -> None:
        if self.silent_since is not None:
            self.silent_since = None
            self.emit(Silence(None))
