"""The message that carries a durable incident entry from the session to a widget."""

from __future__ import annotations

from collections.abc import Callable

from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from irtui.incident.model import Entry
from irtui.incident.session import IncidentSession
from irtui.text import visible


class IncidentChanged(Message):
    """A new entry (`entry`), or `entry is None` when the session attached to an incident."""

    def __init__(self, entry: Entry | None) -> None:
        super().__init__()
        self.entry = entry


def follow(session: IncidentSession, widget: Widget) -> Callable[[], None]:
    """Post `IncidentChanged` to `widget` for every session change; returns the unlistener."""
    return session.listen(lambda entry: widget.post_message(IncidentChanged(entry)))


def report_failed_write(widget: Widget, event: Worker.StateChanged) -> None:
    """A write that failed (read-only, store unreachable while declaring...) is said on
    screen, in one line; it never takes the app down."""
    if event.state == WorkerState.ERROR and event.worker.group == "incident-writes":
        widget.notify(f"not recorded: {visible(str(event.worker.error))}", severity="error", timeout=8,
                      markup=False)


class SessionView(Vertical):
    """A widget that follows the incident session: it rebuilds on mount, hears every
    change as `IncidentChanged`, says failed writes in one line, and stops listening when
    it goes. Subclasses set `BORDER_TITLE` and `self.session`, and implement `rebuild()`."""

    session: IncidentSession
    _unlisten: Callable[[], None] | None = None

    def on_mount(self) -> None:
        self._unlisten = follow(self.session, self)
        self.rebuild()

    def rebuild(self) -> None:
        raise NotImplementedError

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_write(self, event)

    def on_unmount(self) -> None:
        if self._unlisten:
            self._unlisten()
