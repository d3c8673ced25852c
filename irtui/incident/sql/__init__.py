"""SQL for the incident stores, one statement per file, loaded by name (never built from input)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(dialect: str, name: str) -> str:
    return resources.files(__package__).joinpath(dialect, f"{name}.sql").read_text(encoding="utf-8")
