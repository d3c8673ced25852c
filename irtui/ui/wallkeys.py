"""The keys a wall display refuses: every one that would open a prompt.

No one types at a wall, and a dialog left open there would hide the room's view; each such
key says why not instead (the app's and the panes' `why_not`). Kept apart from
`irtui.ui.wall` (the board) so that the panes can ask without importing the incident UI.
"""

from __future__ import annotations

# Actions that open a dialog for typing or choosing, and what the refusal calls them.
PROMPTS = {
    "choose_namespace": "choosing a namespace",
    "command_palette": "the command palette",
    "start_filter": "filtering",
    "filter": "filtering",
    "choose_scenario": "starting a scenario",
}


def why_no_prompt(action: str) -> str | None:
    """The wall's refusal of a key that would open a prompt; None for any other action."""
    what = PROMPTS.get(action)
    if what is None:
        return None
    return f"wall display: no prompts here ({what}); use a responder's terminal"
