"""Leaving when the terminal goes away.

An SSH session that drops hangs up the terminal. If SIGHUP was ignored by whatever
started irtui (nohup, some job runners), the input thread then reads EOF forever and the
process spins with no one to see it. irtui is nothing without its terminal, so a hangup
always ends it, through the normal exit path so that the demo's simulator is stopped too.
"""

from __future__ import annotations

import signal


class HangupExit(SystemExit):
    """Raised in the main thread when the terminal hangs up."""


def _on_hangup(signum, frame):  # noqa: ARG001 - signal handler signature
    raise HangupExit(128 + signal.SIGHUP)


def exit_on_hangup() -> None:
    """Make SIGHUP end the application, whatever disposition irtui inherited."""
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, _on_hangup)
