"""Every command line of the runbook document maps to something irtui runs or shows: a step
of the default runbook that names an action id irtui declares (an action, a view, a step a
pane shows) or the runbook's own [[actions.custom]]. A command without one fails here."""

from test_runbook_document import DOC, norm, walk

from irtui.actions import registry
from irtui.runbook import load_runbook


def mapped_commands() -> dict[str, tuple[str, ...]]:
    """{command text as the runbook keeps it: the action ids its step names}."""
    runbook = load_runbook()
    out: dict[str, tuple[str, ...]] = {}
    for phase in runbook.phases:
        for item in phase.items:
            for command in item.commands:
                out[norm(command)] = out.get(norm(command), ()) + item.actions
    for book in runbook.playbooks:
        for step in book.steps:
            for command in step.commands:
                out[norm(command.command)] = out.get(norm(command.command), ()) + (
                    (command.action,) if command.action else ())
    return out


def test_every_command_of_the_document_maps_to_a_declared_action():
    runbook = load_runbook()
    own = {action.id for action in runbook.custom}
    commands = mapped_commands()
    unmapped, checked = [], 0
    for what, piece in walk(DOC.read_text(encoding="utf-8")):
        if what != "command":
            continue
        checked += 1
        text = norm(piece)
        ids = [i for command, found in commands.items() if text in command for i in found]
        if not any(registry.declared(i) is not None or i in own for i in ids):
            unmapped.append(text)
    assert checked > 30
    assert not unmapped, "commands of the runbook document with no action:\n" + "\n".join(unmapped)
