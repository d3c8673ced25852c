"""The war room as a responder runs it: its parts built from the config, the app assembled
from them, run, and closed.

This module owns assembling the parts built elsewhere into one app and running it:
`run_war_room(args, connection, config, feed)` loads the runbook, opens the incident store
and session, builds the metrics, health, timeline and (when a DSN is configured) database
panes, the clock bar's and checklist's inputs, the user's `[keys]`, and the status-update
queue, builds the app (`WarRoomApp`, `irtui.ui.war_room`, or the class `irtui demo` passes)
with the look the config asks for (`build_app`), runs it, and closes what it opened.
`war_room(...)` is the same assembly as an async context manager (tests drive the app it
yields with `run_test`). `irtui demo` passes its app class and `workdir=`, so a drill's
incidents and audit journal stay in the demo's own directory. Every problem a user can fix
before the app starts (bad runbook, bad config, unusable store, unknown theme) is a
`WarRoomError`: one line, never a UI.

One Guard decides read-only for the whole session: the connection's
(`irtui.ui.main.open_connection`: any of --read-only, $IRTUI_READ_ONLY,
[contexts."CTX".cluster] and [cluster] read_only turns it on; only --write turns it off,
and that override is recorded at start). The incident session and store, the action
environment, the database clients and the metrics/health HTTP clients are all given that
same object.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable

from irtui import redact as redaction
from irtui.actions.settings import ActionSettings
from irtui.config import Config, ConfigError
from irtui.detect import DetectSettings
from irtui.incident.boot import contacts as config_contacts
from irtui.incident.boot import start_session
from irtui.incident.journal import Journal
from irtui.incident.model import utcnow
from irtui.kube.client import KubeConnection
from irtui.kube.identity import authenticated_user
from irtui.notify.delivery import Notifier
from irtui.notify.settings import NotifySettings
from irtui.runbook import RunbookErrors, load_runbook, runbook_path
from irtui.runbook.model import Runbook
from irtui.ui import theming
from irtui.ui.app import IrtuiApp
from irtui.ui.incident import TimelinePane
from irtui.ui.panes import PaneSpec
from irtui.ui.panes.health import HealthPane
from irtui.ui.panes.metrics import MetricsPane
from irtui.ui.war_room import WarRoomApp, WarRoomParts

if TYPE_CHECKING:
    # Imported when a database is configured: its client (asyncpg) is not needed for the
    # first frame, and most sessions have no [database].
    from irtui.ui.panes.database import DatabasePane


def user_keymap(config: Config, known: Callable[[], set[str]] | None = None) -> dict[str, str]:
    """`[keys]`: binding id = key(s), e.g. `"kube.rollout_restart" = "ctrl+r"` (`irtui help
    keys` lists the ids; several keys separated by commas). With `known`, an id not in what
    it returns is an error: a misspelt id would otherwise leave the key where it was, silently.
    `known` is called only when there is a `[keys]` table: collecting every binding imports
    every screen, which a launch without one should not wait for."""
    section = config.section("keys")
    keys: dict[str, str] = {}
    ids = known() if known is not None and section.keys() else set()
    for binding_id in section.keys():
        value = section.get(binding_id, str).strip()
        if not value:
            raise section.error(binding_id, "must name at least one key")
        if known is not None and binding_id not in ids:
            import difflib

            close = difflib.get_close_matches(binding_id, sorted(ids), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise section.error(binding_id, f"no binding has this id (irtui help keys lists them){hint}")
        keys[binding_id] = value
    return keys


def binding_ids(settings: ActionSettings, panes: list[PaneSpec]) -> set[str]:
    """Every id a `[keys]` table may name: the declared bindings, a team's custom steps, and
    the keys of the panes that have one (`app.pane.<id>`; the timeline's is `t`)."""
    from irtui.ui.screens.keys import declared_bindings

    ids = {binding.id for _, binding in declared_bindings() if binding.id}
    ids.update(spec.id for spec in settings.custom)
    ids.update(f"app.pane.{spec.id}" for spec in panes if spec.key)
    ids.add("app.pane.timeline")
    return ids


# At launch the responder waits for the pods pane; the metrics and health panes' first
# requests (and loading their HTTP client, ~0.3 s of CPU) come this many seconds later.
SECONDARY_FIRST_POLL = 1.0


class WarRoomError(Exception):
    """Something a user can fix before the app starts (bad runbook, unusable store); one line."""


def build_app(connection: KubeConnection, config: Config, args: Any, app_class: type[IrtuiApp] = IrtuiApp,
              **extra: Any) -> IrtuiApp:
    """An app of `app_class` (the war room's, or the bare shell) in the look the config and
    the command line ask for: theme, the context's cue colour, the wall layout (`--wall`,
    `irtui wall`; read-only was already forced on the command line). A bad `[ui]` value,
    theme file or theme name is a `WarRoomError`, before anything runs."""
    try:
        look = theming.Look.from_config(args, config, connection.context)
        app = app_class(connection, context_colour=look.colour, config_file=look.config_file,
                        wall=bool(getattr(args, "wall", False)), **extra)
    except ConfigError as exc:
        raise WarRoomError(str(exc)) from None
    if look.theme:
        if look.theme not in app.available_themes:
            raise WarRoomError(look.unknown(app.available_themes))
        app.theme = look.theme
    return app


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _masked(url: str | None) -> str:
    if not url:
        return "the default SQLite store"
    from irtui.database.connection import mask_dsn

    return mask_dsn(url) if "://" in url else url


def load_parts_config(args: Any, connection: KubeConnection, config: Config,
                      now: Callable[[], datetime] = utcnow) -> tuple[Runbook, ActionSettings, list[PaneSpec],
                                                                      DatabasePane | None]:
    """Runbook, action settings and the extra panes; config problems raise WarRoomError.
    `now` is the screen's one clock (the metrics pane's samples are timed by it)."""
    try:
        runbook = load_runbook(runbook_path(getattr(args, "runbook", None), config))
    except RunbookErrors as exc:
        more = len(exc.errors) - 1
        tail = f" (+{more} more: irtui runbook check {exc.file})" if more else ""
        raise WarRoomError(f"{exc}{tail}") from None
    except ConfigError as exc:
        raise WarRoomError(str(exc)) from None
    guard = connection.guard
    try:
        settings = ActionSettings.load(config, connection.context).with_custom(runbook.custom)
        redaction.configure(config)  # a bad [redaction] pattern stops here, as one line
        NotifySettings.load(config)  # and so does a bad [notify]
        DetectSettings.from_config(config)  # and a bad [detect]
        panes = [
            PaneSpec("metrics", "Metrics", _once(MetricsPane.from_config(
                config, guard, connection.api_client, first_poll_after=SECONDARY_FIRST_POLL,
                clock=lambda: now().timestamp())), key="m"),
            PaneSpec("health", "Health", _once(HealthPane.from_config(
                config, guard, connection.api_client, first_poll_after=SECONDARY_FIRST_POLL)), key="h"),
        ]
        # A bad [keys] entry (an empty key, an id no binding has) stops here, as one line.
        user_keymap(config, lambda: binding_ids(settings, panes))
    except ConfigError as exc:
        raise WarRoomError(str(exc)) from None
    database = None
    try:
        from irtui.database.settings import DatabaseSettings

        # Asked first, so that without a database its pane (and asyncpg) is never imported.
        DatabaseSettings.from_config(config, flag_dsn=getattr(args, "db_dsn", None), context=connection.context)
        from irtui.ui.panes.database import DatabasePane

        database = DatabasePane.from_config(config, guard, flag_dsn=getattr(args, "db_dsn", None),
                                            context=connection.context)
    except ConfigError as exc:
        raise WarRoomError(str(exc)) from None
    except ValueError:
        database = None  # no DSN configured: no database pane
    if database is not None:
        panes.append(PaneSpec("database", "Database", _once(database)))
    return runbook, settings, panes, database


def _once(widget):
    return lambda: widget


@contextlib.asynccontextmanager
async def war_room(args: Any, connection: KubeConnection, config: Config, feed=None,
                   app_class: type[WarRoomApp] = WarRoomApp, *, workdir: Path | None = None,
                   now: Callable[[], datetime] = utcnow, **app_kwargs: Any) -> AsyncIterator[WarRoomApp]:
    """The assembled app (not yet running); closes the session and the store afterwards.

    `now`: the one clock of the screen and the incident (ages, clocks, entry times); a
    test stops it to take a picture that is the same every run.

    `workdir` (the demo's): the incident store (unless `--store` names one) and the audit
    journal live there, so a drill never opens, or attaches actions to, a real incident."""
    runbook, settings, panes, database = load_parts_config(args, connection, config, now)
    store = getattr(args, "store", None)
    journal = None
    if workdir is not None:
        store = store or str(Path(workdir) / "incidents.sqlite")
        journal = Journal(Path(workdir) / "journal.sqlite", guard=connection.guard)
    try:
        session = await start_session(store=store, config=config, kube_identity=connection.user,
                                      guard=connection.guard, journal=journal, name=getattr(args, "as_name", None),
                                      kube_review=functools.partial(authenticated_user, connection.api_client),
                                      now=now)
        override = connection.extra.get("write_override")
        if override:
            # Changes allowed against the configuration's wish are on the record before any is made.
            await session.record("write_override", override, {"context": connection.context})
    except Exception as exc:  # unreachable PostgreSQL, unwritable file, bad URL: all one line
        raise WarRoomError(f"cannot open the incident store ({_masked(store)}): {_one_line(exc)}") from None
    contacts = config_contacts(config, runbook)
    try:
        # A read-only terminal sends nothing, so it keeps no delivery queue either.
        notifier = None if connection.guard.read_only else Notifier.from_config(config, session, connection.guard,
                                                                                 workdir=workdir)
    except (OSError, sqlite3.Error) as exc:  # [notify] itself was checked with the rest of the config
        with contextlib.suppress(Exception):
            await session.stop()
        with contextlib.suppress(Exception):
            await session.store.close()
        raise WarRoomError(f"cannot open the status-update queue: {_one_line(exc)}") from None
    # A drill's reports go with its incidents (`irtui demo`'s directory): a drill's
    # INC-20261128-1 must never overwrite the report of the real one.
    reports = Path(workdir) / "reports" if workdir is not None else None
    timeline = PaneSpec("timeline", "Timeline", lambda: TimelinePane(session, runbook, contacts, notifier=notifier,
                                                                     reports=reports), key="t")
    parts = WarRoomParts(session, runbook, settings, contacts, [timeline, *panes], database, user_keymap(config),
                         DetectSettings.from_config(config))
    app = None
    try:
        app = build_app(connection, config, args, app_class, parts=parts, feed=feed, now=now, **app_kwargs)
        yield app
    finally:
        if app is not None:
            app.feed.stop()
        if notifier is not None:
            with contextlib.suppress(Exception):
                await notifier.aclose()
        with contextlib.suppress(Exception):
            await session.stop()
        with contextlib.suppress(Exception):
            await session.store.close()


async def run_war_room(args: Any, connection: KubeConnection, config: Config, feed=None,
                       app_class: type[WarRoomApp] = WarRoomApp, *, workdir: Path | None = None,
                       **app_kwargs: Any) -> int:
    """`irtui` and `irtui demo`: run the war room until the responder quits; the exit code."""
    try:
        async with war_room(args, connection, config, feed, app_class, workdir=workdir, **app_kwargs) as app:
            await app.run_async()
            return int(app.return_code or 0)
    except WarRoomError as exc:
        if feed is not None:
            feed.stop()
        print(f"irtui: {exc}", file=sys.stderr)
        return 2
