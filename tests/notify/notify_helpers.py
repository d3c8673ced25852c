"""Helpers for the notify tests: the secret environment's values and a config.toml that
names them and points every service at the receiver."""

from __future__ import annotations

from pathlib import Path

from irtui.config import Config

from receiver import Receiver

# Values only the environment holds; none may reach the timeline, a report or the log.
SECRETS = {
    "SLACK_WEBHOOK_URL": "/services/T0SECRET/B0SECRET/xoxSlackSecretToken42",
    "STATUSPAGE_API_KEY": "sp-api-key-0123456789abcdef",
    "PAGERDUTY_ROUTING_KEY": "R0UT1NGKEY0123456789abcdefghij",
    "PAGERDUTY_API_KEY": "pd-rest-token-9876543210",
    "BANNER_WEBHOOK_URL": "/hooks/banner-secret-path-5555",
    "SLACK_BOT_TOKEN": "xoxb-slack-bot-token-31415926",
}


def notify_config(tmp_path: Path, receiver: Receiver, extra: str = "", *, attempts: int = 4,
                  timeout: float = 10.0) -> Config:
    """A config.toml naming the secrets' variables and pointing every service at `receiver`."""
    path = tmp_path / "config.toml"
    path.write_text(f"""
[notify]
attempts = {attempts}
timeout_seconds = {timeout}
retry_base_seconds = 0.05
retry_cap_seconds = 0.2

[notify.slack]
webhook_url_env = "SLACK_WEBHOOK_URL"
bot_token_env = "SLACK_BOT_TOKEN"
api_url = "{receiver.url}/api"

[notify.statuspage]
page_id = "pg1"
api_key_env = "STATUSPAGE_API_KEY"
base_url = "{receiver.url}"
components = {{ "emr-service" = "cmpEMR", "task-service" = "cmpTASK" }}

[notify.pagerduty]
routing_key_env = "PAGERDUTY_ROUTING_KEY"
events_url = "{receiver.url}"
api_key_env = "PAGERDUTY_API_KEY"
from_email = "oncall@example.com"
api_url = "{receiver.url}"

[notify.webhook]
url_env = "BANNER_WEBHOOK_URL"
{extra}
""")
    return Config.load(path)
