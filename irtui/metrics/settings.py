"""The `[metrics]` config section: which source, the PromQL of each panel, thresholds.

Read through `Section` getters so a bad value is reported with file, line and key.

```toml
[metrics]
source = "prometheus"            # or "scrape" (direct /metrics, rates computed here)
prometheus_url = "http://prometheus.monitoring:9090"
interval = 10                    # seconds between refreshes
history_minutes = 30
timeout = 5
services = ["api-gateway", "task-service", "emr-service", "sync-service", "handover-service"]

[metrics.promql]                 # one query per panel, each `sum by (service)`
request_rate = "sum by (service) (rate(http_requests_total[1m]))"

[metrics.thresholds]
error_pct_warn = 1.0
error_pct_crit = 5.0
p95_ms_warn = 500
p95_ms_crit = 1000

[metrics.scrape]                 # source = "scrape"
url = ""                         # e.g. "http://host:9090/metrics/{service}"; empty: service proxy
namespace = "emrtask-prod"
port = 9090
path = "/metrics"
```
"""

from __future__ import annotations

from dataclasses import dataclass, field

from irtui.config import Config, Section
from irtui.platform import METRICS_PATH, METRICS_PORT, NAMESPACE, SERVICES

DEFAULT_PROMQL = {
    "request_rate": "sum by (service) (rate(http_requests_total[1m]))",
    "error_rate": (
        "sum by (service)(rate(http_request_errors_total[1m]))"
        " / sum by (service)(rate(http_requests_total[1m]))"
    ),
    "p95": "histogram_quantile(0.95, sum by (service, le)(rate(http_request_duration_seconds_bucket[5m])))",
}


@dataclass(frozen=True)
class Thresholds:
    error_pct_warn: float = 1.0
    error_pct_crit: float = 5.0
    p95_ms_warn: float = 500.0
    p95_ms_crit: float = 1000.0

    def level(self, series: str, value: float | None) -> str:
        """"ok", "warn", "crit" or "none" for a value of a series."""
        if value is None:
            return "none"
        if series == "error_rate":
            pct = value * 100
            return "crit" if pct >= self.error_pct_crit else "warn" if pct >= self.error_pct_warn else "ok"
        if series == "p95":
            ms = value * 1000
            return "crit" if ms >= self.p95_ms_crit else "warn" if ms >= self.p95_ms_warn else "ok"
        return "ok"


@dataclass(frozen=True)
class ScrapeSettings:
    url: str = ""  # template with {service}; empty means the API server's service proxy
    namespace: str = NAMESPACE
    port: int = METRICS_PORT
    path: str = METRICS_PATH
    rate_window: float = 60.0  # the [1m] of the default PromQL
    quantile_window: float = 300.0  # the [5m] of the p95 query
    requests_metric: str = "http_requests_total"
    errors_metric: str = "http_request_errors_total"
    latency_metric: str = "http_request_duration_seconds"


@dataclass(frozen=True)
class MetricsSettings:
    source: str = "prometheus"
    prometheus_url: str = "http://127.0.0.1:9090"
    interval: float = 10.0
    history_minutes: float = 30.0
    timeout: float = 5.0
    services: tuple[str, ...] = SERVICES
    promql: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PROMQL))
    thresholds: Thresholds = Thresholds()
    scrape: ScrapeSettings = ScrapeSettings()

    @property
    def history_seconds(self) -> float:
        return self.history_minutes * 60

    @classmethod
    def from_config(cls, config: Config) -> MetricsSettings:
        return cls.from_section(config.section("metrics"))

    @classmethod
    def from_section(cls, sec: Section) -> MetricsSettings:
        sec.reject_unknown({"source", "prometheus_url", "interval", "history_minutes", "timeout",
                            "services", "promql", "thresholds", "scrape"})
        source = sec.get("source", str, "prometheus")
        if source not in {"prometheus", "scrape"}:
            raise sec.error("source", f"must be \"prometheus\" or \"scrape\", not {source!r}")
        services = sec.get("services", list, list(SERVICES))
        if not services or not all(isinstance(s, str) and s for s in services):
            raise sec.error("services", "must be a non-empty list of service names")
        interval = _positive(sec, "interval", 10.0)
        history = _positive(sec, "history_minutes", 30.0)
        timeout = _positive(sec, "timeout", 5.0)

        pq = sec.section("promql")
        pq.reject_unknown(set(DEFAULT_PROMQL))
        promql = {key: pq.get(key, str, default) for key, default in DEFAULT_PROMQL.items()}
        for key, query in promql.items():
            if not query.strip():
                raise pq.error(key, "must not be empty")

        th = sec.section("thresholds")
        th.reject_unknown({"error_pct_warn", "error_pct_crit", "p95_ms_warn", "p95_ms_crit"})
        base = Thresholds()
        thresholds = Thresholds(**{k: th.get(k, float, getattr(base, k)) for k in
                                   ("error_pct_warn", "error_pct_crit", "p95_ms_warn", "p95_ms_crit")})
        if thresholds.error_pct_warn > thresholds.error_pct_crit:
            raise th.error("error_pct_warn", "must not be above error_pct_crit")
        if thresholds.p95_ms_warn > thresholds.p95_ms_crit:
            raise th.error("p95_ms_warn", "must not be above p95_ms_crit")

        sc = sec.section("scrape")
        sc.reject_unknown({"url", "namespace", "port", "path", "rate_window", "quantile_window",
                           "requests_metric", "errors_metric", "latency_metric"})
        sbase = ScrapeSettings()
        url = sc.get("url", str, "")
        if url and "{service}" not in url:
            raise sc.error("url", "must contain {service}, e.g. \"http://host:9090/metrics/{service}\"")
        port = sc.get("port", int, sbase.port)
        if not 0 < port < 65536:
            raise sc.error("port", f"must be a TCP port, not {port}")
        path = sc.get("path", str, sbase.path)
        if not path.startswith("/"):
            raise sc.error("path", "must start with /")
        scrape = ScrapeSettings(
            url=url,
            namespace=sc.get("namespace", str, sbase.namespace),
            port=port,
            path=path,
            rate_window=_positive(sc, "rate_window", sbase.rate_window),
            quantile_window=_positive(sc, "quantile_window", sbase.quantile_window),
            requests_metric=sc.get("requests_metric", str, sbase.requests_metric),
            errors_metric=sc.get("errors_metric", str, sbase.errors_metric),
            latency_metric=sc.get("latency_metric", str, sbase.latency_metric),
        )
        return cls(
            source=source,
            prometheus_url=sec.get("prometheus_url", str, cls.prometheus_url).rstrip("/"),
            interval=interval,
            history_minutes=history,
            timeout=timeout,
            services=tuple(services),
            promql=promql,
            thresholds=thresholds,
            scrape=scrape,
        )


def _positive(sec: Section, key: str, default: float) -> float:
    value = sec.get(key, float, default)
    if value <= 0:
        raise sec.error(key, f"must be greater than 0, not {value}")
    return value
