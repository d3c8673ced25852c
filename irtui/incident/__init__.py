"""The incident: its model, append-only hash-chained timeline, clocks, stores and report.

Public API (everything async runs on the caller's event loop)::

    from irtui.incident.boot import start_session, contacts
    session = await start_session(store=args.store, config=config, kube_identity=identity, guard=guard)
    # ... or by hand:

    from irtui.incident import Actor, IncidentSession, open_store

    store = open_store(url)        # None -> SQLite under irtui.config.data_dir();
    await store.open()             # "sqlite:///path" or a path; "postgresql://...[?schema=S]"
    session = IncidentSession(store, Actor.local(kube="system:serviceaccount:..."))
    await session.start()          # subscribes; reattaches the open incident after a restart
    session.listen(callback)       # callback(entry) after each durable entry (any process);
                                   # callback(None) when the session attaches to an incident
    incident_id = await session.declare("API Gateway Down", "P0", ["api-gateway"],
                                        incident_kind="outage")   # -> "INC-YYYYMMDD-N"
    # (PostgreSQL unreachable, store opened with start_offline=True: "INC-YYYYMMDD-Pxxxx",
    # numbered when it returns; the session follows it, `session.provisional` until then)
    await session.note("TODO: add query timeout")   # TODO: notes become action items
    await session.tick("confirm_real")              # runbook item id
    await session.set_severity("P1"); await session.set_status("Identified")
    await session.set_phase("investigate"); await session.set_role("scribe", "alice")
    await session.set_impact(users="~30%", data_loss=False)
    await session.post_update(text, channels=["#incidents"]); await session.snooze_update(10)
    await session.escalate("tech_lead", contact)
    await session.append(kind, text, details)       # any kind; returns the Entry
    started = await session.action_started("kube.rollout_restart", "deployment/task-service",
                                           "kubectl rollout restart deployment/task-service -n emrtask-prod",
                                           namespace="emrtask-prod", context="prod")
    await session.action_finished("kube.rollout_restart", "deployment/task-service", ok=True,
                                  result="restarted", started=started.entry_id)
    await session.record(kind, text, details)       # both of the above go through this: the
                                                    # timeline, or the local audit journal when
                                                    # no incident is open (attached on declare)
    await session.observe(key, text, details)       # cluster observation, once per key
    await session.clear_observation(key)            # ... until it clears
    await session.sync_observations({key: (text, details)})  # both, from a full snapshot
    cluster_state.add_observer(session.observer)    # sync callback form (queues observe)
    session.state                                   # IncidentState folded from the timeline
    session.timeline                                # [Entry], chained then pending
    await store.close()

Every write returns only when durable: SQLite committed with fsync, PostgreSQL committed, or
(PostgreSQL unreachable) committed to the local outbox, in which case `entry.pending` is
True until it is replayed. Text and details are redacted (`irtui.redact.redact`) before storing.
Clocks: `clocks.compute(state, ClockPolicy.from_runbook(rb), now, contacts)`.
Verification: `model.verify_chain(await store.entries(incident_id))`, then
`anchor.check_anchors(entries, key, anchors)` for what the chain alone cannot show.
Anchoring: `IncidentSession(..., key=TimelineKey.from_config(config), anchors=AnchorFile.default())`
signs a `checkpoint` entry every 10 entries and at close, and keeps the head in a local file
(see `irtui.incident.anchor`). Authors: `Actor.local(kube, name=..., kube_user=...)`; the
shared store adds the PostgreSQL role (`db_role`), which a trigger checks.
"""

from irtui.incident.model import Actor, Entry, verify_chain
from irtui.incident.session import IncidentSession, NoIncident
from irtui.incident.state import IncidentState
from irtui.incident.store import Store, StoreError
from irtui.incident.stores import open_store

__all__ = ["Actor", "Entry", "IncidentSession", "IncidentState", "NoIncident", "Store", "StoreError",
           "open_store", "verify_chain"]
