"""The one interface every destination implements, and how a failed attempt is classified.

A `Channel` takes a rendered `Message` and delivers it, returning the remote ids worth
keeping (a Statuspage incident id, a PagerDuty dedup_key). When it cannot, it raises
`DeliveryError` saying whether trying again is safe: `retry` (nothing happened, or the
service deduplicates), `after` (the service asked for a pause: 429 `Retry-After`), or
neither (the request was refused, or it may have been delivered and a second copy would
be a duplicate).
"""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass, fields
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar

from irtui.redact import redact_text
from irtui.safety import ReadOnlyError

if TYPE_CHECKING:  # httpx costs ~0.3 s to import: not before the first update is sent
    import httpx


@dataclass(frozen=True)
class Message:
    """One status update as every channel sees it; `text` is already redacted."""

    update_id: str
    incident_id: str
    text: str
    title: str = ""
    severity: str = ""
    status: str = ""
    services: tuple[str, ...] = ()


class DeliveryError(Exception):
    """An attempt that did not deliver. `reason` is one line, safe to show and record."""

    def __init__(self, reason: str, *, retry: bool, after: float | None = None, unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.after = after        # seconds the service asked us to wait (Retry-After)
        self.unknown = unknown    # it may have been delivered: not resent, the responder checks


class NotConfigured(Exception):
    """The channel is named by the runbook but config does not say how to reach it."""


@dataclass
class Channel(abc.ABC):
    """A destination. `name` is the runbook's (`#incidents`, `status_page`, `email`...)."""

    name: str
    label: str
    # Whether a request that may have arrived can be sent again without a second copy.
    idempotent: ClassVar[bool] = False

    def remember_secrets(self) -> None:
        """Register the values of the variables this channel names (its `*_env` fields), so
        they are scrubbed even from text a responder pasted before anything was sent."""
        for spec in fields(self):
            variable = getattr(self, spec.name)
            if spec.name.endswith("_env") and variable and os.environ.get(variable):
                register_secret(os.environ[variable])

    @abc.abstractmethod
    async def deliver(self, message: Message, client: httpx.AsyncClient, previous: dict[str, Any]) -> dict[str, Any]:
        """Deliver `message`; `previous` holds the remote ids recorded by the last delivery of
        this incident to this channel. Returns the remote ids to record."""

    async def post(self, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP request, with its failure classified for this channel."""
        import httpx

        # Transport failures where the request never left: always safe to send again.
        not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
        try:
            response = await client.request(method, url, **kwargs)
        except ReadOnlyError:
            raise DeliveryError("read-only terminal: nothing is sent from here", retry=False) from None
        except not_sent as exc:
            raise DeliveryError(f"cannot connect: {_one_line(exc)}", retry=True) from None
        except httpx.HTTPError as exc:
            # Sent, and no answer: it may have arrived.
            reason = f"no answer ({type(exc).__name__})"
            if self.idempotent:
                raise DeliveryError(reason, retry=True) from None
            raise DeliveryError(f"{reason}: may have been delivered, check {self.label}", retry=False,
                                unknown=True) from None
        check_response(response)
        return response


def check_response(response: httpx.Response) -> None:
    """Raise `DeliveryError` for a non-2xx answer: 429 and 5xx retried, other 4xx refused."""
    status = response.status_code
    if 200 <= status < 300:
        return
    reason = f"HTTP {status}" + (f": {_body_reason(response)}" if response.content else "")
    if status == 429:
        raise DeliveryError(reason, retry=True, after=retry_after(response))
    if status >= 500 or status == 408:
        raise DeliveryError(reason, retry=True, after=retry_after(response))
    raise DeliveryError(reason, retry=False)


def retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (delta-seconds or an HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime, timezone

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


def secret_from_env(variable: str, what: str) -> str:
    """The secret held in `$variable`, read when it is needed and never kept."""
    value = os.environ.get(variable, "")
    if not value:
        raise DeliveryError(f"{what}: ${variable} is not set", retry=False)
    register_secret(value)
    return value


_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret's value so `scrub` removes it from anything shown or written."""
    if len(value) >= 6:
        _SECRETS.add(value)


def scrub(text: str) -> str:
    """`text` with every known secret value and credential-shaped pair replaced."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "[REDACTED]")
    return redact_text(text)


def _body_reason(response: httpx.Response) -> str:
    """The service's own words, short: Slack answers `invalid_payload`, others JSON errors."""
    try:
        data = response.json()
    except ValueError:
        text = response.text
    else:
        text = str(_error_text(data))
    return scrub(_one_line_text(text))[:200]


def _error_text(data: Any) -> Any:
    if isinstance(data, dict):
        for key in ("error", "errors", "message", "status"):
            if key in data and data[key]:
                value = data[key]
                if isinstance(value, dict):
                    return value.get("message") or value
                if isinstance(value, list):
                    return "; ".join(map(str, value))
                return value
    return data


def _one_line(exc: BaseException) -> str:
    return scrub(_one_line_text(str(exc))) or type(exc).__name__


def _one_line_text(text: str) -> str:
    return " ".join(text.split())
