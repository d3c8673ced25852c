"""The runbook as data: its schema, loader, validator, and the default EMR platform runbook.

    from irtui.runbook import load_runbook
    runbook = load_runbook()              # built-in emr-platform.toml
    runbook = load_runbook("team.toml")   # raises RunbookErrors (a ConfigError) listing every problem

`runbook.phases[i].items` are the tickable lines (checklist items, then command steps), each
with `actions` (ids such as "kube.rollout_restart", declared in `irtui.actions.registry` or
the runbook's own `[[actions.custom]]`; `runbook.actions` shows how each named one reads);
`runbook.playbook_for(kind)`, `runbook.impact.suggest(answers)`, `runbook.templates[name]`.
`runbook_path(args.runbook, config)` picks the file (flag > $IRTUI_RUNBOOK > [runbook] file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irtui.runbook.loader import DEFAULT_RUNBOOK, RunbookErrors, check_runbook, load_runbook
from irtui.runbook.model import Runbook

if TYPE_CHECKING:
    from irtui.config import Config

__all__ = ["DEFAULT_RUNBOOK", "Runbook", "RunbookErrors", "check_runbook", "load_runbook", "runbook_path"]


def runbook_path(flag: str | None = None, config: Config | None = None) -> str | None:
    """Which runbook file to use: `--runbook` > $IRTUI_RUNBOOK > config `[runbook] file` >
    None (the built-in one)."""
    import os

    if flag:
        return flag
    if os.environ.get("IRTUI_RUNBOOK"):
        return os.environ["IRTUI_RUNBOOK"]
    if config is not None:
        return config.setting("runbook", "file", str, None)
    return None
