"""The `[detect]` config section: when a detection rule fires, and how the terminal is told.

The defaults follow the runbook's key metrics and the metrics pane's critical thresholds:
an error rate of 5 % and a p95 of 1 s are where the pane turns red.

```toml
[detect]
error_pct = 5.0              # a service's error rate at or above this fires
p95_ms = 1000                # a service's p95 latency at or above this fires
crashloop_restarts = 3       # restarts that make a pod in Error/CrashLoopBackOff a crash loop
warning_burst = 10           # Warning events within `warning_window` seconds fire
warning_window = 60
primary_database = "StatefulSet/postgres"   # the workload whose pods are the primary
# Warning event reasons that are security signals (audit trail, runtime security): one fires
security_reasons = ["ExecIntoPod", "OutboundConnection", "SecretAccessed", "ClusterRoleBindingCreated"]
notify_terminal = true       # bell and desktop notification (OSC 9/777); false on a wall screen
```
"""

from __future__ import annotations

from dataclasses import dataclass

from irtui.config import Config, Section


@dataclass(frozen=True)
class DetectSettings:
    error_pct: float = 5.0
    p95_ms: float = 1000.0
    crashloop_restarts: int = 3
    warning_burst: int = 10
    warning_window: float = 60.0
    primary_database: str = "StatefulSet/postgres"
    security_reasons: tuple[str, ...] = ("ExecIntoPod", "OutboundConnection", "SecretAccessed",
                                         "ClusterRoleBindingCreated")
    notify_terminal: bool = True

    @classmethod
    def from_config(cls, config: Config) -> DetectSettings:
        return cls.from_section(config.section("detect"))

    @classmethod
    def from_section(cls, sec: Section) -> DetectSettings:
        sec.reject_unknown({"error_pct", "p95_ms", "crashloop_restarts", "warning_burst", "warning_window",
                            "primary_database", "security_reasons", "notify_terminal"})
        base = cls()
        values: dict = {}
        for key in ("error_pct", "p95_ms", "warning_window"):
            values[key] = sec.get(key, float, getattr(base, key))
            if values[key] <= 0:
                raise sec.error(key, f"must be greater than 0, not {values[key]}")
        for key in ("crashloop_restarts", "warning_burst"):
            values[key] = sec.get(key, int, getattr(base, key))
            if values[key] < 1:
                raise sec.error(key, f"must be at least 1, not {values[key]}")
        primary = sec.get("primary_database", str, base.primary_database)
        if primary.count("/") != 1 or not all(primary.split("/")):
            raise sec.error("primary_database", f"must be Kind/name, e.g. StatefulSet/postgres, not {primary!r}")
        values["primary_database"] = primary
        reasons = sec.get("security_reasons", list, list(base.security_reasons))
        if not all(isinstance(r, str) and r for r in reasons):
            raise sec.error("security_reasons", "must be a list of event reasons, e.g. [\"SecretAccessed\"]")
        values["security_reasons"] = tuple(reasons)
        values["notify_terminal"] = sec.get("notify_terminal", bool, base.notify_terminal)
        return cls(**values)
