"""An incident session: one process's view of the current incident, the object the UI and
the actions call.

It subscribes to the store, keeps the timeline (chained entries plus pending outbox ones)
and the folded state, and tells listeners after each change. Every write goes through the
store first: listeners hear of an entry only once it is durable.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from irtui.incident.anchor import CHECKPOINT_EVERY, AnchorFile, TimelineKey, checkpoint, checkpoint_id, signed_seq
from irtui.incident.journal import Journal
from irtui.incident.model import Actor, Entry, format_ts, utcnow
from irtui.incident.review import SECTIONS, prose
from irtui.incident.state import IncidentState, fold
from irtui.incident.store import Store, StoreError, is_provisional, make_entry
from irtui.safety import Guard

log = logging.getLogger(__name__)

Listener = Callable[[Entry | None], Any]


def _stable_id(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


class NoIncident(StoreError):
    """A timeline write with no incident open (actions use `record`, which journals instead)."""


class IncidentSession:
    def __init__(self, store: Store, actor: Actor, *, journal: Journal | None = None,
                 now: Callable[[], datetime] = utcnow, guard: Guard | None = None,
                 key: TimelineKey | None = None, anchors: AnchorFile | None = None,
                 checkpoint_every: int = CHECKPOINT_EVERY, announce: bool = False) -> None:
        self.store = store
        # A war room announces itself (`joined`) on incidents opened elsewhere; a script or a
        # one-off reader of the store does not.
        self.announce = announce
        # A read-only terminal (shared screen) writes nothing, not even a note: the guard
        # refuses here, below every key, as the guarded clients do.
        self.guard = guard or Guard()
        self.actor = actor
        self.journal = journal
        self.now = now
        self.incident_id: str | None = None
        self.entries: list[Entry] = []          # chained, in seq order
        self.pending: dict[str, Entry] = {}     # outbox entries, in the order written
        self.state: IncidentState | None = None
        self._listeners: list[Listener] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._observations: list[tuple[str, str, dict[str, Any] | None]] = []
        self._attaching: str | None = None
        self._declaring: str | None = None  # entry id of the declaration this session is writing
        self._early: list[Entry] = []
        self._observer_task: asyncio.Task[None] | None = None
        # Anchoring (irtui.incident.anchor): sign a checkpoint with `key` and remember the
        # head in `anchors` every `checkpoint_every` entries and at close.
        self.key = key
        self.anchors = anchors
        self.checkpoint_every = checkpoint_every
        self._covered = 0  # highest seq already checkpointed
        self._checkpointing: asyncio.Task | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self, incident_id: str | None = None) -> None:
        """Subscribe to the store and attach to `incident_id`, or to the open incident if any."""
        self._unsubscribe = await self.store.subscribe(self._on_entry)
        target = incident_id or await self.store.open_incident()
        if target:
            await self._join(target)

    async def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    def listen(self, callback: Listener) -> Callable[[], None]:
        """`callback(entry)` after each new entry of the current incident (state already
        updated); `callback(None)` when the session attaches to another incident."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    async def attach(self, incident_id: str) -> None:
        # Entries delivered while the timeline is being read are kept, not dropped: the
        # read may have happened before they committed.
        self._attaching, self._early = incident_id, []
        try:
            entries = await self.store.entries(incident_id)
            pending = await self.store.pending(incident_id)
        finally:
            self._attaching = None
        if not entries and not any(e.kind == "declared" for e in pending):
            raise StoreError(f"no incident {incident_id}")
        last = entries[-1].position if entries else 0
        for early in self._early:
            if early.pending:
                continue
            if early.seq == last + 1:
                entries.append(early)
                last = early.seq
        self.incident_id = incident_id
        self.entries = entries
        self._covered = max((signed_seq(e) for e in entries if e.kind == "checkpoint"), default=0)
        placed = {e.entry_id for e in entries}
        self.pending = {e.entry_id: e for e in [*pending, *(x for x in self._early if x.pending)]
                        if e.entry_id not in placed}
        self._early = []
        self._refold()
        self._tell(None)
        await self._attach_journal()

    async def _attach_journal(self) -> None:
        """What this machine did while no incident was open joins the incident it declares or
        joins (same entry_id: a crash half-way cannot attach an entry twice)."""
        if self.journal is None or not self.writable:
            return
        incident_id = self.attached_id
        for journaled in self.journal.unattached():
            moved = make_entry(incident_id, journaled.kind, journaled.text,
                               {**journaled.details, "journaled": True}, journaled.actor,
                               entry_id=journaled.entry_id, ts=journaled.ts)
            await self.store.append(moved)
            self.journal.mark_attached(journaled.entry_id, incident_id)

    @property
    def attached_id(self) -> str:
        """The id of the incident this session is attached to; `NoIncident` when none is."""
        if self.incident_id is None:
            raise NoIncident("no incident is open")
        return self.incident_id

    @property
    def current(self) -> IncidentState:
        """The attached incident's folded state; `NoIncident` when none is attached."""
        if self.state is None:
            raise NoIncident("no incident is open")
        return self.state

    @property
    def timeline(self) -> list[Entry]:
        return [*self.entries, *self.pending.values()]

    @property
    def provisional(self) -> bool:
        """The incident was declared while the shared store was unreachable and has no
        number in the shared sequence yet."""
        return is_provisional(self.incident_id)

    @property
    def is_open(self) -> bool:
        return self.state is not None and self.state.is_open

    @property
    def writable(self) -> bool:
        """An incident is open and this terminal may write to it."""
        return self.is_open and not self.guard.read_only

    # -- incoming --------------------------------------------------------------------------
    def _on_entry(self, entry: Entry) -> None:
        if entry.kind == "reconciled" and entry.details.get("provisional_id") == self.incident_id:
            # Declared here while the shared store was unreachable: the incident now has its
            # number in the shared sequence, and this session follows it there.
            asyncio.ensure_future(self.attach(entry.incident_id))
            return
        if entry.incident_id == self._attaching:
            self._early.append(entry)
            return
        if entry.incident_id != self.incident_id:
            # Another responder declared an incident and we have none open: join it.
            if entry.kind == "declared" and not self.is_open:
                # Our own declaration arrives here too, before `declare` attaches: no `joined` for it.
                own = entry.entry_id == self._declaring
                asyncio.ensure_future(self.attach(entry.incident_id) if own else self._join(entry.incident_id))
            return
        if entry.pending:
            if entry.entry_id in self.pending:
                return
            self.pending[entry.entry_id] = entry
            self._refold()
        else:
            last = self.entries[-1].position if self.entries else 0
            if entry.position <= last:
                return
            self.entries.append(entry)
            if self.pending.pop(entry.entry_id, None) is not None or self.pending:
                self._refold()
            else:
                from irtui.incident.state import apply

                apply(self.current, entry)
            self._anchor(entry)
        self._tell(entry)

    def _anchor(self, entry: Entry) -> None:
        """At a checkpoint boundary (every `checkpoint_every` entries, and at close), remember
        the head locally and, with a key, sign it into the timeline. Every attached session
        does this for every entry it sees, whoever wrote it; the checkpoint's entry id is
        derived from the head it signs, so the timeline gets it once."""
        if entry.kind == "checkpoint":
            self._covered = max(self._covered, signed_seq(entry))
            return
        if self.guard.read_only or entry.position <= self._covered:
            return
        if entry.kind != "closed" and entry.position - self._covered < self.checkpoint_every:
            return
        self._covered = entry.position
        if self.anchors is not None:
            try:
                self.anchors.remember(entry, self.now())
            except Exception:  # a full disk must not stop the war room; verify will say unanchored
                log.exception("local anchor not written for %s #%s", entry.incident_id, entry.seq)
        if self.key is not None:
            self._checkpointing = asyncio.ensure_future(self._checkpoint(self.key, entry))

    async def _checkpoint(self, key: TimelineKey, head: Entry) -> None:
        text, details = checkpoint(key, head, str(self.actor), self.now())
        try:
            await self.append("checkpoint", text, details, entry_id=checkpoint_id(head.incident_id, head.position))
        except Exception:
            log.exception("checkpoint not written for %s #%s", head.incident_id, head.seq)

    def _refold(self) -> None:
        self.state = fold(self.attached_id, self.timeline)

    def _tell(self, entry: Entry | None) -> None:
        for callback in list(self._listeners):
            try:
                callback(entry)
            except Exception:
                log.exception("incident listener failed")

    # -- writes ----------------------------------------------------------------------------
    async def declare(self, title: str, severity: str, services: Iterable[str] = (), *,
                      detected_at: datetime | None = None, incident_kind: str | None = None,
                      impact: dict[str, Any] | None = None, answers: dict[str, str] | None = None,
                      phase: str = "", details: dict[str, Any] | None = None) -> str:
        """Declare an incident and attach to it (which attaches the unattached audit journal)."""
        self.guard.check(f"declare incident {title!r}")
        body = {"title": title, "severity": severity, "services": list(services), "status": "Investigating",
                "phase": phase, **(details or {})}
        if detected_at:
            body["detected_at"] = format_ts(detected_at)
        if incident_kind:
            body["incident_kind"] = incident_kind
        if impact:
            body["impact"] = impact
        if answers:
            body["impact_answers"] = answers
        entry = make_entry("", "declared", f"[{severity}] {title}", body, self.actor, ts=self.now())
        self._declaring = entry.entry_id
        declared = await self.store.declare(entry)
        await self.attach(declared.incident_id)
        return declared.incident_id

    async def append(self, kind: str, text: str, details: dict[str, Any] | None = None, *,
                     entry_id: str | None = None, actor: Actor | None = None) -> Entry:
        """Append to the current incident; durable when it returns (maybe `pending`)."""
        incident_id = self.attached_id
        self.guard.check(f"timeline entry ({kind})")
        entry = make_entry(incident_id, kind, text, details, actor or self.actor, entry_id=entry_id, ts=self.now())
        return await self.store.append(entry)

    async def record(self, kind: str, text: str, details: dict[str, Any] | None = None, *,
                     actor: Actor | None = None) -> Entry:
        """For actions: into the open incident's timeline, or, with none open, the local
        audit journal (attached to the next incident declared)."""
        if self.is_open:
            return await self.append(kind, text, details, actor=actor)
        self.guard.check(f"audit journal entry ({kind})")
        entry = make_entry("", kind, text, details, actor or self.actor, ts=self.now())
        if self.journal is None:
            self.journal = Journal()
        return self.journal.add(entry)

    async def action_started(self, action: str, target: str, command: str, *, namespace: str = "",
                             context: str = "", dry_run: bool = False, actor: Actor | None = None,
                             **details: Any) -> Entry:
        """An action is about to run. Returns the entry; pass its `entry_id` as `started`
        to `action_finished`. Goes to the journal when no incident is open."""
        body = {"action": action, "target": target, "command": command, "namespace": namespace,
                "context": context, "dry_run": dry_run, **details}
        return await self.record("action_started", f"{action} {target}: {command}", body, actor=actor)

    async def action_finished(self, action: str, target: str, ok: bool, result: str = "", *, started: str | None = None,
                              actor: Actor | None = None, **details: Any) -> Entry:
        """The outcome: `ok`, and the API's message or a summary in `result`."""
        body = {"action": action, "target": target, "ok": ok, "result": result, "started": started, **details}
        verdict = "ok" if ok else "FAILED"
        return await self.record("action_finished", f"{action} {target}: {verdict}" + (f": {result}" if result else ""),
                                 body, actor=actor)

    async def note(self, text: str) -> Entry:
        return await self.append("note", text)

    async def tick(self, item: str, done: bool = True, text: str = "", phase: str = "") -> Entry:
        """Record that `item` is done. Ticking what is already ticked changes nothing in the
        state (see irtui.incident.state): it only puts this responder on the record too."""
        if not done:
            return await self.untick(item, "", text=text, phase=phase)
        return await self.append("checklist", f"ticked: {text or item}",
                                 {"item": item, "state": "ticked", "done": True, "phase": phase})

    async def untick(self, item: str, reason: str, text: str = "", phase: str = "") -> Entry:
        """Take a tick back, deliberately and with the reason on the record. (`done` stays
        in the details so an older irtui reading the timeline folds it the same way.)"""
        return await self.append("checklist", f"unticked: {text or item}" + (f" ({reason})" if reason else ""),
                                 {"item": item, "state": "unticked", "done": False, "phase": phase,
                                  "reason": reason})

    async def _join(self, incident_id: str) -> None:
        """Attach to an incident someone else opened and say so on its timeline: the
        `joined` entry is what makes a responder who has written nothing yet show as here."""
        await self.attach(incident_id)
        if not self.announce or not self.writable:
            return
        try:
            await self.append("joined", f"{self.actor.user} joined", {"host": self.actor.host})
        except Exception:  # the war room works without it; only "who is here" misses this one
            log.exception("joined entry not written for %s", incident_id)

    async def set_severity(self, severity: str, reason: str = "") -> Entry:
        old = self.state.severity if self.state else ""
        return await self.append("severity", f"severity {old} -> {severity}" + (f": {reason}" if reason else ""),
                                 {"severity": severity, "from": old})

    async def set_status(self, status: str) -> Entry:
        return await self.append("status", f"status: {status}", {"status": status})

    async def set_phase(self, phase: str, title: str = "") -> Entry:
        return await self.append("phase", f"phase: {title or phase}", {"phase": phase})

    async def set_role(self, role: str, person: str | None) -> Entry:
        return await self.append("role", f"{role}: {person or '(unassigned)'}", {"role": role, "person": person})

    async def set_impact(self, **impact: Any) -> Entry:
        text = ", ".join(f"{k}={prose(v)}" for k, v in impact.items())  # words, not Python reprs
        return await self.append("impact", f"impact: {text}", impact)

    async def post_update(self, text: str, channels: Iterable[str] = (), **details: Any) -> Entry:
        """An update that reached `channels` (or was posted by hand): resets the next-update
        clock. `details` says how (irtui.notify: channel, delivery status, remote ids)."""
        return await self.append("update_posted", text, {"channels": list(channels), **details})

    async def snooze_update(self, minutes: int, until: datetime | None = None) -> Entry:
        """Push the next-update clock back: to `until` (the due time plus `minutes`, which the
        caller computed from the clocks) or, without it, to `minutes` from now."""
        details: dict[str, Any] = {"minutes": minutes}
        text = f"status update snoozed {minutes} min"
        if until is not None:
            details["until"] = until.isoformat()
            text += f", next due {until:%H:%M} UTC"
        return await self.append("update_snoozed", text, details)

    async def escalate(self, role: str, contact: str = "", reason: str = "", **details: Any) -> Entry:
        return await self.append("escalation", f"escalated to {role}" + (f" ({contact})" if contact else ""),
                                 {"role": role, "contact": contact, "reason": reason, **details})

    async def snooze_escalation(self, role: str, minutes: int, until: datetime) -> Entry:
        """Put off the escalation to `role` until `until`; the prompt comes back then."""
        return await self.append("escalation_snoozed", f"escalation to {role} snoozed {minutes} min, "
                                 f"due again {until:%H:%M} UTC", {"role": role, "minutes": minutes,
                                                                   "until": until.isoformat()})

    async def pin(self, seq: int, pinned: bool = True) -> Entry:
        return await self.append("pin", f"{'pinned' if pinned else 'unpinned'} #{seq}", {"seq": seq, "pinned": pinned})

    async def review(self, section: str, text: str) -> Entry:
        """A section of the post-incident review (root cause, resolution, prevention,
        lessons, the 5 Whys' problem), as the close or 5 Whys form wrote it; the last one
        of a section is what the report says (irtui.incident.review)."""
        title = SECTIONS[section][0] if section in SECTIONS else section
        return await self.append("review", f"{title}: {text}", {"section": section, "text": text})

    async def why(self, n: int, question: str, answer: str) -> Entry:
        """One why of the 5 Whys and its answer; a later entry for the same `n` replaces it."""
        return await self.append("why", f"Why #{n}: {question} Answer: {answer}",
                                 {"n": n, "question": question, "answer": answer})

    async def close(self, text: str = "incident closed", details: dict[str, Any] | None = None) -> Entry:
        """Close the incident; returns once its final checkpoint (if any) is durable too."""
        closed = await self.append("closed", text, details)
        if self._checkpointing is not None:
            await self._checkpointing
        return closed

    def detach(self) -> None:
        """Leave a closed incident: the session is back to "no incident open" (its
        timeline stays in the store). Listeners hear `None`, as on attach."""
        if self.is_open:
            raise ValueError(f"{self.incident_id} is still open")
        self.incident_id, self.entries, self.pending, self.state = None, [], {}, None
        self._covered = 0
        self._tell(None)

    # -- cluster observations --------------------------------------------------------------
    async def observe(self, key: str, text: str, details: dict[str, Any] | None = None) -> Entry | None:
        """Record a cluster observation once per key per open incident; again only after
        `clear_observation(key)`. Safe across processes: the entry id is derived from the
        key and its generation, so two machines seeing the same thing record it once."""
        if not self.writable or key in self.current.active_observations:
            return None
        generation = self.current.observation_generations.get(key, 0)
        return await self.append("observation", text, {**(details or {}), "key": key, "generation": generation},
                                 entry_id=_stable_id("obs", self.incident_id, key, generation))

    def observer(self, key: str, text: str, details: dict[str, Any] | None = None) -> None:
        """A plain (sync) callback for a producer such as `ClusterState.add_observer`: queues
        `observe(key, text, details)` on the event loop, in arrival order. Must be called on
        the loop's thread (post a message from worker threads instead)."""
        self._observations.append((key, text, details))
        if self._observer_task is None or self._observer_task.done():
            self._observer_task = asyncio.ensure_future(self._drain_observations())

    async def _drain_observations(self) -> None:
        while self._observations:
            key, text, details = self._observations.pop(0)
            try:
                await self.observe(key, text, details)
            except Exception:  # an unwritable observation must not stop the rest
                log.exception("observation not recorded: %s", key)

    async def clear_observation(self, key: str, text: str | None = None) -> Entry | None:
        if not self.writable or key not in self.current.active_observations:
            return None
        generation = self.current.active_observations[key]
        return await self.append("observation_cleared", text or f"cleared: {key}", {"key": key, "generation": generation},
                                 entry_id=_stable_id("obs-clear", self.incident_id, key, generation))

    async def sync_observations(self, current: dict[str, tuple[str, dict[str, Any]]]) -> None:
        """Given everything wrong right now (key -> (text, details)), record what is new and
        clear what is gone: what a cluster pane calls after each refresh."""
        if not self.writable:
            return
        for key, (text, details) in current.items():
            await self.observe(key, text, details)
        for key in list(self.current.active_observations):
            if key not in current:
                await self.clear_observation(key)
