"""Cluster panes at scale: launch time, change latency under churn, idle cost, memory.

Starts `irtui sim --pods N --nodes M` in its own process, then measures, with kubectl's
figures beside ours in the same run:

  launch    `irtui` started in a pseudo-terminal until the pods pane title shows every pod,
            vs `kubectl get pods` (same namespace, and -A) to exit;
  latency   a pod status change (PATCH of the pod's status on the API server) until its new
            STATUS text is written to the terminal, while the simulator churns
            --churn events/s; vs `kubectl get pod NAME -w` printing the same change;
  idle      CPU time and bytes written to the terminal per second when nothing changes
            (measured from the app's pty, in a 120x40 terminal);
  memory    resident set size of the app with everything loaded, vs kubectl's peak.

Targets (issue 3): launch <= 1.5 s median and <= 2x kubectl; latency p95 <= 150 ms;
idle < 1% CPU and < 200 B/s; RSS < 250 MB.

    python benchmarks/cluster_bench.py [--pods 10000] [--nodes 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

import httpx

from irtui.sim.ready import parse_ready

from machine import describe

TICKS = os.sysconf("SC_CLK_TCK")


def compile_as_installed() -> None:
    """Compile irtui's bytecode, as pip does at install. A checkout run with
    PYTHONDONTWRITEBYTECODE set (as on this workplace's machines) would otherwise compile
    every module at every launch, ~0.3 s of CPU that no installed irtui spends."""
    import irtui

    compileall.compile_dir(str(Path(irtui.__file__).parent), quiet=1)


def start_sim(workdir: Path, pods: int, nodes: int) -> tuple[subprocess.Popen, str, str]:
    kubeconfig = workdir / "kubeconfig"
    proc = subprocess.Popen(
        [sys.executable, "-m", "irtui", "sim", "--port", "0", "--kubeconfig-out", str(kubeconfig),
         "--pods", str(pods), "--nodes", str(nodes)],
        stdout=subprocess.PIPE, stderr=open(workdir / "sim.stderr", "wb"), text=True,
    )
    fields = parse_ready(proc.stdout.readline())
    if fields is None:
        raise SystemExit(f"simulator did not start: {(workdir / 'sim.stderr').read_text()[-1500:]}")
    return proc, fields["url"], fields["kubeconfig"]


def run_timed(argv: list[str]) -> tuple[float, int, str]:
    """Wall time, peak RSS (KiB) and stdout of a command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, out.decode(errors="replace")


class PtyApp:
    """`irtui` in a pseudo-terminal; every byte it writes is timestamped and counted."""

    def __init__(self, argv: list[str], cols: int = 120, rows: int = 40) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self.buffer = bytearray()
        self.chunks: list[tuple[float, int]] = []  # (time, offset after chunk)
        self.lock = threading.Lock()
        self._stop = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            now = time.perf_counter()
            with self.lock:
                self.buffer += data
                self.chunks.append((now, len(self.buffer)))

    def size(self) -> int:
        with self.lock:
            return len(self.buffer)

    def wait_for(self, pattern: bytes, start: int = 0, timeout: float = 60.0) -> tuple[float, re.Match]:
        """Time (perf_counter) at which the bytes matching `pattern` had arrived."""
        regex = re.compile(pattern)
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                match = regex.search(self.buffer, start)
                if match:
                    end = match.end()
                    when = next(t for t, offset in self.chunks if offset >= end)
                    return when, match
            time.sleep(0.002)
        tail = bytes(self.buffer[-3000:]).decode(errors="replace")
        raise TimeoutError(f"{pattern!r} not seen within {timeout}s; last output: {tail!r}")

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def quit(self) -> None:
        try:
            self.send("q")
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._stop = True
        self.reader.join(timeout=2)
        os.close(self.master)


def app_argv(kubeconfig: str, namespace: str) -> list[str]:
    return [sys.executable, "-m", "irtui", "--kubeconfig", kubeconfig, "-n", namespace]


def populated(app: PtyApp, total: int, timeout: float = 60.0) -> float:
    """Seconds from start until the pods pane's title counts every pod."""
    pattern = rb"Pods \xc2\xb7 [^ ]+ \xc2\xb7 " + str(total).encode() + rb" total"
    when, _ = app.wait_for(pattern, timeout=timeout)
    return when - app.started


def first_rows(app: PtyApp) -> float:
    """Seconds from start until the pods pane first showed some pods (read after `populated`)."""
    when, _ = app.wait_for(rb"Pods \xc2\xb7 [^ ]+ \xc2\xb7 [1-9][0-9]* total", timeout=1)
    return when - app.started


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle measurement")
    parser.add_argument("--churn", type=float, default=100.0, help="simulator events per second")
    parser.add_argument("--samples", type=int, default=40, help="latency samples")
    args = parser.parse_args()
    kubectl = shutil.which("kubectl")
    if not kubectl:
        raise SystemExit("kubectl is needed for the reference figures")
    compile_as_installed()
    print(describe())
    with tempfile.TemporaryDirectory(prefix="irtui-bench-") as tmp:
        t0 = time.perf_counter()
        sim, url, kubeconfig = start_sim(Path(tmp), args.pods, args.nodes)
        print(f"simulator: {args.pods} extra pods, {args.nodes} extra nodes, ready in {time.perf_counter() - t0:.1f}s ({url})")
        try:
            return bench(args, kubectl, url, kubeconfig)
        finally:
            sim.terminate()
            sim.wait(timeout=10)


def bench(args, kubectl: str, url: str, kubeconfig: str) -> int:
    kc = [kubectl, "--kubeconfig", kubeconfig]
    _, _, listing = run_timed([*kc, "get", "pods", "-A", "--no-headers"])
    per_ns: dict[str, int] = {}
    for line in listing.splitlines():
        ns = line.split(None, 1)[0]
        per_ns[ns] = per_ns.get(ns, 0) + 1
    namespace, total = max(per_ns.items(), key=lambda kv: kv[1])
    print(f"pods: {sum(per_ns.values())} in {len(per_ns)} namespaces; the app shows {namespace} ({total} pods)")

    # -- launch ------------------------------------------------------------------------
    k_ns, k_all, k_one, k_rss = [], [], [], 0
    for _ in range(args.runs):
        elapsed, rss, _ = run_timed([*kc, "get", "pods", "-n", namespace])
        k_ns.append(elapsed)
        elapsed, rss_all, _ = run_timed([*kc, "get", "pods", "-A"])
        k_all.append(elapsed)
        # kubectl pages by 500 and its client throttles itself to 5 requests/s after a
        # burst of 10: most of its time above is waiting. One request shows the rest.
        elapsed, rss_one, _ = run_timed([*kc, "get", "pods", "-A", "--chunk-size=0"])
        k_one.append(elapsed)
        k_rss = max(k_rss, rss, rss_all, rss_one)
    ours, firsts = [], []
    for _ in range(args.runs):
        app = PtyApp(app_argv(kubeconfig, namespace))
        try:
            ours.append(populated(app, total))
            firsts.append(first_rows(app))
        finally:
            app.quit()
    m_ours, m_ns, m_all = statistics.median(ours), statistics.median(k_ns), statistics.median(k_all)
    print("\nlaunch to a populated pods pane (median of %d)" % args.runs)
    print(f"  irtui, all {total} pods     {m_ours:6.2f} s   runs: {', '.join(f'{x:.2f}' for x in ours)}")
    print(f"  irtui, first page on screen {statistics.median(firsts):5.2f} s")
    print(f"  kubectl get pods -n {namespace:<8} {m_ns:6.2f} s")
    print(f"  kubectl get pods -A        {m_all:6.2f} s   (paged by 500, client-side throttled)")
    print(f"  kubectl ... --chunk-size=0 {statistics.median(k_one):6.2f} s   (one request)")
    print(f"  ratio irtui / kubectl -A   {m_ours / m_all:6.2f}   (target <= 1.5 s and <= 2.0x)")

    # -- idle, memory, then latency under churn, in one app -----------------------------
    app = PtyApp(app_argv(kubeconfig, namespace))
    try:
        populated(app, total)
        time.sleep(5)  # first metrics poll and any settling
        b0, c0, w0 = app.size(), app.cpu_seconds(), time.perf_counter()
        time.sleep(args.idle)
        b1, c1, w1 = app.size(), app.cpu_seconds(), time.perf_counter()
        rss = app.rss_mb()
        idle_cpu = (c1 - c0) / (w1 - w0) * 100
        idle_bytes = (b1 - b0) / (w1 - w0)
        print(f"\nidle for {w1 - w0:.0f} s with {total} pods on screen (120x40)")
        print(f"  CPU                        {idle_cpu:6.2f} %     (target < 1%)")
        print(f"  written to the terminal    {idle_bytes:6.0f} B/s   (target < 200 B/s)")
        print("\nmemory")
        print(f"  irtui RSS                  {rss:6.0f} MB    (target < 250 MB)")
        print(f"  kubectl peak RSS           {k_rss / 1024:6.0f} MB")

        latency(args, app, kubectl, kubeconfig, url, namespace)
    finally:
        app.quit()
    return 0


def _target_pod(url: str, kubeconfig: str, kc: list[str], namespace: str) -> str:
    names = subprocess.run([*kc, "get", "pods", "-n", namespace, "-o", "name"], capture_output=True, text=True).stdout.split()
    # A filler pod, not one a scenario or the churn is likely to be touching right now.
    return names[len(names) // 2].split("/", 1)[1]


def latency(args, app: PtyApp, kubectl: str, kubeconfig: str, url: str, namespace: str) -> None:
    kc = [kubectl, "--kubeconfig", kubeconfig]
    pod = _target_pod(url, kubeconfig, kc, namespace)
    token = _token(kubeconfig)
    http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    http.post("/sim/churn", json={"events_per_second": args.churn}).raise_for_status()
    watcher = subprocess.Popen([*kc, "get", "pod", pod, "-n", namespace, "-w", "--no-headers"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    k_lines: list[tuple[float, bytes]] = []

    def read_kubectl() -> None:
        for line in iter(watcher.stdout.readline, b""):
            k_lines.append((time.perf_counter(), line))

    threading.Thread(target=read_kubectl, daemon=True).start()
    # Filter the pane down to the pod, so its row is on screen wherever it sorts.
    app.send("/")
    time.sleep(0.3)
    app.send(pod)
    app.send("\r")
    time.sleep(1.5)
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/status"
    ours, theirs = [], []
    try:
        current = http.get(f"/api/v1/namespaces/{namespace}/pods/{pod}").json()
        statuses = current["status"].get("containerStatuses") or []
        for i in range(args.samples):
            reason = f"Bench{i:03d}Wait"
            changed = [dict(cs, ready=False, state={"waiting": {"reason": reason, "message": "benchmark"}}) for cs in statuses]
            start_at = app.size()
            t0 = time.perf_counter()
            response = http.patch(path, content=json.dumps({"status": {"containerStatuses": changed}}),
                                  headers={"Content-Type": "application/merge-patch+json"})
            response.raise_for_status()
            when, _ = app.wait_for(reason.encode(), start=start_at, timeout=10)
            ours.append((when - t0) * 1000)
            deadline = time.perf_counter() + 5
            while time.perf_counter() < deadline:
                hit = next((t for t, line in k_lines if reason.encode() in line), None)
                if hit:
                    theirs.append((hit - t0) * 1000)
                    break
                time.sleep(0.002)
            time.sleep(0.2)
    finally:
        http.post("/sim/churn", json={"events_per_second": 0})
        watcher.terminate()
        http.close()
    print(f"\npod status change -> screen, while the simulator churns {args.churn:.0f} events/s ({len(ours)} samples)")
    print(f"  irtui                      p50 {pct(ours, 50):6.1f} ms   p95 {pct(ours, 95):6.1f} ms   (target p95 <= 150 ms)")
    if theirs:
        print(f"  kubectl get pod -w         p50 {pct(theirs, 50):6.1f} ms   p95 {pct(theirs, 95):6.1f} ms")


def _token(kubeconfig: str) -> str:
    text = Path(kubeconfig).read_text()
    match = re.search(r"current-context:\s*(\S+)", text)
    current = match.group(1) if match else "sim-sre"
    user = re.search(rf"- name: {re.escape(current)}\n  context:\n(?:    .*\n)*?    user: (\S+)", text)
    name = user.group(1) if user else ""
    token = re.search(rf"- name: {re.escape(name)}\n  user:\n    token: (\S+)", text)
    return token.group(1) if token else ""


if __name__ == "__main__":
    sys.exit(main())
