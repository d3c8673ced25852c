"""Where actions write down what they did: the `Recorder` protocol the executor calls, and
the line of text an outcome becomes.

This module owns the *shape* of what an action records (kinds `action_started` and
`action_finished`; details with actor, target, context, cluster, command, parameters,
result and error). It does not own the timeline: `irtui.incident.session.IncidentSession`
satisfies `Recorder` as it is (its `record()` writes into the open incident, or, with none
open, into the local audit journal that is attached to the next incident declared).
`JournalRecorder` is for a session without an incident store at all.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from irtui.incident.journal import Journal
    from irtui.incident.model import Actor


@runtime_checkable
class Recorder(Protocol):
    """Anything that durably records one timeline entry; returns once it is durable."""

    async def record(self, kind: str, text: str, details: dict[str, Any]) -> Any: ...


class JournalRecorder:
    """Straight into the local audit journal (`irtui.incident.journal.Journal`), for a
    session with no incident store; the entries are attached to the next incident declared
    from this machine."""

    def __init__(self, journal: Journal | None = None, actor: Actor | None = None) -> None:
        from irtui.incident.journal import Journal
        from irtui.incident.model import Actor

        self.journal = journal or Journal()
        self.actor = actor or Actor.local()

    async def record(self, kind: str, text: str, details: dict[str, Any]) -> Any:
        from irtui.incident.store import make_entry

        entry = make_entry("", kind, text, details, self.actor)
        return await asyncio.to_thread(self.journal.add, entry)


def finished_text(title: str, target_label: str, status: str, message: str) -> str:
    """One line for the timeline: what was done to what, and how it ended."""
    verdict = {"done": "succeeded", "noop": "nothing to do", "failed": "FAILED"}.get(status, status)
    text = f"{title} {target_label}: {verdict}"
    return f"{text} - {message}" if message else text
