"""How long irtui takes to end once its terminal is gone: the SSH session dropped, the tmux
pane killed, the laptop lid closed.

Starts a crash-looping simulator, then, for each moment in --at (seconds after start: during
imports, while connecting, while the UI mounts, in a busy run), runs irtui on a pty, closes
the pty at that moment and times until the process has exited. Half the runs have the pty as
their controlling terminal (SIGHUP arrives), half not (only end-of-file, as under setsid).
The tests only check that it ends; this says how fast.

    python benchmarks/hangup.py [--at 0.05 0.2 0.4 0.7 1.0 1.4 2.0 3.0] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_bench import start_sim  # noqa: E402

from machine import describe  # noqa: E402


def _spawn(argv: list[str], env: dict[str, str], controlling: bool) -> tuple[int, int]:
    if controlling:
        pid, fd = pty.fork()
        if pid == 0:
            os.environ.update(env, TERM="xterm-256color")
            signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup: only the EOF ends it
            os.execvp(argv[0], argv)
        return pid, fd
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                            env={**os.environ, **env, "TERM": "xterm-256color"})
    os.close(slave)
    return proc.pid, master


def _play(fd: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if select.select([fd], [], [], left)[0]:
            try:
                os.read(fd, 65536)
            except OSError:
                return


def _time_to_exit(pid: int, limit: float = 30.0) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return time.monotonic() - start
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", type=float, nargs="+", default=[0.05, 0.2, 0.4, 0.7, 1.0, 1.4, 2.0, 3.0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        sim, _url, kubeconfig = start_sim(Path(tmp), 300, 4)
        env = {"XDG_DATA_HOME": f"{tmp}/data", "XDG_CONFIG_HOME": f"{tmp}/config"}
        argv = [sys.executable, "-m", "irtui", "--kubeconfig", kubeconfig]
        try:
            times: list[float] = []
            for n in range(args.rounds):
                for i, at in enumerate(args.at):
                    controlling = (i + n) % 2 == 0
                    pid, fd = _spawn(argv, env, controlling)
                    _play(fd, at)
                    os.close(fd)
                    took = _time_to_exit(pid)
                    shown = "did not end" if took is None else f"{took * 1000:.0f} ms"
                    print(f"  dropped at {at:4.2f} s ({'SIGHUP' if controlling else 'EOF only'}): {shown}")
                    if took is not None:
                        times.append(took)
            print(f"exit after the terminal dropped: median {statistics.median(times) * 1000:.0f} ms, "
                  f"max {max(times) * 1000:.0f} ms over {len(times)} runs")
        finally:
            sim.terminate()
            sim.wait()


if __name__ == "__main__":
    main()
