"""Email over SMTP (stdlib `smtplib`, in a thread): the security team for a breach, the
registered admins for a P0's customer notification. Server and recipients from config; the
password, when there is one, from the environment variable config names.

SMTP has no idempotency: once the server has the message data, a lost reply is reported as
"may have been delivered", not resent.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any

from irtui.notify.channel import Channel, DeliveryError, Message, scrub, secret_from_env
from irtui.safety import Guard

if TYPE_CHECKING:
    import httpx


@dataclass
class Email(Channel):
    host: str = "localhost"
    port: int = 25
    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    username: str = ""
    password_env: str = ""
    starttls: bool = False
    timeout: float = 20.0
    guard: Guard = field(default_factory=Guard)

    async def deliver(self, message: Message, client: httpx.AsyncClient, previous: dict[str, Any]) -> dict[str, Any]:
        # Not HTTP, so not through the guarded client: the same guard, asked directly.
        from irtui.safety import ReadOnlyError

        try:
            self.guard.check(f"email to {', '.join(self.recipients)}")
        except ReadOnlyError:
            raise DeliveryError("read-only terminal: nothing is sent from here", retry=False) from None
        password = secret_from_env(self.password_env, "SMTP password") if self.password_env else ""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail["Subject"] = f"[{message.severity}] {message.title} ({message.incident_id}): {message.status}"
        mail["Message-ID"] = make_msgid(idstring=message.update_id, domain="irtui")
        mail["X-Irtui-Update-Id"] = message.update_id
        mail.set_content(message.text)
        message_id = await asyncio.to_thread(self._send, mail, password)
        return {"message_id": message_id} if message_id else {}

    def _send(self, mail: EmailMessage, password: str) -> str:
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except OSError as exc:
            raise DeliveryError(f"cannot connect to SMTP {self.host}:{self.port}: {scrub(str(exc))}",
                                retry=True) from None
        try:
            with smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, password)
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"SMTP refused every recipient: {', '.join(exc.recipients)}", retry=False) from None
        except smtplib.SMTPResponseException as exc:
            reason = f"SMTP {exc.smtp_code}: {scrub(_text(exc.smtp_error))}"
            raise DeliveryError(reason, retry=400 <= exc.smtp_code < 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP connection lost ({type(exc).__name__}): may have been delivered, "
                                f"check {self.label}", retry=False, unknown=True) from None
        if refused:
            raise DeliveryError(f"SMTP refused: {', '.join(refused)}", retry=False)
        return str(mail.get("Message-ID") or "")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
