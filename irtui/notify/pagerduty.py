"""PagerDuty: Events API v2 (`POST /v2/enqueue`: trigger, acknowledge, resolve with one
`dedup_key` per incident) and REST API v2 (`PUT /incidents/{id}` with the `From` header:
acknowledge or resolve a PagerDuty incident that paged us, its id captured at declaration).

Both are safe to resend: PagerDuty folds events with the same `dedup_key` into one alert,
and setting an incident's status twice is the same as once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from irtui.notify.channel import Channel, DeliveryError, Message, secret_from_env

if TYPE_CHECKING:
    import httpx

EVENTS_URL = "https://events.pagerduty.com"
REST_URL = "https://api.pagerduty.com"
SEVERITY = {"P0": "critical", "P1": "error", "P2": "warning", "P3": "info"}


def event_action(status: str, previous: dict[str, Any]) -> str:
    """Resolved resolves; a first event triggers; later ones acknowledge (someone is on it)."""
    if status == "Resolved":
        return "resolve"
    return "acknowledge" if previous.get("dedup_key") else "trigger"


@dataclass
class PagerDutyEvents(Channel):
    routing_key_env: str = ""
    base_url: str = EVENTS_URL
    source: str = "irtui"
    idempotent: ClassVar[bool] = True

    async def deliver(self, message: Message, client: httpx.AsyncClient, previous: dict[str, Any]) -> dict[str, Any]:
        key = secret_from_env(self.routing_key_env, "PagerDuty routing key")
        dedup_key = previous.get("dedup_key") or f"irtui-{message.incident_id}"
        action = event_action(message.status, previous)
        body: dict[str, Any] = {"routing_key": key, "event_action": action, "dedup_key": dedup_key}
        if action == "trigger":
            body["payload"] = {"summary": (f"[{message.severity}] {message.title}".strip())[:1024],
                               "source": self.source, "severity": SEVERITY.get(message.severity, "error"),
                               "custom_details": {"incident_id": message.incident_id, "update": message.text,
                                                  "services": list(message.services)}}
        response = await self.post(client, "POST", f"{self.base_url.rstrip('/')}/v2/enqueue", json=body)
        try:
            dedup_key = response.json().get("dedup_key") or dedup_key
        except (ValueError, AttributeError):
            pass
        return {"dedup_key": dedup_key, "event_action": action}

    async def page(self, client: httpx.AsyncClient, dedup_key: str, summary: str, severity: str,
                   details: dict[str, Any]) -> str:
        """Trigger an alert of its own (an escalation's page to the next person); its dedup_key."""
        key = secret_from_env(self.routing_key_env, "PagerDuty routing key")
        body = {"routing_key": key, "event_action": "trigger", "dedup_key": dedup_key,
                "payload": {"summary": summary[:1024], "source": self.source,
                            "severity": SEVERITY.get(severity, "critical"), "custom_details": details}}
        await self.post(client, "POST", f"{self.base_url.rstrip('/')}/v2/enqueue", json=body)
        return dedup_key


@dataclass
class PagerDutyIncident(Channel):
    """Acknowledges, then resolves, the PagerDuty incident recorded at declaration
    (`pagerduty_incident_id` in the declared entry's details)."""

    api_key_env: str = ""
    from_email: str = ""
    base_url: str = REST_URL
    idempotent: ClassVar[bool] = True

    async def deliver(self, message: Message, client: httpx.AsyncClient, previous: dict[str, Any]) -> dict[str, Any]:
        incident = previous.get("pagerduty_incident_id")
        if not incident:
            raise DeliveryError("no PagerDuty incident id was recorded at declaration", retry=False)
        status = "resolved" if message.status == "Resolved" else "acknowledged"
        await self.set_status(client, incident, status, message.text)
        return {"pagerduty_incident_id": incident, "status": status}

    async def set_status(self, client: httpx.AsyncClient, incident: str, status: str, resolution: str = "") -> None:
        """`PUT /incidents/{id}`: acknowledge or resolve (with its resolution note), as the
        runbook's `pagerduty acknowledge <id>` / `pagerduty resolve <id> --message ...`."""
        key = secret_from_env(self.api_key_env, "PagerDuty API key")
        body: dict[str, Any] = {"type": "incident_reference", "status": status}
        if status == "resolved" and resolution:
            body["resolution"] = resolution
        headers = {"Authorization": f"Token token={key}", "From": self.from_email,
                   "Accept": "application/vnd.pagerduty+json;version=2"}
        await self.post(client, "PUT", f"{self.base_url.rstrip('/')}/incidents/{incident}", headers=headers,
                        json={"incident": body})
