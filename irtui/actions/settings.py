"""The `[actions]` config section: guardrail thresholds, what counts as production, where
forensics go, which services the health check visits, whether read-only steps may exec,
where Vault is, the team's own steps (`[[actions.custom]]`); and `[scripts]`, the paths of
the local scripts steps run.

This module owns the schema of `[actions]` (and its per-context override
`[contexts."CTX".actions]`) and of `[scripts]`. Precedence is the config loader's: flag > environment >
per-context > global.

Read-only is deliberately not here: one setting decides it for the whole session (the
`Guard` that `irtui.ui.main.open_connection` builds from `--read-only`, $IRTUI_READ_ONLY,
`[contexts."CTX".cluster] read_only` and `[cluster] read_only`), and the actions read it from
`ActionEnv.guard`, the connection's own Guard. A second switch could disagree with the one
the clients enforce.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irtui.config import Config, ConfigError, Section, data_dir
from irtui.platform import ENV_PRESETS, HEALTH_PATH, HELM_RELEASE, SERVICES

SECTION = "actions"
KEYS = frozenset({
    "bulk_confirm_over", "repeat_window_seconds", "prod_pattern", "log_max_lines",
    "forensics_dir", "helm_release", "env_presets", "health_services", "health_port",
    "health_path", "long_running_minutes", "conflict_retries", "allow_read_only_exec",
    "script_grace_seconds", "vault_addr", "vault_token_env", "custom",
})
SCRIPTS = "scripts"


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
    helm_release: str = HELM_RELEASE
    env_presets: tuple[str, ...] = ENV_PRESETS
    # Services for health.check_all; empty = every Service in the namespace.
    health_services: tuple[str, ...] = SERVICES
    health_port: int | None = None
    health_path: str = HEALTH_PATH
    long_running_minutes: int = 5
    conflict_retries: int = 3
    # A read-only session may run the exec steps the registry declares read-only (health
    # curl, pg_isready ...). Off by default: an exec is a create on pods/exec, and what a
    # command does inside a container is the container's business, not the API server's.
    allow_read_only_exec: bool = False
    # `[scripts] name = "/path/to/script"`: name -> path (what `[scripts] smoke_tests` names).
    scripts: dict[str, Path] = field(default_factory=dict)
    # After escape sends SIGTERM to a script's process group, SIGKILL follows this much later.
    script_grace_seconds: float = 5.0
    # Vault's address ($VAULT_ADDR wins) and the environment variable that holds the token
    # irtui authenticates with; the token itself is never read into the settings.
    vault_addr: str = ""
    vault_token_env: str = "VAULT_TOKEN"
    custom: tuple[Any, ...] = ()  # irtui.actions.custom.CustomAction
    _prod: re.Pattern | None = field(default=None, repr=False)

    def is_production(self, *names: str | None) -> bool:
        if self._prod is None:
            self._prod = re.compile(self.prod_pattern, re.IGNORECASE)
        return any(name and self._prod.search(name) for name in names)

    def with_custom(self, runbook_custom: tuple[Any, ...]) -> ActionSettings:
        """These settings with the runbook's own steps before the config's; an id declared
        in both is a `ConfigError`."""
        from dataclasses import replace

        ids = {a.id for a in runbook_custom}
        for action in self.custom:
            if action.id in ids:
                raise ConfigError("config", None, "actions.custom",
                                  f"{action.id!r} is declared in both the runbook and the config")
        return replace(self, custom=(*runbook_custom, *self.custom))

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
                if "custom" in per.data:
                    raise per.error("custom", "a team's own steps are declared once, in [[actions.custom]], "
                                              "not per context")
        section.reject_unknown(KEYS)
        d = cls()

        def setting(key: str, kind: Any, default: Any) -> Any:
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
        grace = setting("script_grace_seconds", float, d.script_grace_seconds)
        if grace <= 0:
            raise section.error("script_grace_seconds", "must be more than 0")
        token_env = setting("vault_token_env", str, d.vault_token_env)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token_env):
            raise section.error("vault_token_env", f"must name an environment variable, not {token_env!r}")
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
            scripts=_scripts(config),
            script_grace_seconds=grace,
            vault_addr=os.environ.get("VAULT_ADDR") or setting("vault_addr", str, ""),
            vault_token_env=token_env,
            custom=_custom(section),
        )


def _scripts(config: Config) -> dict[str, Path]:
    section = config.section(SCRIPTS)
    out: dict[str, Path] = {}
    for name in section.keys():
        path = section.get(name, str)
        if not path.strip():
            raise section.error(name, "must be the path of a script")
        out[name] = Path(path).expanduser()
    return out


def _custom(section: Section) -> tuple[Any, ...]:
    from irtui.actions import custom

    out = []
    for table in section.sections("custom"):
        found = custom.problems(table.data)
        if found:
            key, message = found[0]
            raise table.error(key, message) if key in table.data else section.error("custom", f"{key} {message}")
        out.append(custom.from_table(table.data))
    ids = [a.id for a in out]
    for action_id in ids:
        if ids.count(action_id) > 1:
            raise section.error("custom", f"two steps have the id {action_id!r}")
    return tuple(out)


def _reject_read_only(section: Section) -> None:
    # An old config may still say `[actions] read_only`; ignoring it silently would leave a
    # terminal the team believes read-only able to change things.
    if "read_only" in section.data:
        raise section.error("read_only", 'is not an actions setting: put read_only in [cluster] '
                                         '(or [contexts."CTX".cluster]), which the whole session obeys')


__all__ = ["ActionSettings", "ConfigError"]
