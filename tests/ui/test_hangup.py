"""Leaving: a hung-up or dropped terminal ends irtui, at any moment and under load; SIGTERM
ends it through Textual's exit, which restores the terminal. (How fast: benchmarks/hangup.py.)"""

import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time

import pytest

# Long enough that only a process that does not end fails, on a loaded machine as well; how
# fast it ends (well under 2 s when idle) is measured by benchmarks/hangup.py, not asserted.
ENDS_WITHIN = 10.0


def _spawn_in_pty(argv, env=None):
    pid, fd = pty.fork()
    if pid == 0:  # the child: ignore SIGHUP, as nohup or a careless job runner would
        os.environ.update(env or {}, TERM="xterm-256color")
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.execvp(argv[0], argv)
    return pid, fd


def _spawn_on_foreign_pty(argv, env=None):
    """On a pty that is not the process's controlling terminal (its own session, as under
    `setsid`): closing the pty sends no SIGHUP, the terminal only reads end-of-file."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                            env={**os.environ, **(env or {}), "TERM": "xterm-256color"})
    os.close(slave)
    return proc.pid, master


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    """Environment that keeps each run's config, incidents and journal in the test's directory."""
    return {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}


def _irtui(sim):
    return [sys.executable, "-m", "irtui", "--kubeconfig", sim.kubeconfig]


def _drain_until(fd, needle: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and needle not in seen:
        try:
            seen += os.read(fd, 65536)
        except OSError:
            break
    return seen


def _read_to_eof(fd, timeout: float) -> bytes:
    """Everything the process writes until it closes the terminal (EIO once it has exited)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return seen


def _read_for(fd, seconds: float) -> None:
    """Play a terminal for `seconds`: read what the app draws, so it never blocks on writing."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                return


def _exited_within(pid: int, seconds: float, fd: int | None = None) -> int | None:
    """The wait status if `pid` ended within `seconds`; None (and it is killed) if not.
    With `fd`, the terminal is read meanwhile, so the app never waits on writing to it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if fd is None:
            time.sleep(0.02)
        else:
            _read_for(fd, 0.02)
    _kill(pid)
    return None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def test_hangup_ends_the_app(sim, home):
    pid, fd = _spawn_in_pty(_irtui(sim), home)
    try:
        screen = _drain_until(fd, b"task-service", 60)
        assert b"task-service" in screen, screen[-500:]
        os.close(fd)  # the terminal goes away
        status = _exited_within(pid, 30)
        assert status is not None, "irtui kept running after its terminal hung up"
        assert os.WIFEXITED(status) or os.WIFSIGNALED(status)
    finally:
        _kill(pid)


def test_sigterm_restores_the_terminal(sim, home):
    pid, fd = _spawn_in_pty(_irtui(sim), home)
    try:
        screen = _drain_until(fd, b"task-service", 60)
        assert b"task-service" in screen, screen[-500:]
        assert b"\x1b[?1049h" in screen and b"\x1b[?1000h" in screen  # what must be undone
        os.kill(pid, signal.SIGTERM)
        after = _read_to_eof(fd, 30)
        status = _exited_within(pid, 10)
        assert status is not None, "irtui kept running after SIGTERM"
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + signal.SIGTERM
        assert b"\x1b[?1049l" in after, after[-300:]  # alternate screen left
        assert b"\x1b[?1000l" in after and b"\x1b[?1006l" in after, after[-300:]  # mouse off
    finally:
        os.close(fd)
        _kill(pid)


def test_demo_sigterm_stops_its_simulator(home):
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "irtui", "demo"], stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True, env={**os.environ, **home, "TERM": "xterm-256color"})
    os.close(slave)
    try:
        screen = _drain_until(master, b"task-service", 60)
        assert b"task-service" in screen, screen[-500:]
        children = _children_of(proc.pid)
        assert children, "the demo runs its simulator as a child"
        proc.send_signal(signal.SIGTERM)
        _read_to_eof(master, 30)
        assert proc.wait(timeout=10) == 128 + signal.SIGTERM
        for child in children:
            assert not os.path.exists(f"/proc/{child}") or _is_zombie(child), f"simulator {child} outlived the demo"
    finally:
        os.close(master)
        proc.kill()
        proc.wait()


def _children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture
def silent_cluster(tmp_path):
    """A kubeconfig whose API server accepts connections and never answers a request."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # connections complete in the backlog; nothing is ever read
    port = listener.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: silent\n"
        f"clusters: [{{name: silent, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: u, user: {}}]\n"
        "contexts: [{name: silent, context: {cluster: silent, user: u, namespace: emrtask-prod}}]\n")
    yield str(kubeconfig)
    listener.close()


def test_quit_does_not_wait_for_a_request_that_never_returns(silent_cluster, home):
    pid, fd = _spawn_in_pty([sys.executable, "-m", "irtui", "--kubeconfig", silent_cluster], home)
    try:
        screen = _drain_until(fd, b"Namespace", 60)
        assert b"Namespace" in screen, screen[-500:]
        os.write(fd, b"n")  # the namespace list: a thread worker now waits on the silent server
        _read_for(fd, 0.5)
        os.write(fd, b"q")
        status = _exited_within(pid, ENDS_WITHIN, fd)
        assert status is not None, f"irtui was still running {ENDS_WITHIN:.0f} s after q"
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        os.close(fd)
        _kill(pid)


# Moments (seconds after start) at which the terminal is dropped: during imports and
# connecting, while the first lists arrive and the UI mounts, and in a busy run.
DROP_AT = (0.05, 0.2, 0.4, 0.7, 1.0, 1.4, 2.0, 3.0)


@pytest.fixture
def cpu_hog():
    """A process spinning on one core beside irtui, for the length of the test."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield hog
    hog.kill()
    hog.wait()


def test_dropped_terminal_ends_the_process_at_any_moment(sim_factory, cpu_hog, home):
    sim = sim_factory("--scenario", "crashloop-task-service", "--speed", "20", "--pods", "300")
    left_alive = []
    for i, at in enumerate(DROP_AT):
        # Half the runs get SIGHUP with the hangup (a controlling terminal), half only see
        # the terminal read end-of-file (no controlling terminal, as under setsid).
        spawn = _spawn_in_pty if i % 2 == 0 else _spawn_on_foreign_pty
        pid, fd = spawn(_irtui(sim), home)
        try:
            _read_for(fd, at)
        finally:
            os.close(fd)
        if _exited_within(pid, ENDS_WITHIN) is None:
            left_alive.append((at, spawn.__name__))
    assert not left_alive, f"still running {ENDS_WITHIN:.0f} s after the terminal was dropped: {left_alive}"
