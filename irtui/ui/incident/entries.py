"""One timeline entry as a line of text: its kind's short label and style, its text made
visible, who wrote it. The timeline pane and the incidents screen both draw entries so."""

from __future__ import annotations

from rich.text import Text

from irtui.incident.model import Entry
from irtui.redact import redact_foreign
from irtui.text import visible
from irtui.ui.theming import themed

# Theme variables (irtui.ui.theming); the kind's word says it without colour.
KIND_STYLES = {
    "declared": "bold $irtui-update",
    "severity": "bold $irtui-p0",
    "status": "bold $irtui-pending",
    "phase": "bold $irtui-highlight",
    "role": "$irtui-highlight",
    "impact": "$irtui-pending",
    "checklist": "$irtui-healthy",
    "note": "",
    "action_started": "$irtui-action",
    "action_finished": "bold $irtui-action",
    "observation": "$irtui-failing",
    "observation_cleared": "dim $irtui-healthy",
    "update_posted": "$irtui-update",
    "update_snoozed": "dim $irtui-update",
    "update_queued": "bold $irtui-pending",
    "update_failed": "bold $irtui-failing",
    "escalation": "bold $irtui-failing",
    "escalation_snoozed": "dim $irtui-failing",
    "pagerduty_acknowledged": "$irtui-update",
    "pagerduty_resolved": "$irtui-update",
    "war_room_channel": "$irtui-update",
    "pin": "dim",
    "closed": "bold $irtui-healthy",
}

# A short word per kind, so the kinds line up in one narrow column and none is cut mid-word
# ("action_starte"). A kind without a label (a newer irtui's) is shown whole.
KIND_LABELS = {
    "declared": "declared", "severity": "severity", "status": "status", "phase": "phase",
    "role": "role", "impact": "impact", "checklist": "checklist", "note": "note",
    "action_started": "act start", "action_finished": "act done", "observation": "observed",
    "observation_cleared": "cleared", "update_posted": "update", "update_snoozed": "snoozed",
    "update_queued": "upd queued", "update_failed": "upd failed", "escalation": "escalated",
    "escalation_snoozed": "esc snooze", "pagerduty_acknowledged": "pd ack", "pagerduty_resolved": "pd resolve",
    "war_room_channel": "war room",
    "pin": "pin", "closed": "closed", "reopened": "reopened", "reconciled": "reconciled",
    "checkpoint": "checkpoint", "review": "review", "why": "5 whys",
}
KIND_WIDTH = max(map(len, KIND_LABELS.values()))


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or visible(kind.replace("_", " "), 40)


ENTRY_LIMIT = 500  # characters of an entry's text on its timeline line; enter shows its details


def entry_text(entry: Entry, pinned: bool = False, *, foreign: bool = False) -> Text:
    """`foreign`: the line is for a wall, seen by whoever passes: e-mail addresses and phone
    numbers in the entry's text are hidden too (`irtui.redact.redact_foreign`); the record
    itself keeps them."""
    spec = KIND_STYLES.get(entry.kind, "")
    if entry.kind == "note" and entry.text.lstrip().upper().startswith("TODO:"):
        spec = "bold $irtui-pending"
    style = themed(spec or "bold")
    text = Text(no_wrap=False)
    text.append("* " if pinned else "  ", style=themed("bold $irtui-pending"))
    text.append(entry.ts.strftime("%H:%M:%S "), style="dim")
    text.append(f"{kind_label(entry.kind):<{KIND_WIDTH}} ", style=style)
    # Entries quote the cluster (event reasons, pod statuses) and people: text, never markup,
    # and every control character visible, on every screen that replays the timeline.
    shown = redact_foreign(entry.text) if foreign else entry.text
    text.append(visible(shown, ENTRY_LIMIT), style=themed(spec))
    if entry.kind == "update_posted" and entry.details.get("channel"):
        channel, status = visible(str(entry.details["channel"]), 64), visible(str(entry.details.get("status", "")), 32)
        text.append(f"  → {channel} ({status})", style=themed("bold $irtui-update"))
    text.append(f"  {visible(entry.actor.user, 64)}@{visible(entry.actor.host, 64)}", style="dim")
    if entry.pending:
        text.append("  (queued: shared store unreachable)", style="italic dim")
    return text
