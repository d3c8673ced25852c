"""Timeline entries and their hash chain: the canonical form of an entry, its sha256, and the
actor who wrote it.

This module owns what an entry *is*; it knows nothing of where entries are stored. The
canonical JSON (sorted keys, no whitespace, UTF-8, microsecond UTC timestamps) is the
contract `irtui verify` checks against, so changing it invalidates every stored chain.
"""

from __future__ import annotations

import hashlib
import json
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from irtui.identity import login_name

GENESIS_HASH = "0" * 64

# The kinds the incident core folds into state; other kinds are accepted and shown as-is,
# so a newer irtui writing a new kind never breaks an older reader.
KINDS = (
    "declared", "severity", "status", "phase", "role", "impact", "checklist", "note",
    "action_started", "action_finished", "observation", "observation_cleared",
    "update_posted", "update_snoozed", "escalation", "escalation_snoozed", "pin", "closed", "reopened", "reconciled", "checkpoint",
)

STATUSES = ("Investigating", "Identified", "Fixing", "Monitoring", "Resolved")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def format_ts(ts: datetime) -> str:
    """Fixed-width ISO 8601 UTC with microseconds: sorts as text, hashes identically everywhere."""
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def new_entry_id() -> str:
    return uuid.uuid4().hex


# Authenticated identity fields and how they are labelled when an actor is printed.
_AUTHENTICATED = {"kube_user": "k8s", "db_role": "pg"}


@dataclass(frozen=True)
class Actor:
    """Who did it: the name the person gave (`--as`, else their login name) on a host and
    the Kubernetes user of their context, beside the identities a server authenticated.

    `kube_user` is what the API server answered to a SelfSubjectReview; `db_role` is the
    PostgreSQL role that inserted the entry (the shared store fills it in and a trigger
    checks it). The authenticated fields enter the canonical form only when present, so
    entries written before they existed hash exactly as they did.
    """

    user: str
    host: str
    kube: str | None = None
    kube_user: str | None = None
    db_role: str | None = None

    @classmethod
    def local(cls, kube: str | None = None, *, name: str | None = None, kube_user: str | None = None) -> Actor:
        return cls(user=name or login_name(), host=socket.gethostname(), kube=kube, kube_user=kube_user)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"user": self.user, "host": self.host, "kube": self.kube}
        for key in _AUTHENTICATED:
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Actor:
        authenticated = {key: str(data[key]) for key in _AUTHENTICATED if data.get(key) is not None}
        return cls(user=str(data.get("user", "")), host=str(data.get("host", "")), kube=data.get("kube"),
                   **authenticated)

    def __str__(self) -> str:
        text = f"{self.user}@{self.host}"
        if self.kube:
            text += f" ({self.kube})"
        # Square brackets would read as markup to anything that forgets this is data.
        proven = [f" · {label}:{getattr(self, key)}" for key, label in _AUTHENTICATED.items() if getattr(self, key)]
        return text + "".join(proven)

    @property
    def short(self) -> str:
        return self.user


@dataclass(frozen=True)
class Entry:
    """One timeline entry. `seq`/`prev_hash`/`hash` are None while it waits in an outbox."""

    incident_id: str
    entry_id: str
    ts: datetime
    actor: Actor
    kind: str
    text: str
    details: dict[str, Any] = field(default_factory=dict)
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None

    @property
    def pending(self) -> bool:
        """Durable locally but not yet ordered in the shared store."""
        return self.seq is None

    @property
    def position(self) -> int:
        """`seq` of an entry ordered in the shared store; ValueError for a pending one."""
        if self.seq is None:
            raise ValueError(f"entry {self.entry_id} of {self.incident_id} is not ordered yet")
        return self.seq

    def hash_fields(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "entry_id": self.entry_id,
            "seq": self.seq,
            "ts": format_ts(self.ts),
            "actor": self.actor.to_dict(),
            "kind": self.kind,
            "text": self.text,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return entry_hash(self.hash_fields())

    def chained(self, seq: int, prev_hash: str) -> Entry:
        """This entry placed at `seq` after an entry whose hash is `prev_hash`."""
        placed = Entry(self.incident_id, self.entry_id, self.ts, self.actor, self.kind, self.text,
                       self.details, seq, prev_hash, None)
        return Entry(placed.incident_id, placed.entry_id, placed.ts, placed.actor, placed.kind,
                     placed.text, placed.details, seq, prev_hash, placed.compute_hash())

    def to_dict(self) -> dict[str, Any]:
        return {**self.hash_fields(), "hash": self.hash}


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def details_json(details: dict[str, Any]) -> str:
    return canonical_json(details)


def entry_from_row(incident_id: str, entry_id: str, seq: int | None, ts: str, actor: str, kind: str,
                   text: str, details: str, prev_hash: str | None, hash_: str | None) -> Entry:
    """Rebuild an entry from stored columns (both stores keep JSON text, so bytes hash the same)."""
    return Entry(incident_id=incident_id, entry_id=entry_id, ts=parse_ts(ts), actor=Actor.from_dict(json.loads(actor)),
                 kind=kind, text=text, details=json.loads(details), seq=seq, prev_hash=prev_hash, hash=hash_)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: str | None = None
    seq: int | None = None
    entry_id: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.checked} entries, hash chain intact"
        where = f"entry #{self.seq}" if self.seq is not None else "entry"
        if self.entry_id:
            where += f" ({self.entry_id})"
        return f"FAILED at {where}: {self.problem}"


def verify_chain(entries: list[Entry]) -> VerifyResult:
    """Check sequence continuity, each entry's hash, and each link to the previous entry.

    Reports the first entry that was altered, removed (a gap in seq or a broken link) or
    inserted, so an auditor knows where to look.
    """
    prev = GENESIS_HASH
    expected_seq = 1
    for entry in entries:
        if entry.seq != expected_seq:
            return VerifyResult(False, expected_seq - 1, f"entry #{expected_seq} is missing (found #{entry.seq} next)",
                                expected_seq, None)
        if entry.compute_hash() != entry.hash:
            return VerifyResult(False, expected_seq - 1, "contents altered (hash does not match)", entry.seq, entry.entry_id)
        if entry.prev_hash != prev:
            return VerifyResult(False, expected_seq - 1,
                                "link broken: prev_hash does not match the previous entry (an entry before it was removed or altered)",
                                entry.seq, entry.entry_id)
        prev = entry.hash
        expected_seq += 1
    if not entries:
        return VerifyResult(False, 0, "no entries (incident unknown or timeline removed)")
    return VerifyResult(True, len(entries))
