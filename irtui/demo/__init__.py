"""What a drill (`irtui demo`) needs beyond the simulated cluster: example scripts acting on
the simulator (`scripts/`), stand-ins for Slack, Statuspage, PagerDuty and SMTP
(`receivers.py`), and where drills keep their incidents (`demo_dir`). Imported by
`irtui.ui.demo`, and by `irtui info` for that folder alone (without the UI)."""

from __future__ import annotations

from pathlib import Path

from irtui.config import data_dir


def demo_dir() -> Path:
    """Where drills keep their incidents and audit journal: `$XDG_DATA_HOME/irtui/demo`,
    beside the real store and never it, so a drill's incidents outlive the drill (for
    `irtui report`) without mixing with real ones."""
    return data_dir() / "demo"
