"""The delivery queue: every (update, channel) not yet delivered, in a small SQLite file in
the data directory, readable by its owner only (0600).

Why a local file and not the timeline: an update is sent by the terminal that composed it,
and only by that one. Slack and email have no idempotency, so if every responder's irtui
retried what the shared timeline shows as queued, a recovering Slack would get one copy
per responder. The timeline still shows each queued or failed delivery (as its own entry);
this file is the sender's durable to-do list, written before the first attempt, so a crash
or a restart loses nothing.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from irtui.incident.sqlite_store import connect_durable
from irtui.notify import sql
from irtui.notify.channel import Message


@dataclass
class Pending:
    """One delivery waiting: `queued` once the timeline has said so."""

    id: str
    channel: str
    message: Message
    attempts: int = 0
    due: float = 0.0
    last_error: str = ""
    queued: bool = False


class DeliveryQueue:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Created private, before SQLite opens it: update text can be sensitive.
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self._lock = threading.Lock()
        self._conn = connect_durable(self.path)
        self._conn.executescript(sql.load("queue_schema"))
        for suffix in ("", "-wal", "-shm"):
            private = Path(f"{self.path}{suffix}")
            if private.exists():
                private.chmod(0o600)

    def put(self, channel: str, message: Message, due: float) -> Pending:
        """Durable when it returns."""
        item = Pending(f"{message.update_id}:{channel}", channel, message, due=due)
        with self._lock:
            self._conn.execute(sql.load("queue_put"), (item.id, message.incident_id, channel,
                                                       json.dumps(asdict(message)), due))
        return item

    def all(self) -> list[Pending]:
        with self._lock:
            rows = self._conn.execute(sql.load("queue_all")).fetchall()
        out = []
        for id_, _incident, channel, message, attempts, due, last_error, queued in rows:
            fields = json.loads(message)
            fields["services"] = tuple(fields.get("services", ()))
            out.append(Pending(id_, channel, Message(**fields), attempts, due, last_error, bool(queued)))
        return out

    def reschedule(self, item: Pending) -> None:
        with self._lock:
            self._conn.execute(sql.load("queue_reschedule"),
                               (item.attempts, item.due, item.last_error, int(item.queued), item.id))

    def delete(self, item: Pending) -> None:
        with self._lock:
            self._conn.execute(sql.load("queue_delete"), (item.id,))

    def __len__(self) -> int:
        return len(self.all())

    def close(self) -> None:
        self._conn.close()
