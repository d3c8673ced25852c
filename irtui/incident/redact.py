"""Redaction: secrets never reach the timeline, the screen or a report.

Values of keys that name a credential are replaced, at any depth; so are bearer tokens and
`password=...`-style pairs inside free text (a pasted command line is a common leak).
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[REDACTED]"

_SECRET_KEY = re.compile(
    r"(pass(word|wd)?|secret|token|authorization|auth[_-]?header|api[_-]?key|apikey|private[_-]?key|"
    r"credential|cookie|session[_-]?id|client[_-]?secret|access[_-]?key)",
    re.IGNORECASE,
)
# key=value / key: value pairs in text, and Authorization: Bearer xxx
_TEXT_PAIR = re.compile(
    r"(?P<key>\b[\w.-]*(?:password|passwd|secret|token|api[_-]?key|apikey|client_secret)[\w.-]*)"
    r"(?P<sep>\s*[=:]\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s&\"',;]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]+):(?P<pw>[^@/\s]+)@", re.IGNORECASE)


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def redact_text(text: str) -> str:
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    # `$CLIENT_SECRET` is a reference, not a value: leave shell variables readable.
    return _TEXT_PAIR.sub(
        lambda m: m.group(0) if m["value"].startswith("$") else f"{m['key']}{m['sep']}{REDACTED}", text)


def redact(value: Any, key: str | None = None) -> Any:
    """A copy of `value` with secrets replaced; dict keys decide, strings are scanned."""
    if key is not None and is_secret_key(key) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, dict):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
