"""`[notify]` in config.toml: which channels can be reached and how, validated here.

Keys are named by environment variable (`webhook_url_env = "SLACK_WEBHOOK_URL"`), never
written in the file; base URLs can be pointed elsewhere (a drill, a test receiver).

    [notify]
    attempts = 4                       # tries per send before an update waits in the queue
    retry_base_seconds = 1             # capped, jittered exponential backoff
    retry_cap_seconds = 60
    timeout_seconds = 10

    [notify.slack]
    webhook_url_env = "SLACK_WEBHOOK_URL"            # the #incidents webhook
    channels = { "#oncall" = "SLACK_ONCALL_WEBHOOK_URL" }
    bot_token_env = "SLACK_BOT_TOKEN"                # Web API: creates #incident-<timestamp>
    api_url = "https://slack.com/api"

    [notify.statuspage]
    page_id = "abc123"
    api_key_env = "STATUSPAGE_API_KEY"
    base_url = "https://api.statuspage.io"
    components = { "api-gateway" = "cmp123" }         # irtui service = component id

    [notify.pagerduty]
    routing_key_env = "PAGERDUTY_ROUTING_KEY"        # Events API v2
    events_url = "https://events.pagerduty.com"
    api_key_env = "PAGERDUTY_API_KEY"                # REST API v2, with from_email
    from_email = "oncall@example.com"
    api_url = "https://api.pagerduty.com"

    [notify.email]
    host = "smtp.example.com"
    port = 587
    sender = "irtui@example.com"
    recipients = ["admins@example.com"]
    username = "irtui"
    password_env = "SMTP_PASSWORD"
    starttls = true

    [notify.webhook]                                 # SMS or in-app banner service
    url_env = "BANNER_WEBHOOK_URL"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from irtui.config import Config, Section
from irtui.notify.channel import Channel
from irtui.notify.pagerduty import EVENTS_URL, REST_URL, PagerDutyEvents, PagerDutyIncident
from irtui.notify.slack import SLACK_API, SlackWebApi, SlackWebhook
from irtui.notify.smtp import Email
from irtui.notify.statuspage import DEFAULT_API, Statuspage
from irtui.notify.webhook import Webhook
from irtui.safety import Guard

INCIDENTS = "#incidents"
STATUS_PAGE = "status_page"

# How to configure a channel the runbook names, for the "not configured" line.
_HINTS = {
    INCIDENTS: "set [notify.slack] webhook_url_env in config.toml",
    STATUS_PAGE: "set [notify.statuspage] page_id and api_key_env in config.toml",
    "email": "set [notify.email] host, sender and recipients in config.toml",
    "webhook": "set [notify.webhook] url_env in config.toml",
}


@dataclass
class NotifySettings:
    channels: dict[str, Channel] = field(default_factory=dict)
    attempts: int = 4
    retry_base: float = 1.0
    retry_cap: float = 60.0
    timeout: float = 10.0
    slack_api: SlackWebApi | None = None  # the war-room channel's creator, when a token is named

    @classmethod
    def load(cls, config: Config, guard: Guard | None = None) -> NotifySettings:
        """A bad value is a ConfigError naming file, line and key."""
        section = config.section("notify")
        section.reject_unknown({"attempts", "retry_base_seconds", "retry_cap_seconds", "timeout_seconds",
                                "slack", "statuspage", "pagerduty", "email", "webhook"})
        settings = cls(attempts=_positive(section, "attempts", int, 4),
                       retry_base=_positive(section, "retry_base_seconds", float, 1.0),
                       retry_cap=_positive(section, "retry_cap_seconds", float, 60.0),
                       timeout=_positive(section, "timeout_seconds", float, 10.0))
        for channel in [*_slack(section.section("slack")), *_statuspage(section.section("statuspage")),
                        *_pagerduty(section.section("pagerduty")), *_email(section.section("email"), guard),
                        *_webhook(section.section("webhook"))]:
            settings.channels[channel.name] = channel
        settings.slack_api = _slack_api(section.section("slack"))
        return settings

    def label(self, name: str) -> str:
        if name in self.channels:
            return self.channels[name].label
        return label_for(name)

    def not_configured(self, name: str) -> str:
        hint = _HINTS.get(name) or (f'set [notify.slack] channels = {{ "{name}" = "ENV_VAR" }} in config.toml'
                                    if name.startswith("#") else "no such channel in [notify]")
        return f"{self.label(name)}: not configured — {hint}"

    def targets(self, runbook: Any, severity: str) -> list[str]:
        """The runbook's channels for `severity` (its [communication] table), P0's customer
        notifications (email, banner/SMS webhook), then PagerDuty where it is configured."""
        rule = runbook.communication.rule(severity)
        names = list(rule.channels) if rule else []
        customers = getattr(runbook.communication, "customer_notifications", None) or {}
        if isinstance(customers, dict) and severity in customers.get("severities", ()):
            for method in customers.get("methods", ()):
                lowered = method.lower()
                name = "email" if "email" in lowered else "webhook" if ("banner" in lowered or "sms" in lowered) else None
                if name and name not in names:
                    names.append(name)
        for optional in ("pagerduty", "pagerduty_incident"):
            if optional in self.channels:
                names.append(optional)
        return names


def label_for(name: str) -> str:
    if name.startswith("#"):
        return f"Slack {name}"
    return {STATUS_PAGE: "Statuspage", "email": "Email", "webhook": "Webhook", "pagerduty": "PagerDuty",
            "pagerduty_incident": "PagerDuty incident"}.get(name, name)


Number = TypeVar("Number", int, float)


def _positive(section: Section, key: str, kind: type[Number], default: Number) -> Number:
    value = section.get(key, kind, default)
    if value <= 0:
        raise section.error(key, "must be greater than 0")
    return value


def _env_name(section: Section, key: str, required: bool = True) -> str:
    if not required and key not in section.data:
        return ""
    value = section.get(key, str)
    if not value.replace("_", "").isalnum() or value[0].isdigit():
        raise section.error(key, f"must name an environment variable (like SLACK_WEBHOOK_URL), not {value!r}: "
                                 "the secret itself never goes in the config file")
    return value


def _required(section: Section, key: str) -> Any:
    return section.get(key, str)


def _slack(section: Section) -> list[Channel]:
    if not section.data:
        return []
    section.reject_unknown({"webhook_url_env", "channels", "bot_token_env", "api_url"})
    out: list[Channel] = []
    if "webhook_url_env" in section.data:
        out.append(SlackWebhook(INCIDENTS, label_for(INCIDENTS), url_env=_env_name(section, "webhook_url_env")))
    others = section.section("channels")
    for name in others.keys():
        if not name.startswith("#"):
            raise others.error(name, "a Slack channel name starts with #")
        out.append(SlackWebhook(name, label_for(name), url_env=_env_name(others, name)))
    return out


def _slack_api(section: Section) -> SlackWebApi | None:
    if "bot_token_env" not in section.data:
        return None
    return SlackWebApi("slack_api", "Slack Web API", token_env=_env_name(section, "bot_token_env"),
                       base_url=section.get("api_url", str, SLACK_API))


def _statuspage(section: Section) -> list[Channel]:
    if not section.data:
        return []
    section.reject_unknown({"page_id", "api_key_env", "base_url", "components"})
    components = section.section("components")
    return [Statuspage(STATUS_PAGE, label_for(STATUS_PAGE), page_id=_required(section, "page_id"),
                       api_key_env=_env_name(section, "api_key_env"),
                       base_url=section.get("base_url", str, DEFAULT_API),
                       components={k: components.get(k, str) for k in components.keys()})]


def _pagerduty(section: Section) -> list[Channel]:
    if not section.data:
        return []
    section.reject_unknown({"routing_key_env", "events_url", "api_key_env", "from_email", "api_url"})
    out: list[Channel] = []
    if "routing_key_env" in section.data:
        out.append(PagerDutyEvents("pagerduty", label_for("pagerduty"),
                                   routing_key_env=_env_name(section, "routing_key_env"),
                                   base_url=section.get("events_url", str, EVENTS_URL)))
    if "api_key_env" in section.data:
        out.append(PagerDutyIncident("pagerduty_incident", label_for("pagerduty_incident"),
                                     api_key_env=_env_name(section, "api_key_env"),
                                     from_email=_required(section, "from_email"),
                                     base_url=section.get("api_url", str, REST_URL)))
    return out


def _email(section: Section, guard: Guard | None) -> list[Channel]:
    if not section.data:
        return []
    section.reject_unknown({"host", "port", "sender", "recipients", "username", "password_env", "starttls"})
    recipients = section.get("recipients", list)
    if not recipients or not all(isinstance(r, str) and "@" in r for r in recipients):
        raise section.error("recipients", "must be a list of email addresses")
    return [Email("email", label_for("email"), host=_required(section, "host"), port=section.get("port", int, 25),
                  sender=_required(section, "sender"), recipients=list(recipients),
                  username=section.get("username", str, ""), password_env=_env_name(section, "password_env", False),
                  starttls=section.get("starttls", bool, False), guard=guard or Guard())]


def _webhook(section: Section) -> list[Channel]:
    if not section.data:
        return []
    section.reject_unknown({"url_env"})
    return [Webhook("webhook", label_for("webhook"), url_env=_env_name(section, "url_env"))]
