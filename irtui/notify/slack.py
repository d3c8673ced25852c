"""Slack incoming webhooks: one URL per channel, `POST {"text": ...}`, answered `ok`; and
the Web API's `conversations.create` (bearer token) for the incident's war-room channel.

Slack has no idempotency key for webhooks, so a request that may have arrived is never
sent again (the responder is told to check the channel instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from irtui.notify.channel import Channel, DeliveryError, Message, scrub, secret_from_env

if TYPE_CHECKING:
    import httpx


@dataclass
class SlackWebhook(Channel):
    url_env: str = ""

    async def deliver(self, message: Message, client: httpx.AsyncClient, previous: dict[str, Any]) -> dict[str, Any]:
        url = secret_from_env(self.url_env, f"{self.label} webhook URL")
        await self.post(client, "POST", url, json={"text": message.text})
        return {}


SLACK_API = "https://slack.com/api"


@dataclass
class SlackWebApi(Channel):
    """Slack's Web API with a bot token: creates the war-room channel `#incident-<timestamp>`."""

    token_env: str = ""
    base_url: str = SLACK_API

    async def deliver(self, message: Message, client: httpx.AsyncClient, previous: dict[str, Any]) -> dict[str, Any]:
        raise DeliveryError("the Web API posts no updates here (the webhooks do)", retry=False)

    async def create_channel(self, client: httpx.AsyncClient, name: str) -> dict[str, str]:
        """`POST conversations.create {"name": ...}`; Slack answers 200 with `ok: false` and
        an error code (`name_taken`, `invalid_auth`...) when it refuses."""
        token = secret_from_env(self.token_env, "Slack bot token")
        response = await self.post(client, "POST", f"{self.base_url.rstrip('/')}/conversations.create",
                                   headers={"Authorization": f"Bearer {token}"},
                                   json={"name": name, "is_private": False})
        try:
            data = response.json()
        except ValueError:
            raise DeliveryError("Slack answered conversations.create without JSON", retry=False) from None
        if not isinstance(data, dict) or not data.get("ok"):
            error = str(data.get("error") if isinstance(data, dict) else "") or "not ok"
            raise DeliveryError(f"Slack refused the channel: {scrub(' '.join(error.split()))[:200]}", retry=False)
        channel = data.get("channel") or {}
        return {"id": str(channel.get("id", "")), "name": str(channel.get("name", name))}
