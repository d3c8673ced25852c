"""The default runbook carries the whole runbook document: this walks the markdown's
headings, labels, lists, checklists, tables, command blocks, flowcharts and templates and
finds each one in the loaded TOML, the escalation contacts and the vendors' support numbers
included (a user's config overrides them per role); email addresses stay in the config."""

import re
from pathlib import Path

import pytest

from irtui.runbook import DEFAULT_RUNBOOK, load_runbook

# The team's document beside DESIGN.md when present; otherwise the copy kept with this test
# (so CI, which has only the repository, checks the same thing).
SHARED = Path(__file__).resolve().parents[3] / "shared" / "runbook" / "incident-response-runbook.md"
DOC = SHARED if SHARED.exists() else Path(__file__).with_name("incident-response-runbook.md")

# Bold labels that the TOML expresses as structure (keys), not as text.
STRUCTURAL_LABELS = {"Symptoms", "Response", "Slack Channels", "Update Frequency", "Required Information",
                     "Example", "Agenda (1 hour)", "Version", "Last Updated", "Maintained By", "Review Frequency"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def flatten(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in flatten(v)]
    if isinstance(value, list):
        return [s for v in value for s in flatten(v)]
    return [str(value)]


@pytest.fixture(scope="module")
def corpus() -> str:
    return norm(" \n ".join(flatten(load_runbook().data)))


def plain(md: str) -> str:
    md = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", md)
    return md.replace("**", "").replace("`", "").strip()


def walk(doc: str):
    """Yield (what, text) for every piece of the document that must be in the runbook."""
    fence = None
    block: list[str] = []
    previous = ""
    for line in doc.splitlines():
        line_before, previous = previous, line
        if line.startswith("```"):
            if fence is None:
                fence, block = line[3:].strip() or "text", []
            else:
                yield from block_pieces(fence, block)
                fence = None
            continue
        if fence is not None:
            block.append(line)
            continue
        if m := re.match(r"^#{2,3} (.+)$", line):
            yield "heading", re.sub(r"^\d+\. ", "", m.group(1))
        elif m := re.match(r"^\*\*([^*]+):\*\*\s*(.*)$", line):
            if m.group(1) not in STRUCTURAL_LABELS:
                yield "label", m.group(1)
        elif m := re.match(r"^\s*(?:- \[ \]|-|\d+\.) (.+)$", line):
            item = plain(m.group(1))
            if m2 := re.match(r"^(.*) \((\d+) min\)$", item):  # agenda: item + minutes
                yield "agenda", m2.group(1)
                yield "minutes", m2.group(2)
            else:
                yield "list item", item
        elif line.startswith("|") and not line_before.startswith("|"):
            continue  # a header row: column names are the TOML's keys
        elif line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            for cell in line.strip("|").split("|"):
                for part in re.split(r"<br>", cell):
                    part = plain(part).lstrip("- ").strip()
                    if part:
                        yield "table cell", part


def block_pieces(fence: str, lines: list[str]):
    if fence == "mermaid":
        for line in lines:
            for label in re.findall(r"[\[{]([^\]}]+)[\]}]", line):
                yield "flowchart node", label
        return
    if fence == "bash":
        logical, pending = [], ""
        for line in lines:
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            logical.append(pending + line)
            pending = ""
        for line in logical:
            text = line.strip()
            if not text:
                continue
            if text.startswith("#"):
                comment = re.sub(r"^#\s*(-\s*)?", "", text)
                comment = re.sub(r"^\d+\. ", "", comment)
                comment = re.sub(r"\s*\(< \d+ minutes\)$", "", comment)
                yield "command comment", comment
            else:
                yield "command", text
        return
    for line in lines:  # templates: every line verbatim
        if fence == "text" and line.startswith("# "):
            yield "where to post", line[2:]  # "# Post to ...": the step that posts the template
        elif line.strip():
            yield "template line", line.strip()


def found(piece: str, corpus: str) -> bool:
    text = norm(piece)
    if text in corpus:
        return True
    # "Name - description" pairs are kept as separate fields; in "Label: value" the label is a key
    if " - " in text and all(norm(p) in corpus for p in text.split(" - ") if p.strip()):
        return True
    return ": " in text and norm(text.split(": ", 1)[1]) in corpus


def test_default_runbook_covers_the_document(corpus):
    doc = DOC.read_text(encoding="utf-8")
    missing = []
    checked = 0
    for what, piece in walk(doc):
        if EMAIL.search(piece):
            continue  # addresses: the user's config (asserted absent below)
        checked += 1
        if not found(piece, corpus):
            missing.append(f"{what}: {piece}")
    assert checked > 250
    assert not missing, "not in the default runbook:\n" + "\n".join(missing)


PEOPLE = {"John Doe", "Jane Smith", "Bob Johnson", "Alice Williams", "Michael Chen", "Sarah Davis", "Tom Brown"}


def test_the_contacts_table_is_shipped_but_no_address():
    roles = {r["role"]: r for r in load_runbook().escalation.roles}
    assert roles["tech_lead"] == {"role": "tech_lead", "title": "Tech Lead", "primary": "John Doe",
                                  "backup": "Jane Smith", "phone": "+1-555-0100"}
    assert roles["cto"]["phone"] == "+1-555-0001" and roles["vendor_epic"]["phone"] == "1-888-868-7246"
    assert roles["vendor_cerner"]["phone"] == "1-800-866-8992"
    text = DEFAULT_RUNBOOK.read_text(encoding="utf-8")
    assert all(name in text for name in PEOPLE)
    assert "security@emrtask.com" not in text


def test_structure_matches_the_document():
    rb = load_runbook()
    assert [p.title for p in rb.phases] == ["Detect & Alert", "Assess & Classify", "Communicate", "Investigate",
                                            "Resolve", "Verify Resolution", "Close Incident"]
    assert [len(rb.phase(p).checklist) for p in ("assess", "verify", "close")] == [6, 6, 6]
    assert [p.title for p in rb.playbooks] == ["P0: Complete Service Outage", "P0: Database Failure",
                                               "P0: Security Breach", "P1: EMR Integration Failure"]
    assert [len(p.steps) for p in rb.playbooks] == [4, 6, 6, 6]
    assert [(s.id, int(s.response_time.total_seconds() // 60)) for s in rb.severities] == [
        ("P0", 15), ("P1", 60), ("P2", 240), ("P3", 1440)]
    assert [(r.severity, int(r.interval.total_seconds() // 60)) for r in rb.communication.update_frequency] == [
        ("P0", 15), ("P1", 30), ("P2", 120), ("P3", 1440)]
    assert [(s.role, int(s.after.total_seconds() // 60)) for s in rb.escalation.steps] == [
        ("on_call", 0), ("tech_lead", 30), ("cto", 60), ("vendors", 60)]
    assert set(rb.templates) >= {"update", "status_page", "internal_update", "report"}
    assert rb.statuses == ("Investigating", "Identified", "Fixing", "Monitoring", "Resolved")
    # the impact questions suggest a severity, and the advice is to pick the higher when unsure
    assert rb.impact.suggest({"services_available": "No"}) == ("P0", None)
    assert rb.impact.suggest({"services_available": "Partial"}) == (None, "core_features")
    assert rb.impact.suggest({"services_available": "Partial", "core_features": "Partial"}) == ("P2", None)
    assert rb.impact.when_unsure == "higher" and "higher" in rb.impact.advice
    required = {"kube.get_pods", "kube.rollout_restart", "kube.rollout_restart_all", "kube.scale", "kube.delete_pod",
                "kube.force_delete_pod", "kube.rollback", "helm.rollback", "helm.history", "kube.set_env",
                "kube.delete_secret", "kube.logs", "kube.describe", "kube.events",
                "kube.top", "health.check_all", "metrics.error_rates", "db.ping", "db.connections",
                "db.terminate_long_running", "db.promote_replica", "forensics.collect", "notify.slack",
                "notify.statuspage", "pagerduty.ack", "pagerduty.resolve"}
    assert required <= set(rb.actions)
    assert all(a.command and a.title for a in rb.actions.values())
