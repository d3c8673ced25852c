"""The SQL files beside this module, loaded by name (one query per file, parameterized)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """The text of `sql/<name>.sql`; a missing file is a programming error, so it raises."""
    return resources.files("irtui.database").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
