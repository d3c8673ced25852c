"""Notify fixtures: the HTTP receiver, an SMTP receiver, an incident session on SQLite, and
the environment variables that hold the (test) secrets."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from irtui.incident.session import IncidentSession
from irtui.incident.stores import open_store

from notify_helpers import SECRETS
from receiver import Receiver


@pytest.fixture
async def receiver():
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


class Mailbox(MessageHandler):
    """Keeps what it accepts; `replies` scripts the next answers to DATA (e.g. "451 ...")."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []
        self.replies: list[str] = []
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.attempts += 1
        if self.replies:
            return self.replies.pop(0)
        return await super().handle_DATA(server, session, envelope)

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
