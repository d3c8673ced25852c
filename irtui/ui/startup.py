"""Launch-time housekeeping that keeps the cyclic garbage collector out of the first frame.

Starting `irtui` creates a few hundred thousand long-lived objects (the kubernetes client,
Textual, the runbook, 10,000 pod rows). Each full collection while they pile up walks all
of them again: ~0.3 s of CPU at 10,000 pods, under the GIL, before the pods pane can show.
`irtui` pauses the collector when it starts; the app resumes it once the first pods list is
on screen (or after `RESUME_AFTER` seconds, whatever happens to the list), first moving
everything alive into the permanent generation (`gc.freeze`) so later collections skip it.
"""

from __future__ import annotations

import gc

RESUME_AFTER = 10.0  # seconds after the app mounts, if the first list never completes

_paused = False


def pause_collector() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector() -> None:
    """Freeze what launch built and turn the collector back on; only if `pause_collector`
    turned it off (tests and embedders keep whatever they chose)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
