"""Redaction speed on log-shaped lines: the policy runs on every line a forensics bundle
writes and every record irtui logs, so a line with no trigger word must cost little.

    python benchmarks/redact_bench.py [-n 200000]

Three kinds of line, each timed over n lines (best of 5 rounds):
  clean     JSON request logs with none of the trigger substrings (the fast path);
  trigger   lines with a trigger word but no secret ("OAuth token refreshed");
  secret    lines carrying a secret (URL password, NAME=value, Bearer, PEM, --password).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from irtui.redact import redact_text  # noqa: E402

from machine import describe  # noqa: E402


def lines(kind: str, n: int) -> list[str]:
    out = []
    for i in range(n):
        if kind == "clean":
            out.append(json.dumps({"ts": f"2026-11-28T04:{i % 60:02d}:00Z", "level": "info", "app": "task-service",
                                   "msg": "request completed", "method": "GET", "path": f"/api/tasks/{i}",
                                   "status": 200, "duration_ms": i % 97}))
        elif kind == "trigger":
            out.append(json.dumps({"ts": "2026-11-28T04:00:00Z", "level": "info", "app": "emr-service",
                                   "msg": "OAuth token refreshed", "expires_in": 3600, "request": i}))
        else:
            out.append([
                f"connecting to postgres://emr:pw{i}@postgres:5432/emrtask",
                f'{{"level":"debug","msg":"env","DB_PASSWORD":"pw{i}"}}',
                f"curl -H 'Authorization: Bearer eyJ{i}.abc.def' http://api-gateway/health",
                f"pg_dump --password pw{i} -h postgres emrtask",
                f"key=-----BEGIN PRIVATE KEY-----\\nMIIE{i}\\n-----END PRIVATE KEY-----\\n",
            ][i % 5])
    return out


def bench(kind: str, n: int) -> float:
    sample = lines(kind, n)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for line in sample:
            redact_text(line)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000)
    args = parser.parse_args()
    print(describe())
    for kind in ("clean", "trigger", "secret"):
        seconds = bench(kind, args.n)
        print(f"{kind:8} {seconds / args.n * 1e6:6.2f} us/line  {args.n / seconds / 1e3:8.0f}k lines/s")


if __name__ == "__main__":
    main()
