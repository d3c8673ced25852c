"""How fast the simulator's API server is at scale: full lists and watch throughput.

    python benchmarks/sim_bench.py [--pods 10000] [--nodes 500] [--churn 5000] [--seconds 5]

Starts `irtui sim --pods N --nodes M` in a subprocess and measures, over real HTTP:
- a full pod list as JSON (what the official client reads) and as a server-side Table, both
  in one piece and paged 500 at a time as kubectl asks;
- `kubectl get pods -A` end to end, when kubectl is installed;
- watch throughput: events per second a watcher receives while the world churns pods, and
  how fast a watch replays retained history.
Figures are printed; nothing is asserted. Run it by hand; quote the numbers with the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import start_sim  # noqa: E402  (the same start-up the tests use)

from machine import describe  # noqa: E402

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def timed(fn, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times) * 1000:7.1f} ms  min {min(times) * 1000:7.1f} ms  (n={len(times)})"


def token(kubeconfig: str) -> str:
    for line in Path(kubeconfig).read_text().splitlines():
        if line.strip().startswith("token: irtui-sim-sre"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("no sre token in the kubeconfig")


def watch_count(http: httpx.Client, path: str, params: dict, stop: threading.Event, out: dict) -> None:
    """Count watch events until stopped; records when the first and last arrived."""
    count, first, last = 0, None, None
    with http.stream("GET", path, params={**params, "watch": "true"}, timeout=None) as r:
        out["ready"].set()
        for line in r.iter_lines():
            if not line:
                continue
            now = time.perf_counter()
            if first is None:
                first = now
            last = now
            count += 1
            if out.get("parse"):
                json.loads(line)
            if count >= out.get("want", float("inf")) or stop.is_set():
                break
    out.update(count=count, first=first, last=last)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--churn", type=float, default=5000, help="pod status flips per second during the watch test")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the live watch measurement")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="irtui-sim-bench-"))
    print(describe())
    t0 = time.perf_counter()
    sim = start_sim(workdir, "--pods", str(args.pods), "--nodes", str(args.nodes), timeout=300)
    print(f"start-up with --pods {args.pods} --nodes {args.nodes}: {time.perf_counter() - t0:.2f} s (to the ready line)")
    try:
        http = httpx.Client(base_url=sim.url, headers={"Authorization": f"Bearer {token(sim.kubeconfig)}"},
                            timeout=120)
        n = len(http.get("/api/v1/pods").json()["items"])
        print(f"pods in the cluster: {n}")

        times, body = timed(lambda: http.get("/api/v1/pods").content, args.runs)
        print(f"full pod list, JSON      ({len(body) / 1e6:5.1f} MB): {summary(times)}")
        times, _ = timed(lambda: json.loads(http.get("/api/v1/pods").content), args.runs)
        print(f"  ... plus json.loads in the client:  {summary(times)}")
        times, body = timed(lambda: http.get("/api/v1/pods", headers={"Accept": TABLE}).content, args.runs)
        print(f"full pod list, Table     ({len(body) / 1e6:5.1f} MB): {summary(times)}")

        def paged_table() -> int:
            rows, token_ = 0, None
            while True:
                params = {"limit": 500, **({"continue": token_} if token_ else {})}
                page = http.get("/api/v1/pods", params=params, headers={"Accept": TABLE}).json()
                rows += len(page["rows"])
                token_ = page["metadata"].get("continue")
                if not token_:
                    return rows

        times, rows = timed(paged_table, args.runs)
        print(f"pod Table paged by 500 as kubectl asks ({rows} rows): {summary(times)}")
        times, _ = timed(lambda: http.get("/api/v1/namespaces/emrtask-prod/pods", headers={"Accept": TABLE}).content,
                         args.runs)
        print(f"one namespace's pods, Table (emrtask-prod):     {summary(times)}")

        kubectl = shutil.which("kubectl")
        if kubectl:
            times, _ = timed(lambda: subprocess.run([kubectl, "--kubeconfig", sim.kubeconfig, "get", "pods", "-A"],
                                                    capture_output=True, check=True), 3)
            print(f"kubectl get pods -A, end to end:              {summary(times)}")

        # Live watch while the world flips pod statuses.
        rv = http.get("/api/v1/pods", params={"limit": 1}).json()["metadata"]["resourceVersion"]
        stop, out = threading.Event(), {"ready": threading.Event()}
        watcher = threading.Thread(target=watch_count, args=(http, "/api/v1/pods", {"resourceVersion": rv}, stop, out))
        watcher.start()
        out["ready"].wait(30)
        rv0 = int(sim.control("GET", "/sim/health").json()["resourceVersion"])
        sim.control("POST", "/sim/churn", json={"events_per_second": args.churn})
        time.sleep(args.seconds)
        sim.control("POST", "/sim/churn", json={"events_per_second": 0})
        rv1 = int(sim.control("GET", "/sim/health").json()["resourceVersion"])
        time.sleep(1.0)  # let the stream drain
        stop.set()
        # Wake the watcher's read with one more change so it sees the stop flag.
        http.post("/api/v1/namespaces/emrtask-prod/configmaps", json={"metadata": {"generateName": "bench-"}})
        sim.control("POST", "/sim/churn", json={"events_per_second": 10})
        watcher.join(30)
        sim.control("POST", "/sim/churn", json={"events_per_second": 0})
        produced = rv1 - rv0
        span = (out["last"] - out["first"]) if out.get("first") else float("nan")
        print(f"live watch during churn at {args.churn:.0f}/s for {args.seconds:.0f} s: {produced} changes made "
              f"({produced / args.seconds:.0f}/s), {out['count']} events received "
              f"({out['count'] / span:.0f} events/s over the stream)")

        # Replay: a watch that resumes from the start of that burst streams retained history.
        for parse in (False, True):
            # Only pod changes reach a pod watch; the live watcher counted exactly those.
            replay = {"ready": threading.Event(), "want": out["count"], "parse": parse}
            t0 = time.perf_counter()
            watch_count(http, "/api/v1/pods", {"resourceVersion": rv, "timeoutSeconds": "60"},
                        threading.Event(), replay)
            elapsed = time.perf_counter() - t0
            label = "with json.loads per event" if parse else "lines only"
            print(f"watch replay of {replay['count']} retained events ({label}): {elapsed * 1000:.0f} ms "
                  f"= {replay['count'] / elapsed:.0f} events/s")
    finally:
        sim.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
