"""Starting an incident session for the app: store URL and contacts from flags and config,
the actor from the OS and the Kubernetes identity, the audit journal, the read-only guard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from irtui.config import Config
from irtui.incident.anchor import AnchorFile, TimelineKey
from irtui.incident.journal import Journal
from irtui.incident.model import Actor, utcnow
from irtui.incident.session import IncidentSession
from irtui.incident.stores import open_store, store_url
from irtui.incident.templates import merged_contacts
from irtui.safety import Guard


async def start_session(*, store: str | None = None, config: Config | None = None, kube_identity: str | None = None,
                        guard: Guard | None = None, incident_id: str | None = None,
                        journal: Journal | None = None, name: str | None = None,
                        kube_review: Callable[[], str | None] | None = None,
                        now: Callable[[], datetime] = utcnow) -> IncidentSession:
    """Open the store (`--store` > $IRTUI_STORE > `[incident] store` > the SQLite default),
    start a session attached to `incident_id` or the open incident. The caller closes it
    with `await session.stop(); await session.store.close()`.

    `name` is what the responder called themselves (`--as`); `kube_review` asks the API
    server who they are (`irtui.kube.identity.authenticated_user`), in a thread while the
    store opens. The timeline key and local anchors come from the config and the data dir
    (see irtui.incident.anchor)."""
    config = config or Config.empty()
    guard = guard or Guard()
    key = TimelineKey.from_config(config)  # a bad key is refused before anything is opened
    review = asyncio.ensure_future(asyncio.to_thread(kube_review)) if kube_review else None
    # The shared store may be down when the war room starts: it opens anyway and catches up.
    opened = open_store(store_url(store, config), guard=guard, start_offline=True)
    try:
        await opened.open()
    except BaseException:
        if review:
            review.cancel()
        raise
    kube_user = await review if review else None
    session = IncidentSession(opened, Actor.local(kube_identity, name=name, kube_user=kube_user),
                              journal=journal or Journal(guard=guard), guard=guard, key=key,
                              anchors=AnchorFile.default(opened.anchor_scope()), announce=True, now=now)
    await session.start(incident_id)
    return session


def contacts(config: Config | None, runbook: Any = None) -> dict[str, Any]:
    """Who to call per role (role -> person/phone), for the clock bar and escalation: the
    runbook's contacts table, each role overridable by the config's `[contacts]`."""
    return merged_contacts(runbook, config)
