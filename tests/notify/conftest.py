"""Notify fixtures: the HTTP receiver, an SMTP receiver, an incident session on SQLite, and
the environment variables that hold the (test) secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from receiver import Receiver
from irtui.config import Config
from irtui.incident.model import Actor
from irtui.incident.session import IncidentSession
from irtui.incident.store import open_store

# Values only the environment holds; none may reach the timeline, a report or the log.
SECRETS = {
    "SLACK_WEBHOOK_URL": "/services/T0SECRET/B0SECRET/xoxSlackSecretToken42",
    "STATUSPAGE_API_KEY": "sp-api-key-0123456789abcdef",
    "PAGERDUTY_ROUTING_KEY": "R0UT1NGKEY0123456789abcdefghij",
    "PAGERDUTY_API_KEY": "pd-rest-token-9876543210",
    "BANNER_WEBHOOK_URL": "/hooks/banner-secret-path-5555",
}


@pytest.fixture
async def receiver():
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


class Mailbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_server():
    import socket

    # aiosmtpd checks it is up by connecting to the port it was given: 0 will not do.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    yield mailbox
    controller.stop()


@pytest.fixture
def secrets(monkeypatch, receiver) -> dict[str, str]:
    """The secret environment; URL secrets point at the receiver."""
    values = {name: (receiver.url + value if value.startswith("/") else value) for name, value in SECRETS.items()}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


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


@pytest.fixture
def actor() -> Actor:
    return Actor("alice", "bastion-1", "system:admin")


@pytest.fixture
async def store(tmp_path):
    s = open_store(tmp_path / "incidents.sqlite")
    await s.open()
    yield s
    await s.close()


@pytest.fixture
async def session(store, actor):
    s = IncidentSession(store, actor)
    await s.start()
    yield s
    await s.stop()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
