"""The `[actions]` config section: guardrail thresholds, what counts as production, where
forensics go, which services the health check visits, whether read-only steps may exec.

This module owns the schema of `[actions]` (and its per-context override
`[contexts."CTX".actions]`). Precedence is the config loader's: flag > environment >
per-context > global.

Read-only is deliberately not here: one setting decides it for the whole session (the
`Guard` that `irtui.ui.main.open_connection` builds from `--read-only`, $IRTUI_READ_ONLY,
`[contexts."CTX".cluster] read_only` and `[cluster] read_only`), and the actions read it from
`ActionEnv.guard`, the connection's own Guard. A second switch could disagree with the one
the clients enforce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from irtui.config import Config, ConfigError, data_dir

SECTION = "actions"
KEYS = frozenset({
    "bulk_confirm_over", "repeat_window_seconds", "prod_pattern", "log_max_lines",
    "forensics_dir", "helm_release", "env_presets", "health_services", "health_port",
    "health_path", "long_running_minutes", "conflict_retries", "allow_read_only_exec",
})

DEFAULT_ENV_PRESETS = ("EMR_FALLBACK_MODE=true", "LOG_LEVEL=debug")
DEFAULT_SERVICES = ("api-gateway", "task-service", "emr-service", "sync-service", "handover-service")


@dataclass
class ActionSettings:
    # More targets than this in one action -> the responder types the confirmation.
    bulk_confirm_over: int = 3
    # A destructive action repeated on the same target within this many seconds asks again.
    repeat_window_seconds: float = 300.0
    # Context or namespace matching this marks production (red banner).
    prod_pattern: str = r"(^|[-_.])prod(uction)?($|[-_.])"
    # Lines kept by the logs screen; older lines are dropped (and it says so).
    log_max_lines: int = 50_000
    forensics_dir: Path | None = None
    helm_release: str = "emrtask-prod"
    env_presets: tuple[str, ...] = DEFAULT_ENV_PRESETS
    # Services for health.check_all; empty = every Service in the namespace.
    health_services: tuple[str, ...] = DEFAULT_SERVICES
    health_port: int | None = None
    health_path: str = "/health"
    long_running_minutes: int = 5
    conflict_retries: int = 3
    # A read-only session may run the exec steps the registry declares read-only (health
    # curl, pg_isready ...). Off by default: an exec is a create on pods/exec, and what a
    # command does inside a container is the container's business, not the API server's.
    allow_read_only_exec: bool = False
    _prod: re.Pattern | None = field(default=None, repr=False)

    def is_production(self, *names: str | None) -> bool:
        if self._prod is None:
            self._prod = re.compile(self.prod_pattern, re.IGNORECASE)
        return any(name and self._prod.search(name) for name in names)

    def forensics_root(self) -> Path:
        return self.forensics_dir or (data_dir() / "forensics")

    @classmethod
    def load(cls, config: Config | None, context: str | None = None) -> ActionSettings:
        """Settings for one kubeconfig context; bad values raise `ConfigError` with file:line:key."""
        config = config or Config.empty()
        section = config.section(SECTION)
        _reject_read_only(section)
        contexts = config.section("contexts")
        for name, table in contexts.data.items():
            if isinstance(table, dict):
                per = contexts.section(name).section(SECTION)
                _reject_read_only(per)
                per.reject_unknown(KEYS)
        section.reject_unknown(KEYS)
        d = cls()

        def setting(key, kind, default):
            return config.setting(SECTION, key, kind, default, context=context)

        bulk = setting("bulk_confirm_over", int, d.bulk_confirm_over)
        if bulk < 1:
            raise section.error("bulk_confirm_over", "must be at least 1")
        window = setting("repeat_window_seconds", float, d.repeat_window_seconds)
        pattern = setting("prod_pattern", str, d.prod_pattern)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise section.error("prod_pattern", f"is not a valid regular expression: {exc}") from None
        forensics = setting("forensics_dir", str, "")
        presets = tuple(setting("env_presets", list, list(d.env_presets)))
        for preset in presets:
            if not isinstance(preset, str) or "=" not in preset:
                raise section.error("env_presets", f"each preset is NAME=VALUE, not {preset!r}")
        services = tuple(setting("health_services", list, list(d.health_services)))
        port = setting("health_port", int, 0)
        return cls(
            bulk_confirm_over=bulk,
            repeat_window_seconds=window,
            prod_pattern=pattern,
            log_max_lines=setting("log_max_lines", int, d.log_max_lines),
            forensics_dir=Path(forensics).expanduser() if forensics else None,
            helm_release=setting("helm_release", str, d.helm_release),
            env_presets=presets,
            health_services=services,
            health_port=port or None,
            health_path=setting("health_path", str, d.health_path),
            long_running_minutes=setting("long_running_minutes", int, d.long_running_minutes),
            conflict_retries=setting("conflict_retries", int, d.conflict_retries),
            allow_read_only_exec=setting("allow_read_only_exec", bool, d.allow_read_only_exec),
        )


def _reject_read_only(section) -> None:
    # An old config may still say `[actions] read_only`; ignoring it silently would leave a
    # terminal the team believes read-only able to change things.
    if "read_only" in section.data:
        raise section.error("read_only", 'is not an actions setting: put read_only in [cluster] '
                                         '(or [contexts."CTX".cluster]), which the whole session obeys')


__all__ = ["ActionSettings", "ConfigError"]
