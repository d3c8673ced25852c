"""The simulator's object store: what etcd is to a real API server.

It owns every object of the simulated cluster, the global resourceVersion counter, the
bounded history of changes that watches resume from, and the serialized JSON bytes of each
object so that a 10,000-pod list is a join of cached bytes rather than 10,000 `json.dumps`.

It knows nothing about HTTP, RBAC or controllers. Controllers (the world) subscribe to
changes; the API server reads raw bytes and registers watch listeners.

The dicts handed out by `get`/`list` are the stored ones, and the store keeps (shallow copies
of) what `create`/`update` are given: callers copy before they change anything and never edit
an object after handing it over. Copying every write would cost a full JSON round trip per
change, which at benchmark churn rates is most of the simulator's time. A watch event and a
read keep their own bytes, so a caller who breaks that rule cannot rewrite history.
"""

from __future__ import annotations

import bisect
import json
import random
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterator

try:  # orjson is several times faster on 10,000-pod lists; the stdlib is the fallback.
    import orjson as _orjson

    def dumps(obj: Any) -> bytes:
        return _orjson.dumps(obj)

    loads = _orjson.loads
except ImportError:  # pragma: no cover - depends on the environment
    _encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

    def dumps(obj: Any) -> bytes:
        return _encoder.encode(obj).encode()

    loads = json.loads


# Resources without a namespace; everything else lives in one.
CLUSTER_SCOPED = frozenset({"nodes", "namespaces"})

# Kubernetes' generateName alphabet: no vowels, so no words.
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class NotFound(Exception):
    """No object with that kind, namespace and name."""


class AlreadyExists(Exception):
    """An object with that kind, namespace and name exists already."""


class Conflict(Exception):
    """The caller's resourceVersion is not the stored one (an optimistic-lock failure)."""


class Gone(Exception):
    """The resourceVersion asked for is older than the retained history."""


def format_time(dt) -> str:
    """RFC 3339 with second precision and a Z, as the API server writes timestamps."""
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class WatchEvent:
    """One change, as a watch stream sends it: the bytes are computed once for all watchers."""

    rv: int
    kind: str
    namespace: str | None
    type: str  # ADDED, MODIFIED, DELETED
    obj: dict
    raw: bytes  # the object's JSON
    old: dict | None = None  # for MODIFIED: the object before, so selected watches see it leave

    def line(self) -> bytes:
        return b'{"type":"' + self.type.encode() + b'","object":' + self.raw + b"}\n"


def _key(namespace: str | None, name: str) -> tuple[str, str]:
    return (namespace or "", name)


class Store:
    def __init__(self, clock, history: int = 50_000, *, seed: int = 0):
        self.clock = clock
        self.resource_version = 0
        self._objects: dict[str, dict[tuple[str, str], dict]] = {}
        self._raw: dict[str, dict[tuple[str, str], bytes]] = {}
        self._sorted: dict[str, list[tuple[str, str]] | None] = {}
        self._history: deque[WatchEvent] = deque()
        self._history_limit = max(1, history)
        # Everything at or below this resourceVersion may have been dropped from history.
        self.compacted_rv = 0
        self._subscribers: list[Callable[[str, str, dict], None]] = []
        self._watch_listeners: list[Callable[[WatchEvent], None]] = []
        self._rng = random.Random(seed)

    # --- reading -------------------------------------------------------------------------

    def get(self, kind: str, namespace: str | None, name: str) -> dict | None:
        return self._objects.get(kind, {}).get(_key(self._ns(kind, namespace), name))

    def get_raw(self, kind: str, namespace: str | None, name: str) -> bytes | None:
        return self._raw.get(kind, {}).get(_key(self._ns(kind, namespace), name))

    def list(self, kind: str, namespace: str | None = None) -> list[dict]:
        return [obj for obj, _ in self.list_raw(kind, namespace)]

    def list_raw(self, kind: str, namespace: str | None = None, *,
                 after: tuple[str, str] | None = None) -> list[tuple[dict, bytes]]:
        """(object, its JSON bytes) pairs in etcd key order: namespace, then name.

        `after` is a (namespace, name) key: only objects after it, for paged lists.
        """
        objects = self._objects.get(kind, {})
        raws = self._raw.get(kind, {})
        keys = self._sorted_keys(kind)
        lo, hi = 0, len(keys)
        if namespace and kind not in CLUSTER_SCOPED:
            lo = bisect.bisect_left(keys, (namespace, ""))
            hi = bisect.bisect_left(keys, (namespace + "\x00", ""))
        if after is not None:
            lo = max(lo, bisect.bisect_right(keys, after))
        return [(objects[k], raws[k]) for k in keys[lo:hi]]

    def _sorted_keys(self, kind: str) -> list[tuple[str, str]]:
        # Kept until a create or delete of that kind: updates never change the key set.
        keys = self._sorted.get(kind)
        if keys is None:
            keys = self._sorted[kind] = sorted(self._objects.get(kind, {}))
        return keys

    def count(self, kind: str) -> int:
        return len(self._objects.get(kind, {}))

    def kinds(self) -> list[str]:
        return list(self._objects)

    def dependents(self, owner_uid: str) -> list[tuple[str, dict]]:
        """(kind, object) for every object with an ownerReference to this uid."""
        found = []
        for kind, objects in self._objects.items():
            for obj in objects.values():
                for ref in obj["metadata"].get("ownerReferences") or ():
                    if ref.get("uid") == owner_uid:
                        found.append((kind, obj))
                        break
        return found

    # --- writing -------------------------------------------------------------------------

    def create(self, kind: str, obj: dict, *, dry_run: bool = False) -> dict:
        meta = dict(obj.get("metadata") or {})
        meta["namespace"] = self._ns(kind, meta.get("namespace"))
        if meta["namespace"] is None:
            meta.pop("namespace")
        objects = self._objects.setdefault(kind, {})
        if not meta.get("name"):
            prefix = meta.get("generateName")
            if not prefix:
                raise ValueError("name or generateName is required")
            while True:
                meta["name"] = prefix + "".join(self._rng.choice(_NAME_ALPHABET) for _ in range(5))
                if _key(meta.get("namespace"), meta["name"]) not in objects:
                    break
        key = _key(meta.get("namespace"), meta["name"])
        if key in objects:
            raise AlreadyExists(f'{kind} "{meta["name"]}" already exists')
        meta["uid"] = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        meta["creationTimestamp"] = format_time(self.clock.now())
        if "spec" in obj:
            # Controllers compare it with status.observedGeneration.
            meta["generation"] = 1
        meta.pop("deletionTimestamp", None)
        meta.pop("deletionGracePeriodSeconds", None)
        new = {**obj, "metadata": meta}
        if dry_run:
            meta["resourceVersion"] = str(self.resource_version)
            return loads(dumps(new))
        self.resource_version += 1
        meta["resourceVersion"] = str(self.resource_version)
        return self._commit(kind, key, new, "ADDED")

    def update(self, kind: str, obj: dict, *, check_rv: bool = False, dry_run: bool = False) -> dict:
        meta_in = obj.get("metadata") or {}
        namespace = self._ns(kind, meta_in.get("namespace"))
        key = _key(namespace, meta_in.get("name", ""))
        old = self._objects.get(kind, {}).get(key)
        if old is None:
            raise NotFound(f'{kind} "{meta_in.get("name")}" not found')
        old_meta = old["metadata"]
        if check_rv and meta_in.get("resourceVersion") and meta_in["resourceVersion"] != old_meta["resourceVersion"]:
            raise Conflict(
                f'Operation cannot be fulfilled on {kind} "{old_meta["name"]}": the object has been modified; '
                "please apply your changes to the latest version and try again"
            )
        meta = dict(meta_in)
        # Identity and bookkeeping belong to the store, whatever the caller sent.
        for field in ("uid", "creationTimestamp", "name"):
            meta[field] = old_meta[field]
        if namespace is not None:
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if "generation" in old_meta:
            meta["generation"] = old_meta["generation"]
            if self._spec_changed(kind, key, old, obj):
                meta["generation"] = old_meta["generation"] + 1
        meta["resourceVersion"] = old_meta["resourceVersion"]
        new = {**obj, "metadata": meta}
        if new == old:
            # An update that changes nothing is not a change: no new version, no event.
            return old
        if dry_run:
            return loads(dumps(new))
        self.resource_version += 1
        meta["resourceVersion"] = str(self.resource_version)
        return self._commit(kind, key, new, "MODIFIED")

    def delete(self, kind: str, namespace: str | None, name: str, *, dry_run: bool = False) -> dict:
        namespace = self._ns(kind, namespace)
        key = _key(namespace, name)
        objects = self._objects.get(kind, {})
        old = objects.get(key)
        if old is None:
            raise NotFound(f'{kind} "{name}" not found')
        if dry_run:
            return old
        del objects[key]
        del self._raw[kind][key]
        self._sorted[kind] = None
        self.resource_version += 1
        # The DELETED event carries the revision of the deletion, as etcd reports it.
        gone = {**old, "metadata": {**old["metadata"], "resourceVersion": str(self.resource_version)}}
        raw = dumps(gone)
        self._emit(WatchEvent(self.resource_version, kind, namespace, "DELETED", gone, raw))
        return gone

    def subscribe(self, callback: Callable[[str, str, dict], None]) -> None:
        """callback(kind, event_type, obj) runs synchronously after every change."""
        self._subscribers.append(callback)

    # --- watching ------------------------------------------------------------------------

    def add_watch_listener(self, listener: Callable[[WatchEvent], None]) -> None:
        self._watch_listeners.append(listener)

    def remove_watch_listener(self, listener: Callable[[WatchEvent], None]) -> None:
        try:
            self._watch_listeners.remove(listener)
        except ValueError:
            pass

    def events_since(self, rv: int) -> Iterator[WatchEvent]:
        """Retained changes with a resourceVersion above rv; Gone if some were dropped."""
        if rv < self.compacted_rv:
            raise Gone(f"too old resource version: {rv} ({self.compacted_rv + 1})")
        history = self._history
        if not history or history[-1].rv <= rv:
            return iter(())
        # Most resumes are recent: walk back from the newest event.
        start = len(history)
        while start > 0 and history[start - 1].rv > rv:
            start -= 1
        return (history[i] for i in range(start, len(history)))

    def compact(self) -> None:
        """Drop all watch history, as etcd compaction does: older resumes get 410 Gone."""
        self._history.clear()
        self.compacted_rv = self.resource_version

    # --- internals -----------------------------------------------------------------------

    def _ns(self, kind: str, namespace: str | None) -> str | None:
        if kind in CLUSTER_SCOPED:
            return None
        return namespace or "default"

    def _spec_changed(self, kind: str, key: tuple[str, str], old: dict, new: dict) -> bool:
        before, after = old.get("spec"), new.get("spec")
        # The same dict handed back (a status-only write built from the stored object) is no
        # change; the contract that stored dicts are never edited in place makes that safe.
        return before is not after and before != after

    def _commit(self, kind: str, key: tuple[str, str], new: dict, event_type: str) -> dict:
        # `new` is a fresh top-level dict with a fresh metadata dict; what it shares with the
        # caller is, by contract, not edited afterwards. Watches and reads use the bytes.
        raw = dumps(new)
        stored = new
        if event_type == "ADDED":
            self._sorted[kind] = None
        objects = self._objects.setdefault(kind, {})
        old = objects.get(key)
        objects[key] = stored
        self._raw.setdefault(kind, {})[key] = raw
        self._emit(WatchEvent(self.resource_version, kind, key[0] or None, event_type, stored, raw, old))
        return stored

    def _emit(self, event: WatchEvent) -> None:
        history = self._history
        history.append(event)
        if len(history) > self._history_limit:
            self.compacted_rv = history.popleft().rv
        for listener in list(self._watch_listeners):
            listener(event)
        for callback in list(self._subscribers):
            callback(event.kind, event.type, event.obj)
