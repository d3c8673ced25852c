"""Entries, the hash chain, redaction and the folded state: plain Python, no store."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from irtui.incident.model import GENESIS_HASH, Actor, verify_chain
from irtui.incident.state import fold
from irtui.incident.store import make_entry
from irtui.redact import REDACTED, redact, redact_text

T0 = datetime(2025, 11, 11, 14, 23, tzinfo=timezone.utc)
ACTOR = Actor("alice", "bastion", "system:admin")


def chain(n: int):
    entries, prev = [], GENESIS_HASH
    for i in range(1, n + 1):
        entry = make_entry("INC-20251111-1", "note", f"note {i}", {"i": i}, ACTOR, ts=T0 + timedelta(minutes=i)).chained(i, prev)
        entries.append(entry)
        prev = entry.hash
    return entries


def test_chain_verifies_and_names_the_altered_entry():
    entries = chain(5)
    assert verify_chain(entries).ok
    altered = list(entries)
    altered[2] = replace(entries[2], text="something else")
    result = verify_chain(altered)
    assert not result.ok and result.seq == 3 and result.entry_id == entries[2].entry_id
    assert "altered" in str(result)


def test_chain_names_a_missing_entry():
    entries = chain(5)
    result = verify_chain(entries[:1] + entries[2:])
    assert not result.ok and result.seq == 2 and "missing" in result.problem
    # the last entry removed cannot be seen from the chain alone, but a re-hashed forgery can:
    forged = replace(entries[3], prev_hash=entries[1].hash)
    forged = replace(forged, hash=forged.compute_hash())
    result = verify_chain(entries[:3] + [forged] + entries[4:])
    assert not result.ok and result.seq == 4 and "link" in result.problem


def test_hash_covers_every_field_including_prev_hash():
    entry = chain(1)[0]
    for change in ({"kind": "status"}, {"details": {"i": 2}}, {"actor": Actor("bob", "bastion")},
                   {"ts": T0}, {"prev_hash": "1" * 64}, {"seq": 2}):
        assert replace(entry, **change).compute_hash() != entry.hash


def test_redaction_of_details_and_text():
    details = {"password": "hunter2", "Authorization": "Bearer abc.def", "nested": {"client_secret": "s3"},
               "api_token": "t", "target": "deployment/emr-service", "replicas": 0,
               "env": [{"name": "DB_PASSWORD", "value": "x"}]}
    out = redact(details)
    assert out["password"] == REDACTED and out["Authorization"] == REDACTED
    assert out["nested"]["client_secret"] == REDACTED and out["api_token"] == REDACTED
    assert out["target"] == "deployment/emr-service" and out["replicas"] == 0
    assert redact_text("curl -H 'Authorization: Bearer eyJhbGciOi.x.y' -d password=hunter2") == \
        f"curl -H 'Authorization: Bearer {REDACTED}' -d password={REDACTED}"
    assert redact_text("postgresql://app:pa55@db/x") == f"postgresql://app:{REDACTED}@db/x"
    assert redact_text('-d "client_secret=$CLIENT_SECRET"') == '-d "client_secret=$CLIENT_SECRET"'
    entry = make_entry("I", "note", "token=abc", {"secret": "v"}, ACTOR)
    assert "abc" not in entry.text and entry.details["secret"] == REDACTED


def test_state_is_folded_from_the_timeline():
    kinds = [
        ("declared", "[P1] EMR down", {"title": "EMR down", "severity": "P1", "services": ["emr-service"],
                                        "incident_kind": "emr", "phase": "detect"}),
        ("severity", "", {"severity": "P0"}),
        ("status", "", {"status": "Identified"}),
        ("phase", "", {"phase": "assess"}),
        ("role", "", {"role": "scribe", "person": "bob"}),
        ("impact", "", {"users": "30%", "data_loss": False}),
        ("checklist", "", {"item": "confirm_real", "done": True}),
        ("checklist", "", {"item": "determine_severity", "done": True}),
        ("checklist", "", {"item": "determine_severity", "done": False}),
        ("note", "TODO: add a query timeout", {}),
        ("note", "just a note", {}),
        ("pin", "", {"seq": 3, "pinned": True}),
        ("update_posted", "update", {}),
        ("closed", "", {}),
    ]
    prev, entries = GENESIS_HASH, []
    for i, (kind, text, details) in enumerate(kinds, 1):
        entry = make_entry("I", kind, text, details, ACTOR, ts=T0 + timedelta(minutes=i)).chained(i, prev)
        prev = entry.hash
        entries.append(entry)
    state = fold("I", entries)
    assert (state.severity, state.status, state.phase, state.kind) == ("P0", "Identified", "assess", "emr")
    assert set(state.ticks) == {"confirm_real"} and state.ticks["confirm_real"].actor.startswith("alice@bastion")
    assert state.roles == {"scribe": "bob"} and state.impact == {"users": "30%", "data_loss": False}
    assert [e.text for e in state.action_items] == ["TODO: add a query timeout"]
    assert state.pinned == {3} and state.last_update_at == entries[12].ts
    assert state.first_response_at == entries[2].ts and not state.is_open


def test_store_urls(tmp_path, monkeypatch):
    import pytest

    from irtui.incident.pg_store import PostgresStore, split_url
    from irtui.incident.sqlite_store import SQLiteStore
    from irtui.incident.store import StoreError
    from irtui.incident.stores import open_store, store_url

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    default = open_store(None)
    assert isinstance(default, SQLiteStore) and default.path == tmp_path / "irtui" / "incidents.sqlite"
    assert open_store(f"sqlite://{tmp_path}/a.sqlite").path == tmp_path / "a.sqlite"  # sqlite:///tmp/...
    assert open_store(f"sqlite:///{tmp_path}/a.sqlite").path == tmp_path / "a.sqlite"  # sqlite:////tmp/...
    assert open_store(str(tmp_path / "b.sqlite")).path == tmp_path / "b.sqlite"
    pg = open_store("postgresql://u@db:5432/war?schema=team_a&sslmode=require")
    assert isinstance(pg, PostgresStore) and pg.schema == "team_a" and pg.dsn == "postgresql://u@db:5432/war?sslmode=require"
    assert split_url("postgres://db/x") == ("postgres://db/x", "irtui")
    with pytest.raises(StoreError):
        split_url("postgresql://db/x?schema=a;drop")
    with pytest.raises(StoreError):
        open_store("mysql://db/x")
    monkeypatch.setenv("IRTUI_STORE", "sqlite:///env.sqlite")
    assert store_url("flag.sqlite") == "flag.sqlite" and store_url() == "sqlite:///env.sqlite"


def test_an_actor_names_its_authenticated_identities_beside_the_given_name():
    actor = Actor("pat", "bastion", "cto-jane", kube_user="sre", db_role="irtui_app")
    assert str(actor) == "pat@bastion (cto-jane) · k8s:sre · pg:irtui_app"
    assert Actor.from_dict(actor.to_dict()) == actor
    # Fields that were not there before enter the hashed form only when present.
    assert ACTOR.to_dict() == {"user": "alice", "host": "bastion", "kube": "system:admin"}
    assert replace(ACTOR, db_role="x").to_dict()["db_role"] == "x"
