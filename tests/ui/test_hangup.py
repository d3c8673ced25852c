"""A hung-up terminal ends irtui, even when SIGHUP was ignored by whoever started it."""

import os
import pty
import signal
import sys
import time


def _spawn_in_pty(argv):
    pid, fd = pty.fork()
    if pid == 0:  # the child: ignore SIGHUP, as nohup or a careless job runner would
        os.environ["TERM"] = "xterm-256color"
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.execvp(argv[0], argv)
    return pid, fd


def _drain_until(fd, needle: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and needle not in seen:
        try:
            seen += os.read(fd, 65536)
        except OSError:
            break
    return seen


def test_hangup_ends_the_app(sim):
    pid, fd = _spawn_in_pty([sys.executable, "-m", "irtui", "--kubeconfig", sim.kubeconfig])
    try:
        screen = _drain_until(fd, b"task-service", 60)
        assert b"task-service" in screen, screen[-500:]
        os.close(fd)  # the terminal goes away
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("irtui kept running after its terminal hung up")
        assert os.WIFEXITED(status) or os.WIFSIGNALED(status)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
