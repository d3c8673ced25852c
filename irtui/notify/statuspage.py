"""Atlassian Statuspage: the first update of an incident creates a Statuspage incident
(`POST /v1/pages/{page_id}/incidents`), later ones update it (`PATCH .../incidents/{id}`).

The Statuspage incident id is returned as a remote id, so it is recorded on the timeline
and a second responder, or this one after a restart, updates the same incident. A create
is sent again only when it is known not to have happened: before creating, the page's
unresolved incidents are read and one carrying this incident's id in its metadata is
adopted instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irtui.notify.channel import Channel, DeliveryError, Message, secret_from_env

if TYPE_CHECKING:
    import httpx

DEFAULT_API = "https://api.statuspage.io"

# irtui's status -> Statuspage's incident status.
STATUS = {"Investigating": "investigating", "Identified": "identified", "Fixing": "identified",
          "Monitoring": "monitoring", "Resolved": "resolved"}
# Severity -> the incident's impact and the affected components' status.
IMPACT = {"P0": "critical", "P1": "major", "P2": "minor", "P3": "none"}
COMPONENT_STATUS = {"P0": "major_outage", "P1": "partial_outage", "P2": "degraded_performance",
                    "P3": "degraded_performance"}


@dataclass
class Statuspage(Channel):
    page_id: str = ""
    api_key_env: str = ""
    base_url: str = DEFAULT_API
    components: dict[str, str] = field(default_factory=dict)  # irtui service -> component id

    async def deliver(self, message: Message, client: httpx.AsyncClient, previous: dict[str, Any]) -> dict[str, Any]:
        key = secret_from_env(self.api_key_env, "Statuspage API key")
        headers = {"Authorization": f"OAuth {key}"}
        incidents = f"{self.base_url.rstrip('/')}/v1/pages/{self.page_id}/incidents"
        existing = previous.get("statuspage_incident_id") or await self._find(client, incidents, headers, message)
        if existing:
            await self.post(client, "PATCH", f"{incidents}/{existing}", headers=headers,
                            json={"incident": self.fields(message)})
            return {"statuspage_incident_id": existing}
        try:
            response = await self.post(client, "POST", incidents, headers=headers,
                                       json={"incident": {"name": message.title or message.incident_id,
                                                          **self.fields(message),
                                                          "metadata": {"irtui": {"incident_id": message.incident_id}}}})
        except DeliveryError as exc:
            if exc.unknown:
                # The next attempt looks for it before creating: safe to try again.
                raise DeliveryError(exc.reason.split(":")[0], retry=True) from None
            raise
        try:
            created = response.json()["id"]
        except (ValueError, KeyError, TypeError):
            raise DeliveryError("Statuspage answered without an incident id", retry=False, unknown=True) from None
        return {"statuspage_incident_id": str(created)}

    def fields(self, message: Message) -> dict[str, Any]:
        status = STATUS.get(message.status, "investigating")
        component_status = "operational" if status == "resolved" else COMPONENT_STATUS.get(message.severity,
                                                                                          "major_outage")
        ids = [self.components[s] for s in message.services if s in self.components]
        fields: dict[str, Any] = {"status": status, "body": message.text,
                                  "impact_override": IMPACT.get(message.severity, "major")}
        if ids:
            fields["component_ids"] = ids
            fields["components"] = {component: component_status for component in ids}
        return fields

    async def _find(self, client: httpx.AsyncClient, incidents: str, headers: dict[str, str],
                    message: Message) -> str | None:
        """The unresolved Statuspage incident an earlier, unanswered create made, if any."""
        response = await self.post(client, "GET", f"{incidents}/unresolved", headers=headers)
        try:
            listed = response.json()
        except ValueError:
            return None
        for incident in listed if isinstance(listed, list) else []:
            meta = (incident.get("metadata") or {}).get("irtui") or {}
            if meta.get("incident_id") == message.incident_id:
                return str(incident.get("id"))
        return None
