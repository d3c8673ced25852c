"""One timeline entry as a line of text: its kind's short label and style, its text made
visible, who wrote it. The timeline pane and the incidents screen both draw entries so."""

from __future__ import annotations

from rich.text import Text

from irtui.incident.model import Entry
from irtui.redact import redact_foreign
from irtui.text import visible

KIND_STYLES = {
    "declared": "bold magenta",
    "severity": "bold red",
    "status": "bold yellow",
    "phase": "bold cyan",
    "role": "cyan",
    "impact": "yellow",
    "checklist": "green",
    "note": "",
    "action_started": "blue",
    "action_finished": "bold blue",
    "observation": "red",
    "observation_cleared": "dim green",
    "update_posted": "magenta",
    "update_snoozed": "dim magenta",
    "update_queued": "bold yellow",
    "update_failed": "bold red",
    "escalation": "bold red",
    "pin": "dim",
    "closed": "bold green",
}

# A short word per kind, so the kinds line up in one narrow column and none is cut mid-word
# ("action_starte"). A kind without a label (a newer irtui's) is shown whole.
KIND_LABELS = {
    "declared": "declared", "severity": "severity", "status": "status", "phase": "phase",
    "role": "role", "impact": "impact", "checklist": "checklist", "note": "note",
    "action_started": "act start", "action_finished": "act done", "observation": "observed",
    "observation_cleared": "cleared", "update_posted": "update", "update_snoozed": "snoozed",
    "update_queued": "upd queued", "update_failed": "upd failed", "escalation": "escalated",
    "pin": "pin", "closed": "closed", "reopened": "reopened", "reconciled": "reconciled",
    "checkpoint": "checkpoint",
}
KIND_WIDTH = max(map(len, KIND_LABELS.values()))


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or visible(kind.replace("_", " "), 40)


ENTRY_LIMIT = 500  # characters of an entry's text on its timeline line; enter shows its details


def entry_text(entry: Entry, pinned: bool = False, *, foreign: bool = False) -> Text:
    """`foreign`: the line is for a wall, seen by whoever passes: e-mail addresses and phone
    numbers in the entry's text are hidden too (`irtui.redact.redact_foreign`); the record
    itself keeps them."""
    style = KIND_STYLES.get(entry.kind, "")
    if entry.kind == "note" and entry.text.lstrip().upper().startswith("TODO:"):
        style = "bold yellow"
    text = Text(no_wrap=False)
    text.append("* " if pinned else "  ", style="bold yellow")
    text.append(entry.ts.strftime("%H:%M:%S "), style="dim")
    text.append(f"{kind_label(entry.kind):<{KIND_WIDTH}} ", style=style or "bold")
    # Entries quote the cluster (event reasons, pod statuses) and people: text, never markup,
    # and every control character visible, on every screen that replays the timeline.
    shown = redact_foreign(entry.text) if foreign else entry.text
    text.append(visible(shown, ENTRY_LIMIT), style=style)
    if entry.kind == "update_posted" and entry.details.get("channel"):
        channel, status = visible(str(entry.details["channel"]), 64), visible(str(entry.details.get("status", "")), 32)
        text.append(f"  → {channel} ({status})", style="bold magenta")
    text.append(f"  {visible(entry.actor.user, 64)}@{visible(entry.actor.host, 64)}", style="dim")
    if entry.pending:
        text.append("  (queued: shared store unreachable)", style="italic dim")
    return text
