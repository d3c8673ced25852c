"""The clocks against the default runbook's policy, driven by an injected `now`."""

from datetime import datetime, timedelta, timezone

import pytest

from irtui.incident.clocks import ClockPolicy, clock_line, compute, contact_for
from irtui.incident.model import GENESIS_HASH, Actor
from irtui.incident.state import fold
from irtui.incident.store import make_entry
from irtui.runbook import load_runbook

T0 = datetime(2025, 11, 11, 14, 23, tzinfo=timezone.utc)
CONTACTS = {"tech_lead": {"primary": "Pat Lead", "phone": "+1-555-0199"}, "cto": "Sam Chief (+1-555-0999)"}


@pytest.fixture(scope="module")
def policy():
    return ClockPolicy.from_runbook(load_runbook())


def state_of(*rows):
    prev, entries = GENESIS_HASH, []
    for i, (minutes, kind, details) in enumerate(rows, 1):
        e = make_entry("I", kind, kind, details, Actor("a", "h"), ts=T0 + timedelta(minutes=minutes)).chained(i, prev)
        prev = e.hash
        entries.append(e)
    return fold("I", entries)


def declared(severity):
    return (0, "declared", {"title": "t", "severity": severity})


def test_policy_comes_from_the_runbook(policy):
    assert policy.response == {"P0": timedelta(minutes=15), "P1": timedelta(hours=1), "P2": timedelta(hours=4),
                               "P3": timedelta(hours=24)}
    assert policy.update_interval == {"P0": timedelta(minutes=15), "P1": timedelta(minutes=30),
                                      "P2": timedelta(hours=2), "P3": timedelta(days=1)}
    assert [(s.role, s.after) for s in policy.escalation][:3] == [
        ("on_call", timedelta(0)), ("tech_lead", timedelta(minutes=30)), ("cto", timedelta(hours=1))]


def test_response_target_counts_down_then_breaches(policy):
    state = state_of(declared("P0"))
    r = compute(state, policy, T0 + timedelta(minutes=10))
    assert r.response_remaining == timedelta(minutes=5) and not r.response_breached
    r = compute(state, policy, T0 + timedelta(minutes=16))
    assert r.response_breached and r.breached
    responded = state_of(declared("P0"), (5, "status", {"status": "Identified"}))
    r = compute(responded, policy, T0 + timedelta(minutes=16))
    assert r.responded_in == timedelta(minutes=5) and not r.response_breached


def test_a_clock_within_minutes_of_running_out_is_due_soon_until_it_breaches(policy):
    state = state_of(declared("P0"))
    soon = timedelta(minutes=5)
    assert not compute(state, policy, T0 + timedelta(minutes=5)).due_within(soon)  # 10 minutes left
    assert compute(state, policy, T0 + timedelta(minutes=11)).due_within(soon)  # 4 minutes left
    assert not compute(state, policy, T0 + timedelta(minutes=16)).due_within(soon)  # breached, not due


def test_update_due_resets_on_update_and_snoozes(policy):
    state = state_of(declared("P1"), (1, "note", {}))
    r = compute(state, policy, T0 + timedelta(minutes=20))
    assert r.update_remaining == timedelta(minutes=10) and not r.update_overdue
    assert compute(state, policy, T0 + timedelta(minutes=31)).update_overdue
    posted = state_of(declared("P1"), (1, "note", {}), (25, "update_posted", {}))
    r = compute(posted, policy, T0 + timedelta(minutes=31))
    assert r.update_due_at == T0 + timedelta(minutes=55) and not r.update_overdue
    snoozed = state_of(declared("P1"), (1, "note", {}), (29, "update_snoozed", {"minutes": 10}))
    r = compute(snoozed, policy, T0 + timedelta(minutes=35))
    assert r.update_due_at == T0 + timedelta(minutes=39) and not r.update_overdue


def test_escalation_steps_with_contacts_from_config(policy):
    state = state_of(declared("P0"), (1, "note", {}))
    r = compute(state, policy, T0 + timedelta(minutes=10), CONTACTS)
    assert r.escalation_next.role == "tech_lead" and r.escalation_next_in == timedelta(minutes=20)
    assert r.escalation_contact == "Pat Lead / +1-555-0199"
    r = compute(state, policy, T0 + timedelta(minutes=31), CONTACTS)
    assert r.escalation_due and r.escalation_current.role == "tech_lead" and r.breached
    escalated = state_of(declared("P0"), (1, "note", {}), (31, "escalation", {"role": "tech_lead"}))
    r = compute(escalated, policy, T0 + timedelta(minutes=40), CONTACTS)
    assert not r.escalation_due and r.escalation_next.role == "cto" and r.escalation_contact == "Sam Chief (+1-555-0999)"
    assert contact_for({}, "cto") == ""


def test_clock_line_fits_80_columns(policy):
    state = state_of(declared("P0"))
    for minutes in (0, 14, 16, 31, 61, 60 * 30):
        line = clock_line(compute(state, policy, T0 + timedelta(minutes=minutes), CONTACTS), 80)
        assert len(line) <= 80 and line.startswith("T+")
    assert "BREACHED" in clock_line(compute(state, policy, T0 + timedelta(minutes=16)))


def test_contacts_come_from_the_config_file(tmp_path):
    from irtui.config import Config, ConfigError
    from irtui.incident.templates import contacts_from_config

    path = tmp_path / "config.toml"
    path.write_text('[contacts]\ntech_lead = { primary = "Pat Lead", backup = "Kim Backup", phone = "+1-555-0199" }\n'
                    'cto = "Sam Chief"\n', encoding="utf-8")
    contacts = contacts_from_config(Config.load(path))
    assert contact_for(contacts, "tech_lead") == "Pat Lead / Kim Backup / +1-555-0199"
    assert contact_for(contacts, "cto") == "Sam Chief"
    path.write_text("[contacts]\n\ncto = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        contacts_from_config(Config.load(path))
    assert err.value.line == 3 and err.value.key == "contacts.cto"


def test_update_template_is_filled_from_the_state():
    from irtui.incident.templates import fill_update, update_channels

    runbook = load_runbook()
    state = state_of(declared("P0"), (2, "status", {"status": "Fixing"}), (3, "impact", {"users": "100%"}))
    text = fill_update(runbook, state, T0 + timedelta(minutes=5), current_actions="rolling back")
    head = state.head[:12]
    assert text.splitlines() == [
        "Incident Update - 2025-11-11 14:28 UTC", "Severity: P0", "Status: Fixing", "Impact: users: 100%",
        "Current Actions: rolling back", "Next Update: 14:43 UTC",
        f"Timeline head: #3 {head} (irtui verify I --head 3:{head})"]
    assert update_channels(runbook, state) == ["#incidents", "#incident-<timestamp>", "#oncall", "status_page"]


def test_an_escalation_moves_the_clock_to_the_next_step_even_when_recorded_early(policy):
    early = state_of(declared("P0"), (10, "escalation", {"role": "tech_lead"}))
    r = compute(early, policy, T0 + timedelta(minutes=22), CONTACTS)
    assert r.escalation_next.role == "cto" and r.escalation_next_in == timedelta(minutes=38)
    assert "esc CTO in" in clock_line(r, 160) and "Tech Lead" not in clock_line(r, 160)
    both = state_of(declared("P0"), (31, "escalation", {"role": "tech_lead"}), (61, "escalation", {"role": "cto"}))
    r = compute(both, policy, T0 + timedelta(minutes=62))
    assert r.escalation_due and r.escalation_current.role == "vendors"
    from irtui.incident.templates import merged_contacts

    r = compute(both, policy, T0 + timedelta(minutes=62), merged_contacts(load_runbook(), None))
    assert "Epic support 1-888-868-7246" in r.escalation_contact


def test_a_snoozed_escalation_comes_back_at_its_time(policy):
    until = (T0 + timedelta(minutes=41)).isoformat()
    state = state_of(declared("P0"), (31, "escalation_snoozed", {"role": "tech_lead", "minutes": 10, "until": until}))
    r = compute(state, policy, T0 + timedelta(minutes=35))
    assert not r.escalation_due and r.escalation_next.role == "tech_lead"
    assert r.escalation_next_in == timedelta(minutes=6)
    assert compute(state, policy, T0 + timedelta(minutes=41)).escalation_due


def test_an_update_snooze_pushes_the_due_time_it_records(policy):
    until = (T0 + timedelta(minutes=40)).isoformat()
    state = state_of(declared("P1"), (5, "update_snoozed", {"minutes": 10, "until": until}))
    r = compute(state, policy, T0 + timedelta(minutes=6))
    assert r.update_due_at == T0 + timedelta(minutes=40)


def test_the_status_page_is_due_15_minutes_after_a_p0_or_p1_detection(policy):
    state = state_of(declared("P1"))
    r = compute(state, policy, T0 + timedelta(minutes=5))
    assert r.status_page_remaining == timedelta(minutes=10) and "status page in 10:00" in clock_line(r, 160)
    r = compute(state, policy, T0 + timedelta(minutes=17))
    assert r.status_page_overdue and r.breached and "STATUS PAGE OVERDUE 02:00" in clock_line(r, 160)
    posted = state_of(declared("P1"), (9, "update_posted", {"channel": "status_page", "status": "delivered"}))
    r = compute(posted, policy, T0 + timedelta(minutes=17))
    assert r.status_page_remaining is None and r.status_page_posted and "status page" not in clock_line(r, 160)
    slack_only = state_of(declared("P1"), (9, "update_posted", {"channel": "#incidents", "status": "delivered"}))
    assert compute(slack_only, policy, T0 + timedelta(minutes=17)).status_page_overdue
    assert compute(state_of(declared("P2")), policy, T0 + timedelta(minutes=17)).status_page_remaining is None


def test_contacts_come_from_the_runbook_and_the_config_overrides_them(tmp_path):
    from irtui.config import Config
    from irtui.incident.templates import merged_contacts

    path = tmp_path / "config.toml"
    path.write_text('[contacts]\ncto = "Sam Chief, +1-555-0999"\n', encoding="utf-8")
    contacts = merged_contacts(load_runbook(), Config.load(path))
    assert contact_for(contacts, "tech_lead") == "John Doe / Jane Smith / +1-555-0100"
    assert contact_for(contacts, "cto") == "Sam Chief, +1-555-0999"
    assert "1-888-868-7246" in contact_for(contacts, "vendors") and "1-800-866-8992" in contact_for(contacts, "vendors")
