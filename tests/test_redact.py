"""The redaction policy (`irtui.redact`): every case of the corpus is hidden, near misses stay
readable, structures are judged by their names, configured patterns are validated with
file:line, and irtui's log records pass through it."""

from __future__ import annotations

import logging

import pytest

from irtui import redact as redaction
from irtui.config import Config, ConfigError
from irtui.redact import REDACTED, is_secret_name, redact, redact_text

from secrets_corpus import CASES, CONFIG, KEPT, leaks


@pytest.fixture
def configured(tmp_path):
    """The corpus's config adopted for the test, the built-in policy restored after it."""
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    redaction.configure(Config.load(path))
    yield
    redaction.configure(Config.empty())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_corpus_secret_is_redacted(case, configured):
    out = redact_text(case.text)
    assert case.secret not in out and REDACTED in out, out


def test_a_configured_pattern_is_needed_for_the_site_specific_secret():
    case = next(c for c in CASES if c.name == "configured pattern")
    assert case.secret in redact_text(case.text)  # the built-in rules do not know it


@pytest.mark.parametrize("text", KEPT)
def test_references_and_ordinary_text_stay_readable(text, configured):
    assert redact_text(text) == text


def test_what_stays_around_a_secret_is_kept():
    assert redact_text("postgresql://app:pa55@db/x") == f"postgresql://app:{REDACTED}@db/x"
    assert redact_text("kubectl set env deployment/x DB_PASS=hunter2 -n p") == \
        f"kubectl set env deployment/x DB_PASS={REDACTED} -n p"
    assert redact_text("mysql -u root -pS3cret db") == f"mysql -u root -p{REDACTED} db"
    assert redact_text("redis-cli -h cache -a r3dis ping") == f"redis-cli -h cache -a {REDACTED} ping"
    # Text whose lowercase is longer (İ) still has the right span replaced.
    assert redact_text("İstanbul DB_PASS=x1 ok") == f"İstanbul DB_PASS={REDACTED} ok"
    assert redact_text('{"password": "x", "user": "app"}') == f'{{"password": "{REDACTED}", "user": "app"}}'
    pem = "a\n-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\nb"
    assert redact_text(pem) == f"a\n-----BEGIN EC PRIVATE KEY-----{REDACTED}-----END EC PRIVATE KEY-----\nb"


def test_names_that_hold_credentials():
    for name in ("DB_PASS", "db_password", "JWT_SECRET", "GITHUB_TOKEN", "SSH_KEY", "apiKey", "AWS_SECRET_ACCESS_KEY",
                 "routing_key", "Authorization", "cookie", "client-secret", "REDIS_PWD"):
        assert is_secret_name(name), name
    for name in ("LOG_LEVEL", "EMR_FALLBACK_MODE", "DB_HOST", "PWD", "DB_PASSWORD_FILE", "secretName",
                 "secretKeyRef", "tokenPath", "author", "dedup_key", "Idempotency-Key"):
        assert not is_secret_name(name), name


def test_structures_are_judged_by_their_names():
    details = {
        "params": {"name": "DB_PASS", "value": "hunter2"},  # an env action's parameters
        "env": [{"name": "DB_PASSWORD", "value": "x"}, {"name": "LOG_LEVEL", "value": "debug"}],
        "configmap": {"key": "DB_PASSWORD", "value": "y"},
        "key": "pod-crashloop/task-service",  # an observation's key is structure
        "secretKeyRef": {"name": "postgres-credentials", "key": "password"},
        "automountServiceAccountToken": False, "api_token": "t", "replicas": 0,
        "url": "postgres://app:pw@db/x",
    }
    out = redact(details)
    assert out["params"] == {"name": "DB_PASS", "value": REDACTED}
    assert out["env"] == [{"name": "DB_PASSWORD", "value": REDACTED}, {"name": "LOG_LEVEL", "value": "debug"}]
    assert out["configmap"] == {"key": "DB_PASSWORD", "value": REDACTED}
    assert out["key"] == "pod-crashloop/task-service"
    assert out["secretKeyRef"] == {"name": "postgres-credentials", "key": "password"}
    assert out["automountServiceAccountToken"] is False and out["api_token"] == REDACTED and out["replicas"] == 0
    assert out["url"] == f"postgres://app:{REDACTED}@db/x"


@pytest.mark.parametrize("body, line, message", [
    ("[redaction]\npatterns = ['ok', '(unclosed']\n", 2, "pattern 2 ('(unclosed') is not a valid regular expression"),
    ("[redaction]\n\npatterns = 'one'\n", 3, "must be list"),
    ("[redaction]\npattern = ['x']\n", 2, "unknown key"),
])
def test_a_bad_configured_pattern_is_one_error_with_file_and_line(tmp_path, body, line, message):
    path = tmp_path / "config.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as caught:
        redaction.configure(Config.load(path))
    assert f"{path}:{line}:" in str(caught.value) and message in str(caught.value), str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_group_in_a_configured_pattern_hides_only_the_group(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[redaction]\npatterns = ['patient=(\\d+)']\n")
    redaction.configure(Config.load(path))
    try:
        assert redact_text("lookup patient=12345 failed") == f"lookup patient={REDACTED} failed"
    finally:
        redaction.configure(Config.empty())


def test_log_records_are_redacted_in_the_log_file(tmp_path, configured):
    path = tmp_path / "irtui.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        redaction.install_log_filter()
        log = logging.getLogger("irtui.incident.store")
        for case in CASES:
            log.warning("could not replay %s: %s", "entry", case.text)
        try:
            raise RuntimeError(f"connect failed: {CASES[4].text}")
        except RuntimeError:
            log.exception("store unreachable with --token %s", "tok-exc-1234")
    finally:
        root.removeHandler(handler)
        handler.close()
    written = path.read_text()
    assert "could not replay entry" in written and "RuntimeError" in written
    assert leaks(written) == [] and "tok-exc-1234" not in written


def test_irtui_installs_the_filter_where_it_configures_logging():
    from irtui.ui.main import quiet_client_logs

    quiet_client_logs()
    assert any(isinstance(f, redaction.RedactingFilter) for f in logging.lastResort.filters)
