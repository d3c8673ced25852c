"""Start to first frame: `irtui` launched in a real pseudo-terminal until its first frame
is on the terminal.

The first frame is the alternate screen switched on (ESC [?1049h) followed by the pods
pane's title ("Pods ·"), i.e. the war room drawn, not a splash. Measured from just before
the process is spawned to the arrival of those bytes, several runs, median reported.

    python benchmarks/first_frame.py [--runs 7] [--target app|demo|wall] [--cols 160 --rows 45]

  app   `python -m irtui --read-only --kubeconfig K` against a simulator started once
        beforehand (the simulator's own start is not the app's);
  wall  the same with --wall;
  demo  `python -m irtui demo --read-only`, which starts its own simulator first.

irtui's bytecode is compiled first, as pip does at install (`compile_as_installed`): with
PYTHONDONTWRITEBYTECODE set, a checkout would otherwise compile every module at every launch.

Also printed: the CPU time the app process had used when its first frame arrived (user +
system, from /proc; the forked pre-list helper's is not counted). On a shared, loaded
machine wall-clock times mostly measure the queue for a core; the CPU time does not.

Target (issue 14): under 0.8 s median for `app`. What to import lazily: run
`python -X importtime -m irtui --help` and see the imports of irtui.ui.main.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cluster_bench import PtyApp, compile_as_installed, start_sim  # noqa: E402

from machine import describe  # noqa: E402

ALT_SCREEN = rb"\x1b\[\?1049h"
FRAME = rb"Pods \xc2\xb7"  # "Pods ·" in UTF-8: the pods pane's title


def one_run(argv: list[str], env: dict[str, str], cols: int, rows: int) -> tuple[float, float, float]:
    """(seconds to the alternate screen, seconds to the first frame, CPU seconds used by
    then) of one launch."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        app = PtyApp(argv, cols=cols, rows=rows)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        alt_at, alt = app.wait_for(ALT_SCREEN, timeout=60)
        frame_at, _ = app.wait_for(FRAME, start=alt.end(), timeout=60)
        return alt_at - app.started, frame_at - app.started, app.cpu_seconds()
    finally:
        try:
            os.killpg(app.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            app.proc.wait(timeout=10)
        except Exception:
            os.killpg(app.proc.pid, signal.SIGKILL)
            app.proc.wait()
        app._stop = True
        app.reader.join(timeout=2)
        os.close(app.master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--target", choices=("app", "wall", "demo"), default="app")
    parser.add_argument("--cols", type=int, default=160)
    parser.add_argument("--rows", type=int, default=45)
    args = parser.parse_args()
    compile_as_installed()
    print(describe())
    with tempfile.TemporaryDirectory(prefix="irtui-first-frame-") as tmp:
        work = Path(tmp)
        env = {"XDG_CONFIG_HOME": str(work / "config"), "XDG_DATA_HOME": str(work / "data"),
               "XDG_STATE_HOME": str(work / "state"), "TERM": "xterm-256color"}
        sim = None
        if args.target == "demo":
            argv = [sys.executable, "-m", "irtui", "demo", "--read-only"]
        else:
            sim, _url, kubeconfig = start_sim(work, 0, 0)
            argv = [sys.executable, "-m", "irtui", "--read-only", "--kubeconfig", kubeconfig,
                    "--store", str(work / "incidents.sqlite")]
            if args.target == "wall":
                argv.insert(3, "--wall")
        try:
            one_run(argv, env, args.cols, args.rows)  # warm the page cache
            alts, frames, cpus = [], [], []
            for n in range(args.runs):
                alt, frame, cpu = one_run(argv, env, args.cols, args.rows)
                alts.append(alt)
                frames.append(frame)
                cpus.append(cpu)
                print(f"run {n + 1}: alternate screen {alt:.3f} s, first frame {frame:.3f} s, CPU {cpu:.2f} s")
                time.sleep(0.3)
        finally:
            if sim is not None:
                sim.terminate()
                sim.wait()
    print(f"{args.target}: first frame median {statistics.median(frames):.3f} s "
          f"(min {min(frames):.3f}, max {max(frames):.3f}, {args.runs} runs; "
          f"alternate screen median {statistics.median(alts):.3f} s; CPU median {statistics.median(cpus):.2f} s) "
          f"in {args.cols}x{args.rows}")


if __name__ == "__main__":
    main()
