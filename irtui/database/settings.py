"""The `[database]` config section: which PostgreSQL, how often, and the thresholds.

```toml
[database]
dsn = "postgresql://postgres@postgres.emrtask-prod:5432/emrtask"   # no password here:
replica_dsn = ""                  # PGPASSWORD or ~/.pgpass supply it (libpq rules)
interval = 2                      # seconds between refreshes
statement_timeout_ms = 2000       # on every monitoring query
connect_timeout = 3               # the pg_isready question's timeout
long_running_minutes = 5          # the runbook's threshold
query_chars = 200                 # query text shown
backoff_base = 1                  # reconnect: capped, jittered exponential backoff
backoff_cap = 30
sizes_interval = 60               # database sizes are costlier: refreshed less often
```

Precedence for the DSN: `--db-dsn` > `$IRTUI_DB_DSN` > per-context > `[database] dsn`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from irtui.config import Config, Section

APPLICATION_NAME = "irtui"


@dataclass(frozen=True)
class DatabaseSettings:
    dsn: str = ""
    replica_dsn: str = ""
    interval: float = 2.0
    statement_timeout_ms: int = 2000
    connect_timeout: float = 3.0
    long_running_minutes: float = 5.0
    query_chars: int = 200
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    sizes_interval: float = 60.0
    max_rows: int = 500
    application_name: str = APPLICATION_NAME

    @property
    def long_running_seconds(self) -> float:
        return self.long_running_minutes * 60

    @property
    def query_timeout(self) -> float:
        """Client-side bound: the server's statement_timeout plus time for the reply."""
        return self.statement_timeout_ms / 1000 + 2.0

    @classmethod
    def from_config(cls, config: Config, *, flag_dsn: str | None = None, context: str | None = None) -> DatabaseSettings:
        settings = cls.from_section(config.section("database"))
        contexts = config.section("contexts")
        for name, table in contexts.data.items():
            if isinstance(table, dict):
                # Only the DSN is read per context; anything else there would be ignored.
                contexts.section(name).section("database").reject_unknown({"dsn"})
        dsn = config.setting("database", "dsn", str, settings.dsn, context=context, flag=flag_dsn, env="IRTUI_DB_DSN")
        return replace(settings, dsn=dsn)

    @classmethod
    def from_section(cls, sec: Section) -> DatabaseSettings:
        allowed = {"dsn", "replica_dsn", "interval", "statement_timeout_ms", "connect_timeout",
                   "long_running_minutes", "query_chars", "backoff_base", "backoff_cap", "sizes_interval", "max_rows"}
        sec.reject_unknown(allowed)
        base = cls()
        values: dict = {}
        for key in ("dsn", "replica_dsn"):
            value = sec.get(key, str, "")
            if value and not value.startswith(("postgresql://", "postgres://")):
                raise sec.error(key, "must be a postgresql:// URL")
            values[key] = value
        for key in ("interval", "connect_timeout", "long_running_minutes", "backoff_base", "backoff_cap", "sizes_interval"):
            values[key] = sec.get(key, float, getattr(base, key))
            if values[key] <= 0:
                raise sec.error(key, f"must be greater than 0, not {values[key]}")
        for key in ("statement_timeout_ms", "query_chars", "max_rows"):
            values[key] = sec.get(key, int, getattr(base, key))
            if values[key] < 1:
                raise sec.error(key, f"must be at least 1, not {values[key]}")
        if values["backoff_base"] > values["backoff_cap"]:
            raise sec.error("backoff_base", "must not be above backoff_cap")
        return cls(**values)
