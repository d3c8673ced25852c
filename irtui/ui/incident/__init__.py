"""The incident widgets: checklist sidebar, timeline pane, clock bar, and the declare-incident
and note screens.

Each widget takes an `IncidentSession` (and the `Runbook`) and updates itself from the
session's entries, delivered as `IncidentChanged` messages; none opens a socket. Writes go
through the session from async workers, so the screen shows an entry only once it is durable.

Wiring into the shell (all on the app's event loop, e.g. in an async `on_mount` or before
`app.run_async()`):

    session = await irtui.incident.boot.start_session(store=args.store, config=config,
                                                      kube_identity=conn.actor, guard=conn.guard)
    runbook = load_runbook(runbook_path(args.runbook, config))
    contacts = irtui.incident.boot.contacts(config, runbook)
    IrtuiApp(conn,
             clock_bar=lambda: ClockBar(session, ClockPolicy.from_runbook(runbook), contacts),
             sidebar=lambda: ChecklistSidebar(session, runbook, action_keys),   # {action id: key}
             panes=[..., PaneSpec("timeline", "Timeline", lambda: TimelinePane(session, runbook, contacts), key="t")],
             commands=[IncidentCommands])
    app.push_screen(DeclareIncidentScreen(session, runbook))   # e.g. on an app key
    app.cluster.add_observer(session.observer)                 # cluster observations
    # actions: runner recorder = session (its `record()`), or session.action_started/finished
    # on exit: await session.stop(); await session.store.close()
"""

from irtui.ui.incident.checklist import ChecklistSidebar
from irtui.ui.incident.clockbar import ClockBar
from irtui.ui.incident.commands import IncidentCommands
from irtui.ui.incident.declare import DeclareIncidentScreen
from irtui.ui.incident.messages import IncidentChanged
from irtui.ui.incident.note import NoteScreen
from irtui.ui.incident.timeline import TimelinePane

__all__ = ["ChecklistSidebar", "ClockBar", "DeclareIncidentScreen", "IncidentChanged", "IncidentCommands", "NoteScreen",
           "TimelinePane"]
