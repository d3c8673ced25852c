"""Keys typed while a dialog opens reach the dialog, never the screen below it.

A terminal delivers what a responder types as fast as it was typed; over SSH a whole burst
arrives in one read. `burst` sends keys that way: all of them queued for the app before it
has handled the first (Pilot's `press` instead waits for the app to settle after each key,
which no person does). The war room is driven from its start by keys only; what is asserted
is what the incident store and the simulator's audit log hold afterwards, and where the
typed text landed. A confirmation is the exception: a yes typed before it showed is dropped.
"""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from irtui.config import Config
from irtui.ui.incident import DeclareIncidentScreen, NoteScreen
from irtui.ui.main import open_connection
from irtui.ui.screens.confirm import ParamsScreen
from irtui.ui.typeahead import KeysToTopScreen
from irtui.ui.wiring import war_room

from polling import until
from war_room_help import declared_elsewhere, isolated, mutations, store_rows, war_args  # noqa: F401 (isolated: a fixture)

# Keys that mean something on the main screen: e escalates and s moves the status (timeline),
# space ticks (checklist), digits switch panes, + raises the severity, n picks a namespace.
NOTE = "need tech lead: s1 pods 2 + 3 e"
NAMES = {" ": "space", "+": "plus", ":": "colon", "-": "minus"}


def keys_of(text: str) -> list[tuple[str, str]]:
    """(key, character) for each character of `text`, as the terminal driver names them."""
    return [(NAMES.get(ch, ch), ch) for ch in text]


ENTER = ("enter", "\r")


def burst(app, *keys: tuple[str, str]) -> None:
    """Queue `keys` for the app at once, as a terminal read of typed-ahead input does."""
    for key, character in keys:
        event = events.Key(key, character)
        event.set_sender(app)
        app.post_message(event)




def false_entries(rows: list[dict]) -> list[tuple[str, str]]:
    """Entries a typed-ahead key on the main screen would have written."""
    return [(r["kind"], r["text"]) for r in rows
            if r["kind"] in ("escalation", "severity", "status", "checklist", "pin", "phase", "update_snoozed")]


async def test_note_typed_while_its_dialog_opens_is_the_only_entry(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    incident_id = await declared_elsewhere(isolated / "incidents.sqlite", "Task service restarting", phase="assess")
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            await until(lambda: app.session.incident_id == incident_id, "the open incident", pilot=pilot)
            await pilot.press("t")  # the timeline, where e, s, + and - are keys
            await until(lambda: app.active_pane == "timeline", "the timeline pane", pilot=pilot)
            burst(app, ("N", "N"), *keys_of(NOTE), ENTER)
            await until(lambda: any(e.kind == "note" for e in app.session.timeline), "the note", pilot=pilot)
            await until(lambda: not isinstance(app.screen, NoteScreen), "the note dialog to close", pilot=pilot)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.active_pane == "timeline"
    rows = store_rows(isolated / "incidents.sqlite", incident_id)
    assert [r["text"] for r in rows if r["kind"] == "note"] == [NOTE]
    assert false_entries(rows) == []


async def test_title_typed_while_the_declare_dialog_opens_lands_in_its_field(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    title = "e2 s1 + 3 escalated"
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            await until(lambda: app.cluster.rows["pods"], "the pods list", pilot=pilot)
            burst(app, ("I", "I"), *keys_of(title))
            await until(lambda: isinstance(app.screen, DeclareIncidentScreen), "the declare dialog", pilot=pilot)
            await pilot.pause()
            assert app.active_pane == "pods"  # the digits typed ahead did not switch panes
            # Then on to the first impact question ("Can users access the system?" No: P0),
            # and tab by tab to the Declare button.
            await pilot.press("tab", "enter", *["tab"] * 6, "enter")
            await until(lambda: app.session.is_open, "the incident to be declared", pilot=pilot)
            incident_id = app.session.incident_id
    rows = store_rows(isolated / "incidents.sqlite", incident_id)
    declared = rows[0]
    assert declared["kind"] == "declared" and declared["details"]["title"] == title
    assert declared["details"]["severity"] == "P0"
    assert false_entries(rows) == []


class Confirm(ModalScreen[bool]):
    TYPE_AHEAD = False
    BINDINGS = [Binding("y", "answer(True)"), Binding("n", "answer(False)")]

    def compose(self) -> ComposeResult:
        yield Label("Run it? y/n")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ConfirmingApp(KeysToTopScreen, App):
    """The smallest app with the war room's key routing and a confirmation behind a key."""

    BINDINGS = [Binding("c", "ask", "Ask")]

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[bool] = []

    def compose(self) -> ComposeResult:
        yield Label("main")

    def action_ask(self) -> None:
        self.push_screen(Confirm(), self.answers.append)


async def test_a_yes_typed_before_the_confirmation_showed_answers_nothing():
    app = ConfirmingApp()
    async with app.run_test() as pilot:
        burst(app, ("c", "c"), ("y", "y"))
        await until(lambda: isinstance(app.screen, Confirm), "the confirmation", pilot=pilot)
        await pilot.pause()
        assert app.answers == [] and isinstance(app.screen, Confirm)
        await pilot.press("y")  # once it is on screen, a yes is a yes
        await until(lambda: app.answers == [True], "the answer", pilot=pilot)


async def test_parameters_typed_while_an_action_asks_the_cluster_go_to_its_dialog(sim, isolated):
    config = Config.empty()
    args = war_args(sim, isolated)
    connection = open_connection(args, config)
    typed = "LOG_LEVEL=debug 2 t"
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(160, 50)) as pilot:
            await until(lambda: app.pods_pane.selected(), "a pod under the cursor", pilot=pilot)
            # E asks the cluster (access review, the pod's deployment) before it shows its
            # parameters; the responder types on meanwhile.
            burst(app, ("E", "E"), *keys_of(typed))
            params = await until(lambda: isinstance(app.screen, ParamsScreen) and app.screen,
                                 "the parameters dialog", timeout=120, pilot=pilot)
            field = params.query_one("#param-name", Input)
            await until(lambda: field.value.endswith(typed), f"{typed!r} in the dialog ({field.value!r})", pilot=pilot)
            assert app.active_pane == "pods"  # neither 2 nor t switched panes below
            await pilot.press("escape")
            await until(lambda: app.action_controller.outcomes, "the cancelled outcome", pilot=pilot)
    assert not mutations(sim.audit())
