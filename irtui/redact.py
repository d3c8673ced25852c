"""The redaction policy: what counts as a secret, and how it is hidden, everywhere in irtui.

One policy serves every place text leaves the cluster or the responder's keyboard: the
timeline (`irtui.incident.store.make_entry` is its one door, so reports inherit it), the
describe screens, the env actions' confirmation and record, forensics bundles and irtui's
own log records (`RedactingFilter`). It hides:

- values of names that say "credential": an env var, a setting, a header or a dict key
  containing PASS, SECRET, TOKEN, KEY, CREDENTIAL, COOKIE, AUTHORIZATION... (`is_secret_name`);
  a name ending in NAME, REF, FILE, PATH or DIR points at a secret and is kept readable;
- `NAME=value` and `NAME: value` pairs in free text (JSON members included) by the same names;
- passwords in URLs (`postgres://user:pw@host`);
- command-line arguments: `--password x`, `--password=x`, `--token x`, `--client-secret x`,
  `curl -u user:pw`, and `-p` where it means a password (`mysql -pSECRET`, `sshpass -p x`);
- PEM blocks that hold key material (`-----BEGIN ... PRIVATE KEY-----` to its END);
- `Bearer`/`Basic` credentials;
- patient identifiers (`PATIENT_PATTERNS`, replaced by `[redaction] patient_patterns`):
  medical record numbers, US social security numbers, dates of birth, the name after
  "patient", patient ids;
- the regular expressions of the config's `[redaction] patterns` (`configure`).

Text that comes from the cluster (log lines, event messages) and anything a wall display
shows also loses what identifies a person to a passer-by: e-mail addresses and phone
numbers (`PERSONAL_PATTERNS`, replaced by `[redaction] personal_patterns`), through
`redact_foreign`. They are not hidden from the timeline itself, where the escalation
contacts' addresses belong.

References stay readable (`$DB_PASSWORD`, `<set from secretKeyRef>`). One search of a
lowercased copy decides whether any built-in rule can apply, and each rule runs only when
its own words are present, so an ordinary log line costs little (benchmarks/redact_bench.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from irtui.config import Config, Section

REDACTED = "[REDACTED]"

# A name holding one of these (case and `_-.` ignored) names a credential.
_SECRET_WORDS = re.compile(r"pass|pwd|secret|token|key|credential|cookie|authorization|authheader|sessionid")
# ...unless it names where the credential lives rather than the credential itself.
_POINTER_SUFFIXES = ("name", "names", "ref", "refs", "file", "path", "dir")
# The shell's working directories, not passwords; keys that identify a record rather than
# authenticate anyone (PagerDuty folds events by their dedup_key, which the record must keep).
_NOT_SECRET = frozenset({"pwd", "oldpwd", "dedupkey", "idempotencykey", "sortkey", "primarykey", "foreignkey",
                         "partitionkey", "keyid"})
# Dict keys that are structure, not values: an observation's "key", a ConfigMap key's name.
_STRUCTURAL = frozenset({"key", "keys"})

_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Searched in an ASCII-lowercased copy: re.IGNORECASE costs ten times more on every line.
_TRIGGER = re.compile(r"pass|pwd|secret|token|key|credential|cookie|authori[sz]ation|auth[_-]?header|session[_-]?id")
_VALUE = r"(?P<value>\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s&\"',;}\])]+)"
# After a name holding a trigger: NAME=value, NAME: value, "NAME": "value"...
_AFTER_PAIR = re.compile(r"[\"']?[ \t]*[=:][ \t]*" + _VALUE)
# ...or, after --a-flag, its space-separated value (--password=x is a pair).
_AFTER_FLAG = re.compile(r"[ \t]+(?P<value>\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s\"'-][^\s\"']*)")
# -p is a password only for these tools (psql's -p is a port): mysql -pSECRET, sshpass -p SECRET.
_MYSQL_P = re.compile(r"(?P<cmd>\b(?:mysql\w*|mariadb\w*)\b[^\n|;&]*?(?<!\S)-p)(?P<value>[^\s\"']+|\"[^\"\n]*\"|'[^'\n]*')")
_SSHPASS_P = re.compile(r"(?P<cmd>\bsshpass\s+-p[ \t]*)(?P<value>[^\s\"']+|\"[^\"\n]*\"|'[^'\n]*')")
_REDIS_A = re.compile(r"(?P<cmd>\bredis-cli\b[^\n|;&]*?(?<!\S)(?:-a|--pass)[ \t]+)(?P<value>[^\s\"']+|\"[^\"\n]*\"|'[^'\n]*')")
_CURL_USER = re.compile(r"(?P<cmd>(?<!\S)(?:-u|--user)[ \t]*[\"']?[^\s:\"']*:)(?P<value>[^\s\"']+)")
_URL_PASSWORD = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.IGNORECASE)
_AUTH_SCHEME = re.compile(r"\b(?P<scheme>Bearer|Basic)(?P<sep>\s+)(?P<value>[A-Za-z0-9._~+/-]+=*)", re.IGNORECASE)
# A block whose type holds key material; unterminated (a cut log line): up to the base64's end.
_PEM = re.compile(
    r"-----BEGIN (?P<type>[A-Z0-9 ]*(?:PRIVATE KEY|SECRET)[A-Z0-9 ]*)-----"
    r"(?:[\s\S]*?-----END (?P=type)-----|[A-Za-z0-9+/=\s\\:,-]*)",
)
# One scan (of the lowercased copy) decides whether any rule can apply at all.
_ANY = re.compile(_TRIGGER.pattern + r"|://|-----begin|bearer|basic|mysql|mariadb|redis-cli|-u|--user")


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def is_secret_name(name: str) -> bool:
    """True when a value under `name` (an env var, a setting, a header) is a credential."""
    normal = _normal(name)
    if not normal or normal in _NOT_SECRET or not _SECRET_WORDS.search(normal):
        return False
    return not normal.endswith(_POINTER_SUFFIXES)


def _is_reference(value: str) -> bool:
    """Values that point at a secret without holding it, placeholders, or values already hidden."""
    bare = value.strip("\"'")
    return (not bare or bare.startswith(("$", "<", REDACTED, "-----")) or bare.lower() in ("bearer", "basic")
            or bare.lower() in ("true", "false", "null", "none"))


def _is_credential(word: str) -> bool:
    """After `Bearer`/`Basic`: a token (digits, base64 or JWT punctuation, or long), not prose
    such as "Basic auth failed"."""
    return not _is_reference(word) and (len(word) >= 16 or bool(re.search(r"[0-9._~+/=-]|.[A-Z]", word)))


def _quoted(value: str) -> str:
    return f"{value[0]}{REDACTED}{value[0]}" if value[:1] in ("\"", "'") and len(value) > 1 else REDACTED


# Patient identifiers an EMR platform's logs are known to leak, hidden everywhere (screen,
# timeline, report, irtui's log). Each needs its context word, so ordinary numbers, ids and
# timestamps stay readable; a group, when there is one, is what gets hidden.
PATIENT_PATTERNS: dict[str, str] = {
    # "MRN 00123456", "mrn=A1234567", "medical record number: 123-45-678"
    "mrn": r"(?i:\b(?:mrn|medical[ _-]?record[ _-]?(?:number|no|num|id))\b)[\"']?\s*[:=#]?\s*[\"']?([A-Za-z0-9][A-Za-z0-9-]{3,})",
    # US social security numbers: 123-45-6789 (not 000, 666 or 9xx in the first group)
    "ssn": r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b",
    # "dob: 1961-03-04", "date of birth 04/03/1961", "birthDate":"1961-03-04"
    "date_of_birth": r"(?i:\b(?:dob|date[ _-]?of[ _-]?birth|birth[ _-]?date)\b)[\"']?\s*[:=]?\s*[\"']?"
                     r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})",
    # "patient John Smith", "Patient: O'Brien, Mary", "patient_name=Jane" (capitalised words)
    "patient_name": r"(?i:\bpatient(?:[ _-]?name)?\b)[\"']?\s*[:=]?\s*[\"']?"
                    r"([A-Z][a-z'-]+(?:,?[ ][A-Z][a-z'-]+){0,2})",
    # "patient_id=84412", "patientId: P-0042", "Patient/12345" (a FHIR reference)
    "patient_id": r"(?i:\bpatient(?:[ _-]?id|/))[\"']?\s*[:=]?\s*[\"']?([A-Za-z0-9][A-Za-z0-9-]{2,})",
}
# Each built-in patient pattern needs one of these in the lowercased line: one scan lets an
# ordinary log line skip all five.
_PATIENT_WORDS = ("patient", "mrn", "record", "dob", "birth")
_SSN_GATE = re.compile(r"\d-\d\d-\d\d\d\d")
# What identifies a person to whoever reads over a shoulder: in cluster text and on the wall.
PERSONAL_PATTERNS: dict[str, str] = {
    "email": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b",
    # +1 555 010 2030, (555) 010-2030, 555.010.2030; not an IP address, not a date
    "phone": r"(?<![\w.:/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w.:-])",
}


_PHONE_GATE = re.compile(r"\d{3}[ .)-]+\d{3}[ .-]\d{4}")


def _compiled(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


class Policy:
    """The built-in rules plus patient patterns and a list of extra patterns (whole match, or
    group 1, hidden); `personal` patterns apply to foreign text only (`foreign`)."""

    def __init__(self, extra: Iterable[re.Pattern[str]] = (), *,
                 patient: Iterable[re.Pattern[str]] | None = None,
                 personal: Iterable[re.Pattern[str]] | None = None) -> None:
        # The built-in patient patterns run behind their gate; a team's own always run.
        self.gated = _compiled(PATIENT_PATTERNS.values()) if patient is None else ()
        self.extra = (*(() if patient is None else tuple(patient)), *extra)
        self.personal = _compiled(PERSONAL_PATTERNS.values()) if personal is None else tuple(personal)

    def text(self, text: str) -> str:
        if not text:
            return text
        low = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
        if _ANY.search(low):
            text = self._builtin(text, low)
        if self.gated and (any(word in low for word in _PATIENT_WORDS) or ("-" in text and _SSN_GATE.search(text))):
            for pattern in self.gated:
                text = pattern.sub(_extra_replacement, text)
        for pattern in self.extra:
            text = pattern.sub(_extra_replacement, text)
        return text

    def foreign(self, text: str) -> str:
        """`text` (a log line, an event message, what a wall shows) with secrets, patient
        identifiers and personal contact details hidden."""
        text = self.text(text)
        if text and self.personal and ("@" in text or _PHONE_GATE.search(text)):
            for pattern in self.personal:
                text = pattern.sub(_extra_replacement, text)
        return text

    @staticmethod
    def _builtin(text: str, low: str) -> str:
        if "-----begin" in low:
            text = _PEM.sub(lambda m: f"-----BEGIN {m['type']}-----{REDACTED}"
                            + (f"-----END {m['type']}-----" if "-----END" in m.group(0) else ""), text)
        if "://" in low:
            text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", text)
        if "bearer" in low or "basic" in low:
            text = _AUTH_SCHEME.sub(lambda m: f"{m['scheme']}{m['sep']}{REDACTED}" if _is_credential(m["value"])
                                    else m.group(0), text)
        for rule, word in ((_MYSQL_P, "mysql"), (_MYSQL_P, "mariadb"), (_SSHPASS_P, "sshpass"),
                           (_REDIS_A, "redis-cli"), (_CURL_USER, "-u"), (_CURL_USER, "--user")):
            if word in low:
                text = rule.sub(lambda m: f"{m['cmd']}{_quoted(m['value'])}", text)
        return _names_and_flags(text)

    def value(self, value: Any, key: str | None = None) -> Any:
        """A copy of `value` with secrets replaced: names decide for values under them, and
        every string is scanned."""
        if isinstance(value, Mapping):
            pair_name = value.get("name", value.get("key"))
            secret_pair = "value" in value and isinstance(pair_name, str) and is_secret_name(pair_name)
            return {str(k): (self._hidden(v) if secret_pair and k == "value" else self.value(v, str(k)))
                    for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        if key is not None and key.lower() not in _STRUCTURAL and is_secret_name(key):
            return self._hidden(value)
        if isinstance(value, str):
            return self.text(value)
        return value

    def _hidden(self, value: Any) -> Any:
        if isinstance(value, (Mapping, list, tuple)):
            return self.value(value)
        if value is None or isinstance(value, bool) or value == "" or (isinstance(value, str) and _is_reference(value)):
            return value
        return REDACTED


def _names_and_flags(text: str) -> str:
    """`NAME=value`, `NAME: value` and `--flag value` where the name holds a trigger word and
    is a secret name: found from the trigger words outwards, not by scanning every pair."""
    low = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
    out: list[str] = []
    done = 0  # text before this index is settled
    for word in _TRIGGER.finditer(low):
        if word.start() < done:
            continue
        start, end = word.start(), word.end()
        while start > done and text[start - 1] in _NAME_CHARS:
            start -= 1
        while end < len(text) and text[end] in _NAME_CHARS:
            end += 1
        name = text[start:end]
        after = _AFTER_PAIR.match(text, end)
        if after is None and name.startswith("-") and (start == 0 or text[start - 1].isspace()):
            after = _AFTER_FLAG.match(text, end)
        if after is None:
            continue
        value = after["value"]
        if _is_reference(value) or name.lower() in _STRUCTURAL or not is_secret_name(name):
            continue
        out += [text[done:after.start("value")], _quoted(value)]
        done = after.end()
    return "".join(out) + text[done:] if out else text


def _extra_replacement(m: re.Match[str]) -> str:
    if m.re.groups and m.group(1) is not None:
        start, end = m.span(1)
        return m.group(0)[:start - m.start()] + REDACTED + m.group(0)[end - m.start():]
    return REDACTED


_policy = Policy()


def redact_text(text: str) -> str:
    """`text` with every secret the policy knows replaced by `[REDACTED]`."""
    return _policy.text(text)


def redact_foreign(text: str) -> str:
    """Text from the cluster (a log line, an event message) or for a wall: secrets, patient
    identifiers, e-mail addresses and phone numbers replaced by `[REDACTED]`."""
    return _policy.foreign(text)


def redact(value: Any, key: str | None = None) -> Any:
    """A copy of `value` (dicts, lists, strings, at any depth) with secrets replaced."""
    return _policy.value(value, key)


def shown(name: str, value: str | None) -> str | None:
    """What may be shown or recorded of a value set under `name` (an env var, a ConfigMap
    key): `[REDACTED]` for a credential, else the value with any secret inside it hidden."""
    if value is None:
        return None
    return REDACTED if is_secret_name(name) and not _is_reference(value) else redact_text(value)


# --- configuration ----------------------------------------------------------------------------

SECTION = "redaction"
KEYS = frozenset({"patterns", "patient_patterns", "personal_patterns"})


def compile_patterns(section: Section, key: str = "patterns") -> list[re.Pattern[str]]:
    """`[redaction] patterns` (or another list of `KEYS`), each a regular expression; a bad
    one is a ConfigError with file:line."""
    section.reject_unknown(KEYS)
    raw = section.get(key, list, [])
    compiled = []
    for n, pattern in enumerate(raw, 1):
        if not isinstance(pattern, str) or not pattern:
            raise section.error(key, f"pattern {n} must be a non-empty string, not {pattern!r}")
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise section.error(key, f"pattern {n} ({pattern!r}) is not a valid regular expression: {exc}") from None
    return compiled


def policy_from(section: Section) -> Policy:
    """The policy `[redaction]` asks for: `patterns` add to the built-in rules;
    `patient_patterns` and `personal_patterns`, when given, replace `PATIENT_PATTERNS` and
    `PERSONAL_PATTERNS` (an empty list turns that group off)."""
    patient = compile_patterns(section, "patient_patterns") if "patient_patterns" in section.data else None
    personal = compile_patterns(section, "personal_patterns") if "personal_patterns" in section.data else None
    return Policy(compile_patterns(section), patient=patient, personal=personal)


def configure(config: Config) -> None:
    """Adopt the config's `[redaction]` section for this process."""
    global _policy
    _policy = policy_from(config.section(SECTION))


# --- logs -------------------------------------------------------------------------------------

class RedactingFilter(logging.Filter):
    """Redacts a record's message (arguments merged in) and its exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root logger by default) and on
    Python's last-resort handler: a filter on a handler sees the records of every logger
    that propagates to it, a filter on a logger only its own."""
    logger = logger or logging.getLogger()
    for handler in [*logger.handlers, logging.lastResort]:
        if handler is not None and _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
