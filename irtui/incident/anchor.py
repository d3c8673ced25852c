"""Anchors for the timeline's hash chain: signed checkpoints, this machine's memory of the
head, and the check `irtui verify` runs against both.

The hash chain alone proves only that the stored entries agree with one another. Whoever can
write the store can rewrite entry 5 and recompute every later hash, or drop the last entries,
and the chain still verifies. An anchor is a fact about the chain kept where that writer
cannot reach it.

Signed checkpoints
    A checkpoint signs (incident id, seq, head hash, time, signer) with HMAC-SHA256 under the
    team's timeline key. The key never enters the store or the config file: the config names
    the environment variable that holds it (`[incident] timeline_key_env`, default
    `IRTUI_TIMELINE_KEY`), which responders get from the team's secret manager with the rest
    of their incident credentials. Someone with write access to the database but not the key
    cannot make a checkpoint match a rewritten chain.

    Why one shared HMAC key rather than an Ed25519 key per responder: `verify` must check
    every checkpoint, whoever wrote it, on any machine. With per-responder keys each verifier
    needs a trusted list of every responder's public key, kept outside the store (a public key
    stored beside the checkpoints proves nothing, since the forger can replace both), which a
    team rotating people through on-call does not maintain. One key, distributed like the
    other incident secrets, is checkable everywhere. Its limit is that anyone holding it can
    sign; the local anchor below and the head hash quoted in every status update (Slack,
    Statuspage: outside the store) cover that case.

    Why checkpoints are timeline entries (kind `checkpoint`) rather than rows of a side
    table: they then travel wherever the timeline goes (both stores, LISTEN/NOTIFY, the
    outbox, the report) with no second replication path, and they sit in the chain, so
    removing one breaks the chain unless everything after it is rehashed, which their
    signatures then expose. A checkpoint signs a head already in the chain (usually the
    entry just before it); its entry id is derived from the incident and that seq, so two
    responders checkpointing the same head write it once. It names the key by a
    fingerprint (`signed_with`), so a verify under a rotated key says so instead of
    calling the checkpoint forged.

    One is written after every `CHECKPOINT_EVERY` entries and when the incident closes.

The local anchor
    `<data dir>/anchors/<store>/<incident>.json` (0600, in a 0700 directory per store) holds
    the highest head this responder has seen at a checkpoint boundary, signed or not. A truncation that also
    removed the checkpoints leaves a chain that verifies and no signature to check; the
    local anchor still knows how far the record went and what its head was.

A read-only terminal writes neither.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from irtui.files import private_dir
from irtui.incident.model import Entry, canonical_json, format_ts

CHECKPOINT_EVERY = 10
DEFAULT_KEY_ENV = "IRTUI_TIMELINE_KEY"
SCHEME = "hmac-sha256"
MIN_KEY_BYTES = 16
SHORT = 12  # hex digits of a head hash quoted on screen and in updates
_INCIDENT_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_QUOTED_HEAD = re.compile(r"^#?(\d+):([0-9a-fA-F]{6,64})$")


class AnchorError(Exception):
    """An unusable key or anchor argument; the message is one line for the responder."""


def key_env_name(config: Any) -> str:
    """The environment variable holding the timeline key (`[incident] timeline_key_env`)."""
    if config is None:
        return DEFAULT_KEY_ENV
    return config.setting("incident", "timeline_key_env", str, DEFAULT_KEY_ENV)


def short_hash(value: str) -> str:
    return value[:SHORT]


@dataclass(frozen=True)
class TimelineKey:
    """The checkpoint signing key, and a fingerprint that names it without revealing it."""

    secret: bytes
    source: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(b"irtui timeline key\0" + self.secret).hexdigest()[:16]

    @classmethod
    def from_env(cls, name: str = DEFAULT_KEY_ENV, environ: dict[str, str] | None = None) -> TimelineKey | None:
        """The key in environment variable `name`; None when it is unset or empty."""
        value = (os.environ if environ is None else environ).get(name, "")
        if not value:
            return None
        secret = value.encode("utf-8")
        if len(secret) < MIN_KEY_BYTES:
            raise AnchorError(f"${name} is too short to sign the timeline ({len(secret)} bytes): use at least "
                              f"{MIN_KEY_BYTES} random bytes, e.g. `openssl rand -hex 32`")
        return cls(secret, f"${name}")

    @classmethod
    def from_config(cls, config: Any) -> TimelineKey | None:
        """From the variable `[incident] timeline_key_env` names (the file never holds the key)."""
        return cls.from_env(key_env_name(config))

    def sign(self, payload: dict[str, Any]) -> str:
        return hmac.new(self.secret, canonical_json(payload).encode("utf-8"), hashlib.sha256).hexdigest()


# -- checkpoints ---------------------------------------------------------------------------
def checkpoint_id(incident_id: str, seq: int) -> str:
    return hashlib.sha256(f"checkpoint|{incident_id}|{seq}".encode()).hexdigest()[:32]


def _signed_fields(incident_id: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"incident_id": incident_id, "seq": details.get("seq"), "head": details.get("head"),
            "time": details.get("time"), "signer": details.get("signer"), "scheme": details.get("scheme"),
            "signed_with": details.get("signed_with")}


def checkpoint(key: TimelineKey, head: Entry, signer: str, now: datetime) -> tuple[str, dict[str, Any]]:
    """The text and details of a checkpoint entry signing `head` (a chained entry)."""
    details: dict[str, Any] = {"seq": head.seq, "head": head.hash, "time": format_ts(now), "signer": signer,
                               "scheme": SCHEME, "signed_with": key.fingerprint}
    details["mac"] = key.sign(_signed_fields(head.incident_id, details))
    return f"checkpoint: #{head.seq} {short_hash(head.hash or '')} signed", details


def signed_seq(entry: Entry) -> int:
    """The seq a checkpoint entry signs (0 when its details do not say, e.g. forged ones)."""
    seq = entry.details.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def signature_ok(key: TimelineKey, entry: Entry) -> bool:
    expected = key.sign(_signed_fields(entry.incident_id, entry.details))
    return hmac.compare_digest(expected, str(entry.details.get("mac", "")))


# -- the local anchor ----------------------------------------------------------------------
@dataclass(frozen=True)
class Anchor:
    """A head someone vouches for: seq, hash (or a prefix of it), and where it came from."""

    seq: int
    head: str
    source: str

    @classmethod
    def parse_quoted(cls, text: str) -> Anchor:
        """`SEQ:HASH` (a head quoted in a status update: the hash may be its first 6+ hex)."""
        match = _QUOTED_HEAD.match(text.strip())
        if not match or int(match.group(1)) < 1:
            raise AnchorError(f"--head {text!r}: expected SEQ:HASH, e.g. 12:ab12cd34ef56")
        return cls(int(match.group(1)), match.group(2).lower(), "the quoted head")


class AnchorFile:
    """This responder's anchors for one store, one small JSON file per incident.

    Kept per store (`Store.anchor_scope`), because incident ids are only unique within a
    store: the demo's INC-20261128-1 must not vouch for, or accuse, the real one."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @classmethod
    def default(cls, scope: str) -> AnchorFile:
        """Under irtui's data dir; nothing is created until an anchor is written (a read-only
        terminal writes none)."""
        from irtui.config import xdg_data_home

        return cls(xdg_data_home() / "irtui" / "anchors" / hashlib.sha256(scope.encode("utf-8")).hexdigest()[:16])

    def path(self, incident_id: str) -> Path:
        if not _INCIDENT_FILE.match(incident_id):
            raise AnchorError(f"not an incident id: {incident_id!r}")
        return self.directory / f"{incident_id}.json"

    def read(self, incident_id: str) -> Anchor | None:
        try:
            data = json.loads(self.path(incident_id).read_text(encoding="utf-8"))
            return Anchor(int(data["seq"]), str(data["head"]), f"the local anchor (seen {data.get('seen', '?')})")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AnchorError(f"unreadable local anchor {self.path(incident_id)}: {exc}") from None

    def remember(self, head: Entry, now: datetime) -> None:
        """Keep `head` if it is beyond what this file already holds (never move back)."""
        known = self.read(head.incident_id)
        if known is not None and known.seq >= (head.seq or 0):
            return
        private_dir(self.directory)
        os.chmod(self.directory, 0o700)
        target = self.path(head.incident_id)
        temporary = target.with_suffix(".tmp")
        data = canonical_json({"incident_id": head.incident_id, "seq": head.seq, "head": head.hash,
                               "seen": format_ts(now)})
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)


# -- verification --------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One line of verify's report; `ok` False fails the verification."""

    ok: bool
    line: str


def _signature_failures(checkpoints: list[Entry], by_seq: dict[int | None, Entry], key: TimelineKey,
                        key_source: str) -> list[Finding]:
    """One failure for each checkpoint whose signature, or the head it signed, does not hold."""
    failures: list[Finding] = []
    for cp in checkpoints:
        seq, head = signed_seq(cp), str(cp.details.get("head", ""))
        if not signature_ok(key, cp):
            other = cp.details.get("signed_with")
            why = (f"signed with another key ({other}, not {key.fingerprint} from {key_source})"
                   if other != key.fingerprint else "forged or altered after signing")
            failures.append(Finding(False, f"FAILED at checkpoint #{cp.seq}: the signature does not match: {why}"))
            continue
        signed = by_seq.get(seq)
        if signed is None or signed.hash != head:
            stored = short_hash(signed.hash or "") if signed else "nothing"
            failures.append(Finding(False, f"FAILED at entry #{seq}: checkpoint #{cp.seq} signed head "
                                           f"{short_hash(head)}, the store has {stored}: the timeline was "
                                           f"rewritten at or before #{seq}"))
    return failures


def check_anchors(entries: list[Entry], key: TimelineKey | None, anchors: list[Anchor], *,
                  key_source: str = f"${DEFAULT_KEY_ENV}") -> list[Finding]:
    """What the anchors say about an intact chain: one line per failure, then a summary of
    what was checked. `entries` is the whole chained timeline, in seq order."""
    findings: list[Finding] = []
    by_seq = {e.seq: e for e in entries}
    last = entries[-1] if entries else None
    checkpoints = [e for e in entries if e.kind == "checkpoint"]
    failures = _signature_failures(checkpoints, by_seq, key, key_source) if key is not None else []
    findings.extend(failures)
    verified = len(checkpoints) - len(failures) if key is not None else 0
    for anchor in anchors:
        if last is None or anchor.seq > (last.seq or 0):
            end = f"#{last.seq}" if last else "nothing"
            findings.append(Finding(False, f"FAILED: store ends at {end}, {anchor.source} says #{anchor.seq} "
                                           f"with head {short_hash(anchor.head)}: entries were removed"))
        elif not (by_seq[anchor.seq].hash or "").startswith(anchor.head):
            findings.append(Finding(False, f"FAILED at entry #{anchor.seq}: {anchor.source} says head "
                                           f"{short_hash(anchor.head)}, the store has "
                                           f"{short_hash(by_seq[anchor.seq].hash or '')}: the timeline was "
                                           f"rewritten at or before #{anchor.seq}"))
        else:
            findings.append(Finding(True, f"#{anchor.seq} matches {anchor.source}"))
    if key is None:
        findings.append(Finding(True, f"WARNING: unanchored: no timeline key ({key_source} is not set), so "
                                      f"{len(checkpoints)} checkpoint(s) were not checked; a rewrite that "
                                      f"recomputed later hashes would pass the chain alone"))
    elif not checkpoints:
        findings.append(Finding(True, "WARNING: unanchored: no signed checkpoint in this timeline"))
    elif verified == len(checkpoints):
        covered = max(signed_seq(cp) for cp in checkpoints)
        after = (last.seq or 0) - covered if last else 0
        findings.append(Finding(True, f"anchored: {verified} signed checkpoint(s) verified, up to #{covered}"
                                      + (f"; {after} {'entry' if after == 1 else 'entries'} after it" if after else "")))
    return findings
