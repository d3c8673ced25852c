"""A generic webhook (an SMS gateway, an in-app banner service): `POST` of the update as JSON.

Each request carries `Idempotency-Key: <update id>` so a receiver can drop a second copy,
which is what makes resending after an unanswered request safe here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from irtui.notify.channel import Channel, Message, secret_from_env

if TYPE_CHECKING:
    import httpx


@dataclass
class Webhook(Channel):
    url_env: str = ""
    idempotent: ClassVar[bool] = True

    async def deliver(self, message: Message, client: httpx.AsyncClient, previous: dict[str, Any]) -> dict[str, Any]:
        url = secret_from_env(self.url_env, f"{self.label} URL")
        body = {"incident_id": message.incident_id, "title": message.title, "severity": message.severity,
                "status": message.status, "services": list(message.services), "text": message.text,
                "update_id": message.update_id}
        await self.post(client, "POST", url, json=body, headers={"Idempotency-Key": message.update_id})
        return {}
