"""Patient identifiers and personal contact details: the built-in patterns hide them from
text that comes from the cluster, ordinary log lines keep their numbers and dates, and
`[redaction] patient_patterns` / `personal_patterns` replace the defaults."""

from __future__ import annotations

import pytest

from irtui import redact as redaction
from irtui.config import Config, ConfigError
from irtui.redact import REDACTED, redact_foreign, redact_text

HIDDEN = [
    ("admitted patient John Smith to ward 4", "John Smith"),
    ("lookup failed for MRN 00123456", "00123456"),
    ('{"mrn":"A1234567","status":"ok"}', "A1234567"),
    ("medical record number: 123-45-678 not found", "123-45-678"),
    ("ssn 123-45-6789 rejected", "123-45-6789"),
    ("dob: 1961-03-04 mismatch", "1961-03-04"),
    ('{"birthDate":"04/03/1961"}', "04/03/1961"),
    ("patient_id=84412 synced", "84412"),
    ("GET /fhir/Patient/12345 200 12ms", "12345"),
    ("Patient: O'Brien, Mary checked in", "O'Brien, Mary"),
]
PERSONAL = [
    ("notify jane.doe@example.org failed", "jane.doe@example.org"),
    ("sms to +1 555 010 2030 queued", "+1 555 010 2030"),
    ("call (555) 010-2030", "(555) 010-2030"),
]
KEPT = [
    '{"time":"2026-11-28T06:51:09.123Z","level":"info","msg":"request completed","duration_ms":12}',
    "GET /fhir/Patient/:id 502 Bad Gateway",
    "Patient not found",
    "patient-service scaled to 3",
    "connected to 172.20.40.10:5432 in 1234 ms",
    "2026-11-28 06:51:09.123 UTC [1] LOG:  checkpoint complete: wrote 1234 buffers",
    "task 123-45 done",
]


@pytest.fixture(autouse=True)
def defaults():
    redaction.configure(Config.empty())
    yield
    redaction.configure(Config.empty())


@pytest.mark.parametrize("text,secret", HIDDEN)
def test_patient_identifiers_are_hidden_everywhere(text, secret):
    for shown in (redact_text(text), redact_foreign(text)):
        assert secret not in shown and REDACTED in shown


@pytest.mark.parametrize("text,secret", PERSONAL)
def test_contact_details_are_hidden_from_cluster_text_only(text, secret):
    assert secret not in redact_foreign(text) and REDACTED in redact_foreign(text)
    assert redact_text(text) == text  # the timeline keeps an escalation contact's address


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_log_lines_keep_their_numbers_and_dates(text):
    assert redact_foreign(text) == text


def test_the_config_replaces_the_defaults(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[redaction]\npatient_patterns = ["\\\\bBED-(\\\\d+)"]\npersonal_patterns = []\n')
    redaction.configure(Config.load(path))
    assert redact_foreign("moved BED-42 for MRN 00123456, mail a@b.org") == \
        f"moved BED-{REDACTED} for MRN 00123456, mail a@b.org"


def test_a_bad_patient_pattern_names_file_line_and_key(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('# site rules\n[redaction]\npatient_patterns = ["(unclosed"]\n')
    with pytest.raises(ConfigError) as caught:
        redaction.configure(Config.load(path))
    assert str(caught.value).startswith(f"{path}:3: redaction.patient_patterns: pattern 1")


def test_an_event_message_is_redacted_when_it_becomes_a_row():
    from irtui.kube.model import project_event

    row = project_event({
        "metadata": {"name": "e1", "namespace": "emrtask-prod", "uid": "u1", "resourceVersion": "1"},
        "involvedObject": {"kind": "Pod", "name": "emr-service-1"}, "type": "Warning", "reason": "SyncFailed",
        "message": "sync failed for patient John Smith (MRN 00123456), token=abc123, call 555-010-2030\nmore",
    })
    assert row.message == "sync failed for patient [REDACTED] (MRN [REDACTED]), token=[REDACTED], call [REDACTED]"
