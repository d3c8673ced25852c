"""A drill's own Slack, Statuspage, PagerDuty, webhook and SMTP endpoints on 127.0.0.1, so
`irtui demo` exercises the whole update and escalation flow and shows what was delivered.

`DemoReceivers` owns one HTTP server (aiohttp) and one small SMTP server (asyncio), both
answering as each service documents, and keeps every delivery as a `Delivery` (plain data,
shown by the demo's deliveries view). `notify_config(receivers)` is the `[notify]` section
that points the app at them; the "keys" it names are the demo's own environment variables,
set here, so the product's code path (keys by environment-variable reference) is the real one.

Kept out of `irtui.sim` on purpose: the simulator is a Kubernetes API server and imports
nothing of the app; these stand in for the services beyond the cluster.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default as email_policy
from typing import Any

from aiohttp import web

# The demo's stand-in secrets: harmless, but handled as real ones are (by variable name).
DEMO_ENV = {
    "IRTUI_DEMO_SLACK_INCIDENTS": "/slack/incidents/demo-webhook-token",
    "IRTUI_DEMO_SLACK_ONCALL": "/slack/oncall/demo-webhook-token",
    "IRTUI_DEMO_SLACK_WAR_ROOM": "/slack/war-room/demo-webhook-token",
    "IRTUI_DEMO_SLACK_BOT_TOKEN": "xoxb-demo-bot-token",
    "IRTUI_DEMO_STATUSPAGE_KEY": "demo-statuspage-key",
    "IRTUI_DEMO_PAGERDUTY_ROUTING_KEY": "demo-pagerduty-routing-key",
    "IRTUI_DEMO_PAGERDUTY_API_KEY": "demo-pagerduty-api-key",
    "IRTUI_DEMO_BANNER_URL": "/banner/demo-token",
}
MAX_KEPT = 500  # deliveries kept for the view; a drill sends a few dozen


@dataclass(frozen=True)
class Delivery:
    """One request a stand-in service received, summarised for the deliveries view."""

    at: float  # time.time()
    service: str  # "Slack #incidents", "Statuspage", "PagerDuty Events", "PagerDuty REST", "Email", "Webhook"
    what: str  # one line: the event, status or subject
    text: str = ""  # the body a person would read (the update's text), when there is one


class DemoReceivers:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.url = ""
        self.smtp_port = 0
        self._runner: web.AppRunner | None = None
        self._smtp: asyncio.AbstractServer | None = None
        self._statuspage: dict[str, dict[str, Any]] = {}
        self._channels: list[str] = []

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        self._smtp = await asyncio.start_server(self._smtp_session, "127.0.0.1", 0)
        self.smtp_port = self._smtp.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            await self._smtp.wait_closed()
        if self._runner is not None:
            await self._runner.cleanup()

    def set_environment(self) -> None:
        """The demo's key variables, URLs pointing here (this process only)."""
        for name, value in DEMO_ENV.items():
            os.environ[name] = self.url + value if value.startswith("/") else value

    def notify_config(self) -> dict[str, Any]:
        """The `[notify]` section a drill uses (unless the user's config has its own)."""
        return {
            "attempts": 3, "retry_base_seconds": 0.5, "retry_cap_seconds": 5,
            "slack": {"webhook_url_env": "IRTUI_DEMO_SLACK_INCIDENTS",
                      "channels": {"#oncall": "IRTUI_DEMO_SLACK_ONCALL",
                                   "#incident-<timestamp>": "IRTUI_DEMO_SLACK_WAR_ROOM"},
                      "bot_token_env": "IRTUI_DEMO_SLACK_BOT_TOKEN", "api_url": f"{self.url}/slack/api"},
            "statuspage": {"page_id": "demo", "api_key_env": "IRTUI_DEMO_STATUSPAGE_KEY", "base_url": self.url,
                           "components": {"api-gateway": "cmp-api", "task-service": "cmp-task",
                                          "emr-service": "cmp-emr", "sync-service": "cmp-sync",
                                          "handover-service": "cmp-handover"}},
            "pagerduty": {"routing_key_env": "IRTUI_DEMO_PAGERDUTY_ROUTING_KEY",
                          "events_url": f"{self.url}/pagerduty",
                          "api_key_env": "IRTUI_DEMO_PAGERDUTY_API_KEY", "from_email": "oncall@demo.invalid",
                          "api_url": f"{self.url}/pagerduty"},
            "email": {"host": "127.0.0.1", "port": self.smtp_port, "sender": "irtui@demo.invalid",
                      "recipients": ["admins@demo.invalid", "security@demo.invalid"]},
            "webhook": {"url_env": "IRTUI_DEMO_BANNER_URL"},
        }

    def _keep(self, service: str, what: str, text: str = "") -> None:
        self.deliveries.append(Delivery(time.time(), service, what, text))
        del self.deliveries[:-MAX_KEPT]

    # -- HTTP: Slack, Statuspage, PagerDuty, webhook -----------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        try:
            doc: Any = json.loads(body) if body else {}
        except ValueError:
            return web.json_response({"error": "invalid JSON"}, status=400)
        parts = request.path.strip("/").split("/")
        if parts[:3] == ["slack", "api", "conversations.create"]:
            name = str(doc.get("name", ""))
            if name in self._channels:
                return web.json_response({"ok": False, "error": "name_taken"})
            self._channels.append(name)
            self._keep("Slack Web API", f"channel #{name} created")
            return web.json_response({"ok": True, "channel": {"id": f"CDEMO{len(self._channels)}", "name": name}})
        if parts[0] == "slack" and len(parts) >= 2:
            text = str(doc.get("text", ""))
            self._keep(f"Slack #{parts[1]}", _first_line(text), text)
            return web.Response(text="ok")
        if parts[:2] == ["v1", "pages"] and len(parts) >= 4 and parts[3] == "incidents":
            return self._statuspage_api(request.method, parts[4:], doc)
        if parts[:3] == ["pagerduty", "v2", "enqueue"]:
            payload = doc.get("payload") or {}
            self._keep("PagerDuty Events", f"{doc.get('event_action')} {doc.get('dedup_key')}"
                       + (f": {payload.get('summary')}" if payload.get("summary") else ""))
            return web.json_response({"status": "success", "message": "Event processed",
                                      "dedup_key": doc.get("dedup_key")}, status=202)
        if parts[:2] == ["pagerduty", "incidents"] and len(parts) == 3 and request.method == "PUT":
            incident = doc.get("incident") or {}
            self._keep("PagerDuty REST", f"incident {parts[2]} {incident.get('status')} "
                       f"(From: {request.headers.get('From', '-')})", str(incident.get("resolution", "")))
            return web.json_response({"incident": {"id": parts[2], **incident}})
        if parts[0] == "banner":
            self._keep("Webhook", f"[{doc.get('severity')}] {doc.get('title')}: {doc.get('status')}",
                       str(doc.get("text", "")))
            return web.json_response({"ok": True})
        return web.json_response({"error": f"no such endpoint {request.path}"}, status=404)

    def _statuspage_api(self, method: str, rest: list[str], doc: Any) -> web.Response:
        if method == "GET" and rest == ["unresolved"]:
            return web.json_response([i for i in self._statuspage.values() if i.get("status") != "resolved"])
        fields = doc.get("incident") or {}
        if method == "POST" and not rest:
            incident = {**fields, "id": f"sp-demo-{len(self._statuspage) + 1}"}
            self._statuspage[incident["id"]] = incident
            self._keep("Statuspage", f"incident created: {fields.get('status')}, impact {fields.get('impact_override')}",
                       str(fields.get("body", "")))
            return web.json_response(incident, status=201)
        if method == "PATCH" and len(rest) == 1 and rest[0] in self._statuspage:
            self._statuspage[rest[0]].update(fields)
            self._keep("Statuspage", f"incident {rest[0]} updated: {fields.get('status')}", str(fields.get("body", "")))
            return web.json_response(self._statuspage[rest[0]])
        return web.json_response({"error": "not found"}, status=404)

    # -- SMTP ----------------------------------------------------------------------------------
    async def _smtp_session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Just enough SMTP (RFC 5321) for smtplib: HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""
        recipients: list[str] = []

        async def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        try:
            await reply("220 irtui-demo ESMTP")
            while True:
                line = (await reader.readline()).decode("utf-8", "replace").strip()
                if not line:
                    break
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    await reply("250-irtui-demo")
                    await reply("250 8BITMIME")
                elif verb in ("HELO", "MAIL", "RSET", "NOOP"):
                    if verb == "RSET":
                        recipients.clear()
                    await reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(line.split(":", 1)[-1].strip(" <>"))
                    await reply("250 OK")
                elif verb == "DATA":
                    await reply("354 end with <CRLF>.<CRLF>")
                    data = bytearray()
                    while True:
                        chunk = await reader.readline()
                        if chunk in (b".\r\n", b".\n", b""):
                            break
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    mail = message_from_bytes(bytes(data), policy=email_policy)
                    body = mail.get_body(("plain",)) if hasattr(mail, "get_body") else None
                    self._keep("Email", f"to {', '.join(recipients)}: {mail.get('Subject', '')}",
                               body.get_content() if body is not None else "")
                    recipients.clear()
                    await reply("250 OK: queued")
                elif verb == "QUIT":
                    await reply("221 bye")
                    break
                else:
                    await reply("502 command not implemented")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
