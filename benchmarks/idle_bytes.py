"""Bytes written to the terminal per second: when nothing changes, and during a busy incident.

Starts the simulator, then `irtui --read-only` (or `--wall`) in a real pseudo-terminal,
waits for the first frame and a settling period, and counts what the app writes over a
window:

  idle   nothing changes in the cluster (the simulator's clock runs, nothing is injected);
  busy   a fault scenario is running and the simulator churns Warning events
         (--churn events/s): pods change status, events arrive, the timeline grows.

Target (issue 14): idle under 200 B/s. A terminal over SSH pays for every byte: this is
what a clock ticking every second, a spinner or a sparkline redrawn unchanged would cost.

    python benchmarks/idle_bytes.py [--window 20] [--wall] [--scrape] [--cols 160 --rows 45] [--churn 5]

--scrape reads each service's /metrics through the simulator (as `irtui demo` does), so the
metrics pane has numbers and sparklines that move with every poll; without it the metrics
pane says Prometheus is unreachable and only that line can change.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cluster_bench import PtyApp, start_sim  # noqa: E402

from machine import describe  # noqa: E402

FRAME = rb"Pods \xc2\xb7"


def rate(app: PtyApp, window: float) -> tuple[float, bytes]:
    """Bytes per second written over `window` seconds, and what was written."""
    start = app.size()
    time.sleep(window)
    end = app.size()
    with app.lock:
        written = bytes(app.buffer[start:end])
    return (end - start) / window, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=20.0, help="seconds counted for each figure")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds after the first frame before counting")
    parser.add_argument("--wall", action="store_true", help="measure the wall layout")
    parser.add_argument("--cols", type=int, default=160)
    parser.add_argument("--rows", type=int, default=45)
    parser.add_argument("--churn", type=float, default=5.0, help="Warning events per second while busy")
    parser.add_argument("--scenario", default="crashloop-task-service")
    parser.add_argument("--scrape", action="store_true", help="metrics from the services' /metrics, as the demo")
    parser.add_argument("--dump", metavar="FILE", help="write the idle window's bytes here, to see what redraws")
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory(prefix="irtui-idle-") as tmp:
        work = Path(tmp)
        sim, url, kubeconfig = start_sim(work, 0, 0)
        os.environ.update({"XDG_CONFIG_HOME": str(work / "config"), "XDG_DATA_HOME": str(work / "data"),
                           "XDG_STATE_HOME": str(work / "state")})
        if args.scrape:
            (work / "config" / "irtui").mkdir(parents=True)
            (work / "config" / "irtui" / "config.toml").write_text('[metrics]\nsource = "scrape"\n')
        argv = [sys.executable, "-m", "irtui", "--read-only", "--kubeconfig", kubeconfig,
                "--store", str(work / "incidents.sqlite"), *(["--wall"] if args.wall else [])]
        app = PtyApp(argv, cols=args.cols, rows=args.rows)
        try:
            app.wait_for(FRAME, timeout=60)
            time.sleep(args.settle)
            idle, written = rate(app, args.window)
            if args.dump:
                Path(args.dump).write_bytes(written)
            with httpx.Client(base_url=url, verify=False, timeout=10) as http:
                http.post(f"/sim/scenarios/{args.scenario}").raise_for_status()
                http.post("/sim/churn", json={"events_per_second": args.churn}).raise_for_status()
            time.sleep(2)
            busy, _ = rate(app, args.window)
        finally:
            try:
                os.killpg(app.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            app.proc.wait(timeout=10)
            app._stop = True
            sim.terminate()
            sim.wait()
    layout = ("wall" if args.wall else "war room") + (", scraped metrics" if args.scrape else "")
    print(f"{layout} {args.cols}x{args.rows}: idle {idle:.0f} B/s, busy ({args.scenario}, "
          f"{args.churn:g} events/s) {busy:.0f} B/s, over {args.window:g} s each")


if __name__ == "__main__":
    main()
