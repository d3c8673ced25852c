"""Helpers shared by the metrics tests (a plain module: conftest modules cannot be imported)."""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Callable

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exposition(service: str, requests: float, errors: float, buckets: dict[float, float] | None = None) -> str:
    """Prometheus text for one service, shaped like the simulator's."""
    lines = [
        "# HELP http_requests_total Requests served.",
        "# TYPE http_requests_total counter",
        f'http_requests_total{{service="{service}",method="GET",code="200"}} {requests - errors}',
        f'http_requests_total{{service="{service}",method="GET",code="500"}} {errors}',
        "# HELP http_request_errors_total Requests that failed.",
        "# TYPE http_request_errors_total counter",
        f'http_request_errors_total{{service="{service}"}} {errors}',
    ]
    if buckets:
        lines += ["# HELP http_request_duration_seconds Latency.", "# TYPE http_request_duration_seconds histogram"]
        for le, count in sorted(buckets.items()):
            le_text = "+Inf" if le == float("inf") else repr(le)
            lines.append(f'http_request_duration_seconds_bucket{{service="{service}",le="{le_text}"}} {count}')
        total = buckets[float("inf")]
        lines.append(f'http_request_duration_seconds_count{{service="{service}"}} {total}')
        lines.append(f'http_request_duration_seconds_sum{{service="{service}"}} {total * 0.1}')
    return "\n".join(lines) + "\n"


@dataclass
class TextServer:
    """Serves `GET /metrics/{service}` from a function of (service, now)."""

    url: str
    server: ThreadingHTTPServer
    body: dict[str, Callable[[float], str]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Prometheus:
    url: str
    proc: subprocess.Popen

    def query(self, promql: str, at: float) -> dict[str, float]:
        r = httpx.get(f"{self.url}/api/v1/query", params={"query": promql, "time": f"{at:.3f}"}, timeout=10)
        r.raise_for_status()
        return {x["metric"].get("service", ""): float(x["value"][1]) for x in r.json()["data"]["result"]}

    def targets_up(self) -> int:
        r = httpx.get(f"{self.url}/api/v1/targets", timeout=10).json()
        return sum(1 for t in r["data"]["activeTargets"] if t["health"] == "up")




