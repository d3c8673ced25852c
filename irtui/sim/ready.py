"""The simulator's ready line: the one line `irtui sim` prints once it serves, and its parser.

`irtui sim ready: url=http://127.0.0.1:PORT kubeconfig=PATH` is what the demo, the test
fixtures and the benchmarks wait for; this module is the one place that knows its shape
(it imports nothing heavy, so the demo can read it before the simulator's modules load).
"""

from __future__ import annotations

PREFIX = "irtui sim ready:"


def format_ready(url: str, kubeconfig: str) -> str:
    return f"{PREFIX} url={url} kubeconfig={kubeconfig}\n"


def parse_ready(line: str) -> dict[str, str] | None:
    """{"url": ..., "kubeconfig": ...} from a ready line; None for any other line."""
    if not line.startswith(PREFIX):
        return None
    return dict(part.split("=", 1) for part in line[len(PREFIX):].split())
