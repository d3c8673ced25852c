"""The Prometheus HTTP API as a metrics source: one instant query per panel
(`/api/v1/query`) each refresh, and a range query (`/api/v1/query_range`) on first contact
to fill the history charts.

Every query names its evaluation `time`, so the numbers on screen can be reproduced exactly
by anyone asking Prometheus the same question. The client is a guarded httpx client and
only ever sends GETs.
"""

from __future__ import annotations

import time
from typing import Callable

from irtui.metrics.model import SERIES, MetricsSnapshot, ServicePoint, clean
from irtui.metrics.settings import MetricsSettings
from irtui.safety import Guard, LazyHttpClient


class PrometheusError(Exception):
    """Prometheus answered, but not with a usable result (bad query, wrong result type)."""


class PrometheusSource:
    """Request rate, error ratio and p95 per service from a Prometheus server."""

    kind = "prometheus"

    def __init__(self, settings: MetricsSettings, guard: Guard | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.url = settings.prometheus_url
        self.clock = clock
        self._http = LazyHttpClient(guard or Guard(), base_url=self.url, timeout=settings.timeout)
        self._backfilled = False
        self._unreachable_since: float | None = None

    @property
    def label(self) -> str:
        return f"Prometheus {self.url}"

    async def query(self, promql: str, at: float) -> dict[str, float | None]:
        """An instant query: {service label: value} at `at`."""
        data = await self._get("/api/v1/query", {"query": promql, "time": _fmt_time(at)})
        if data.get("resultType") != "vector":
            raise PrometheusError(f"expected a vector from {promql!r}, got {data.get('resultType')}")
        return {r["metric"].get("service", ""): clean(float(r["value"][1])) for r in data["result"]}

    async def query_range(self, promql: str, start: float, end: float, step: float) -> dict[str, list[tuple[float, float]]]:
        data = await self._get("/api/v1/query_range", {
            "query": promql, "start": _fmt_time(start), "end": _fmt_time(end), "step": f"{step:g}",
        })
        if data.get("resultType") != "matrix":
            raise PrometheusError(f"expected a matrix from {promql!r}, got {data.get('resultType')}")
        return {r["metric"].get("service", ""): [(float(t), float(v)) for t, v in r["values"]]
                for r in data["result"]}

    async def fetch(self) -> MetricsSnapshot:
        at = self.clock()
        try:
            values = {series: await self.query(self.settings.promql[series], at) for series in SERIES}
            backfill = None
            if not self._backfilled:
                backfill = await self._backfill(at)
                self._backfilled = True
        except PrometheusError as exc:
            return MetricsSnapshot(self.label, at, error=str(exc))
        except Exception as exc:  # connection refused, timeout, HTTP 5xx: Prometheus unreachable
            if self._unreachable_since is None:
                self._unreachable_since = at
            return MetricsSnapshot(self.label, at, error=f"Prometheus unreachable: {_reason(exc)}",
                                   unreachable_since=self._unreachable_since)
        self._unreachable_since = None
        names = list(dict.fromkeys([*self.settings.services, *(s for v in values.values() for s in v if s)]))
        services = {name: ServicePoint(**{series: values[series].get(name) for series in SERIES}) for name in names}
        return MetricsSnapshot(self.label, at, services, backfill=backfill)

    async def _backfill(self, end: float) -> dict[str, dict[str, list[tuple[float, float]]]]:
        start = end - self.settings.history_seconds
        # About 180 points per chart: finer than any terminal can show, cheap to fetch.
        step = max(self.settings.interval, self.settings.history_seconds / 180)
        out: dict[str, dict[str, list[tuple[float, float]]]] = {}
        for series in SERIES:
            for service, samples in (await self.query_range(self.settings.promql[series], start, end, step)).items():
                if service:
                    out.setdefault(service, {})[series] = samples
        return out

    async def _get(self, path: str, params: dict) -> dict:
        response = await self._http.get(path, params=params)
        try:
            body = response.json()
        except ValueError:
            response.raise_for_status()
            raise PrometheusError(f"{path}: not JSON (HTTP {response.status_code})") from None
        if body.get("status") != "success":
            if response.status_code >= 500 and body.get("errorType") not in {"bad_data", "execution"}:
                response.raise_for_status()
            raise PrometheusError(f"{body.get('errorType', 'error')}: {body.get('error', '?')}")
        return body["data"]

    async def aclose(self) -> None:
        await self._http.aclose()


def _fmt_time(t: float) -> str:
    return f"{t:.3f}"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
