"""Starting an incident session for the app: store URL and contacts from flags and config,
the actor from the OS and the Kubernetes identity, the audit journal, the read-only guard.
"""

from __future__ import annotations

from typing import Any

from irtui.config import Config
from irtui.incident.journal import Journal
from irtui.incident.model import Actor
from irtui.incident.session import IncidentSession
from irtui.incident.store import open_store, store_url
from irtui.incident.templates import contacts_from_config
from irtui.safety import Guard


async def start_session(*, store: str | None = None, config: Config | None = None, kube_identity: str | None = None,
                        guard: Guard | None = None, incident_id: str | None = None,
                        journal: Journal | None = None) -> IncidentSession:
    """Open the store (`--store` > $IRTUI_STORE > `[incident] store` > the SQLite default),
    start a session attached to `incident_id` or the open incident. The caller closes it
    with `await session.stop(); await session.store.close()`."""
    config = config or Config.empty()
    guard = guard or Guard()
    # The shared store may be down when the war room starts: it opens anyway and catches up.
    opened = open_store(store_url(store, config), guard=guard, start_offline=True)
    await opened.open()
    session = IncidentSession(opened, Actor.local(kube_identity), journal=journal or Journal(), guard=guard)
    await session.start(incident_id)
    return session


def contacts(config: Config | None) -> dict[str, Any]:
    """The `[contacts]` section (role -> person/phone), for the clock bar and escalation."""
    return contacts_from_config(config) if config is not None else {}
