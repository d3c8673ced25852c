"""Loading a runbook file: parse, check against `schema`, report every problem as a
`ConfigError` (file, line, key), and build the typed `Runbook`.
"""

from __future__ import annotations

import os
from pathlib import Path

from irtui.config import ConfigError, load_toml
from irtui.runbook.lines import display, line_index, locate
from irtui.runbook.model import Runbook
from irtui.runbook.schema import SCHEMA, check_references, check_shape

DEFAULT_RUNBOOK = Path(__file__).with_name("emr-platform.toml")


class RunbookErrors(ConfigError):
    """Every problem of a runbook file; `errors` lists them, the message shows the first."""

    def __init__(self, errors: list[ConfigError]) -> None:
        first = errors[0]
        super().__init__(first.file, first.line, first.key, first.message)
        self.errors = errors


def check_runbook(path: str | os.PathLike) -> tuple[Runbook | None, list[ConfigError]]:
    """(the runbook, []) when valid, else (None, every error in file order)."""
    try:
        data, text = load_toml(path)
    except ConfigError as exc:
        return None, [exc]
    problems: list = []
    check_shape(data, SCHEMA, (), problems)
    try:
        check_references(data, problems)
    except (TypeError, AttributeError, KeyError):
        # References are checked defensively; a shape so broken that they cannot be
        # followed is already reported by check_shape.
        if not problems:
            raise
    if problems:
        index = line_index(text)
        errors = [ConfigError(path, locate(index, where), display(where) or None, message) for where, message in problems]
        errors.sort(key=lambda e: (e.line or 0))
        return None, errors
    return Runbook.from_data(data, str(path)), []


def load_runbook(path: str | os.PathLike | None = None) -> Runbook:
    """The runbook at `path`, or the built-in EMR platform runbook. Raises `RunbookErrors`."""
    runbook, errors = check_runbook(path or DEFAULT_RUNBOOK)
    if runbook is None:  # exactly when there are errors
        raise RunbookErrors(errors)
    return runbook
