"""The line every benchmark prints first: which machine, how busy, which Python.

Figures from different machines differ by more than most changes do (the same launch
measured 1.65 s on one 2-core VM and 0.60 s on another), so each result names its machine.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return f"{pages * size / 2**30:.0f} GiB"
    except (ValueError, OSError):
        return "? GiB"


def describe() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"machine: {os.cpu_count()} cpus ({_cpu_model()}), {_memory_gib()}, "
            f"load average {load}, Python {platform.python_version()}")
