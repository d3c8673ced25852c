"""The request audit log: one JSON line per API request, flushed as it is written.

Tests prove what was and was not sent by reading it, so every request is recorded, refused
ones included, with the Kubernetes verb and whether it was a dry run. The last records are
also kept in memory for `GET /sim/audit`.
"""

from __future__ import annotations

import json
from collections import deque
from typing import IO


class AuditLog:
    def __init__(self, path: str | None = None, keep: int = 2000):
        self._file: IO[str] | None = open(path, "a", encoding="utf-8") if path else None
        self.recent: deque[dict] = deque(maxlen=keep)

    def record(self, entry: dict) -> None:
        self.recent.append(entry)
        if self._file is not None:
            self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
