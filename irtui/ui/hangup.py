"""Leaving: when the terminal goes away or irtui is told to stop, it ends, and soon.

An SSH session that drops hangs up the terminal; a service manager or `kill` sends SIGTERM.
Either way irtui leaves through Textual's normal exit, which restores the terminal (alternate
screen off, mouse reporting off) and lets the demo stop its simulator; and the process ends
within `EXIT_GRACE` seconds of that, whatever its threads are doing.

This module owns that policy:
- SIGHUP and SIGTERM cancel the app's main task, as asyncio's runner does for Ctrl-C, so
  every `finally` on the way out runs (before the loop runs they raise `HangupExit`);
- a terminal that hangs up without a signal (SIGHUP ignored by nohup or a job runner, or
  irtui started without that terminal as its controlling tty) is noticed by polling it: a
  hung-up tty reads end-of-file forever, which makes Textual's input thread spin;
- from the first of these, and from the end of the app's loop by any path, a daemon
  deadline ends the process with `os._exit` if it is still there after `EXIT_GRACE`: a
  thread stuck on a socket, a blocked write to a dead terminal or a join inside
  `threading._shutdown` cannot keep an orphan spinning on a bastion host;
- the loop's default executor (Textual's thread workers, `asyncio.to_thread`) runs each
  call on a daemon thread, so neither `asyncio.run`'s executor shutdown nor the
  interpreter's exit waits for a call that will never return.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Coroutine

# Seconds from the start of leaving to a forced exit. Textual's exit and the demo's
# simulator stop take a fraction of that; more would leave a dropped SSH session's process
# on the host for longer than the two seconds a responder would accept.
EXIT_GRACE = 1.5

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name))


class HangupExit(SystemExit):
    """Raised in the main thread when the terminal hangs up (or SIGTERM) before the loop runs."""


class _Leaving:
    """The process-wide state of leaving: the running main task, children, the deadline."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # re-entered by a signal handler on the main thread
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task | None = None
        self.signal: int | None = None  # what ended the app, if not the responder
        self.deadline: threading.Thread | None = None
        self.children: list[subprocess.Popen] = []


_state = _Leaving()


def end_with_app(proc: subprocess.Popen) -> None:
    """`proc` (the demo's simulator) is killed if irtui's exit has to be forced."""
    _state.children.append(proc)


def _arm_deadline(code: int) -> None:
    """From now on, the process ends within EXIT_GRACE seconds, exit code `code` if forced."""
    with _state.lock:
        if _state.deadline is not None:
            return
        _state.deadline = threading.Thread(target=_force_exit, args=(code,), daemon=True,
                                           name="irtui-exit-deadline")
    _state.deadline.start()


def _force_exit(code: int) -> None:
    threading.Event().wait(EXIT_GRACE)
    for proc in _state.children:
        try:
            proc.kill()
        except OSError:
            pass
    os._exit(code)


def _leave(signum: int) -> bool:
    """Start leaving because of `signum`; False when no app loop is running to cancel."""
    _arm_deadline(128 + signum)
    loop, task = _state.loop, _state.task
    if loop is None or task is None or task.done():
        return False
    if _state.signal is None:
        _state.signal = signum
        loop.call_soon_threadsafe(task.cancel)
    return True


def _on_signal(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
    if not _leave(signum):
        raise HangupExit(128 + signum)


def exit_on_hangup() -> None:
    """Make SIGHUP and SIGTERM end the application, whatever disposition irtui inherited."""
    for signum in _SIGNALS:
        signal.signal(signum, _on_signal)


def _watch_terminal(fd: int) -> None:
    """Block until the terminal on `fd` hangs up (POLLHUP or POLLERR), then leave.

    Asking for no events reports only those two, so a terminal in use never wakes this thread.
    """
    poller = select.poll()
    poller.register(fd, 0)
    while True:
        try:
            events = poller.poll()
        except InterruptedError:
            continue
        except OSError:
            return
        if any(mask & (select.POLLHUP | select.POLLERR) for _fd, mask in events):
            _leave(signal.SIGHUP)
            return
        if any(mask & select.POLLNVAL for _fd, mask in events):
            return  # closed under us: whoever closed it is leaving already


class DaemonExecutor(ThreadPoolExecutor):
    """Each call on a daemon thread of its own, for the event loop's default executor.

    `ThreadPoolExecutor` threads are joined at interpreter exit and by `asyncio.run`; a log
    follow or a request to a silent server would hold the process there. Calls through the
    default executor are a handful a minute (describe, logs, actions, access reviews), so a
    thread each costs nothing worth pooling. (A `ThreadPoolExecutor` by type only: asyncio
    accepts nothing else as the default executor; none of its pool is used.)
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()

        def call() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to whoever awaits the future
                future.set_exception(exc)
            else:
                future.set_result(result)

        threading.Thread(target=call, daemon=True, name="irtui-worker").start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to wait for: the calls' threads are daemons."""


def run(main: Coroutine[Any, Any, int]) -> int:
    """`asyncio.run(main)` for `irtui` and `irtui demo`, with leaving bounded; the exit code.

    Once `main` has finished (by any path) the process has EXIT_GRACE seconds to end by
    itself. Only for a process that ends when this returns: it arms a forced exit.
    """
    exit_on_hangup()
    loop = asyncio.new_event_loop()
    loop.set_default_executor(DaemonExecutor())
    asyncio.set_event_loop(loop)
    task = loop.create_task(main)
    _state.loop, _state.task = loop, task
    stdin = sys.__stdin__
    if stdin is not None and not stdin.closed:
        threading.Thread(target=_watch_terminal, args=(stdin.fileno(),), daemon=True,
                         name="irtui-terminal-watch").start()
    code = 1
    try:
        code = loop.run_until_complete(task)
    except asyncio.CancelledError:
        if _state.signal is None:
            raise
    finally:
        _state.task = None
        if _state.signal is not None:
            code = 128 + _state.signal
        _arm_deadline(code)
        try:
            _cancel_remaining(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
            _state.loop = None
    return code


def _cancel_remaining(loop: asyncio.AbstractEventLoop) -> None:
    """As `asyncio.run` does on its way out: cancel what is left and let it finish."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
