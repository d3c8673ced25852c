"""The Kubernetes project's printer test cases, read from the JSON beside this module.

Each case is an object as the API serves it and the cells `kubectl get` prints for it. The
upstream cases build their timestamps from `time.Now()`; here they are written as
`now-<seconds>s` (or `now+<seconds>s`) and resolved against the moment the test prints at.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

PRINTERS = Path(__file__).parent / "printers"

# The moment the tests print at: a whole second, so offsets survive second-precision timestamps.
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)

_OFFSET = re.compile(r"^now([+-])(\d+(?:\.\d+)?)s$")


@dataclass(frozen=True)
class Case:
    id: str
    source: dict[str, str]
    wide: bool
    obj: Any  # the object with its timestamps still relative: see `at`
    cells: list[str]

    def at(self, now: datetime) -> Any:
        """The object with every `now±Ns` timestamp written as the API server writes one."""
        return _resolve(self.obj, now, lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def moment(self, now: datetime) -> datetime | None:
        """A durations case's timestamp, to the fraction of a second."""
        return _resolve(self.obj, now, lambda t: t)


def _resolve(value: Any, now: datetime, render) -> Any:
    if isinstance(value, str):
        match = _OFFSET.match(value)
        if match is None:
            return value
        delta = timedelta(seconds=float(match.group(2)))
        return render(now + delta if match.group(1) == "+" else now - delta)
    if isinstance(value, dict):
        return {k: _resolve(v, now, render) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, now, render) for v in value]
    return value


def cases(kind: str) -> list[Case]:
    """The cases of printers/<kind>.json: pods, nodes or durations."""
    doc = json.loads((PRINTERS / f"{kind}.json").read_text())
    field = {"pods": "pod", "nodes": "node", "durations": "time"}[kind]
    out, seen = [], set()
    for raw in doc["cases"]:
        source = raw["source"]
        cells = raw["cells"] if "cells" in raw else [raw["text"]]
        # Upstream reuses object names within a test; a repeat gets a counter: test1, test1-2.
        base = f"{source.get('test') or source.get('function')}-{cells[0] or 'unnamed'}"
        case_id, n = base, 1
        while case_id in seen:
            n += 1
            case_id = f"{base}-{n}"
        seen.add(case_id)
        out.append(Case(case_id, source, raw.get("wide", False), raw[field], cells))
    return out


def ids(all_cases: list[Case]) -> list[str]:
    return [c.id for c in all_cases]
