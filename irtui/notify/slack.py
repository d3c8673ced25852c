"""Slack incoming webhooks: one URL per channel, `POST {"text": ...}`, answered `ok`.

Slack has no idempotency key for webhooks, so a request that may have arrived is never
sent again (the responder is told to check the channel instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from irtui.notify.channel import Channel, Message, secret_from_env

if TYPE_CHECKING:
    import httpx


@dataclass
class SlackWebhook(Channel):
    url_env: str = ""

    async def deliver(self, message: Message, client: httpx.AsyncClient, previous: dict[str, Any]) -> dict[str, Any]:
        url = secret_from_env(self.url_env, f"{self.label} webhook URL")
        await self.post(client, "POST", url, json={"text": message.text})
        return {}
