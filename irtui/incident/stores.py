"""Which incident store a URL names, and the store object for it.

`store_url` picks the URL (`--store` > $IRTUI_STORE > config > the default), `open_store`
returns the SQLite or PostgreSQL store for it. Kept apart from the `Store` interface in
`irtui.incident.store`, which the concrete stores import, so that neither imports the other
back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from irtui.incident.store import Store, StoreError


def store_url(flag: str | None = None, config: Any = None) -> str | None:
    """Which store to use: `--store` > $IRTUI_STORE > config `[incident] store` > None (default)."""
    if flag:
        return flag
    if config is None:
        import os

        return os.environ.get("IRTUI_STORE") or None
    return config.setting("incident", "store", str, None, env="IRTUI_STORE")


def open_store(url: str | Path | None = None, **options: Any) -> Store:
    """A store for `url`: `postgresql://...` (shared war room), `sqlite:///path`, a plain path,
    or None for the default SQLite file under `irtui.config.data_dir()`. Call `await
    store.open()` (or use `async with`) before use.

    PostgreSQL URLs may carry `?schema=NAME` (default `irtui`); `outbox=PATH` (keyword)
    overrides where unsent entries wait while the database is unreachable;
    `start_offline=True` opens it even when the database cannot be reached yet. `guard=` (an
    `irtui.safety.Guard`): a read-only store refuses every write and runs no migration.
    """
    from irtui.config import data_dir

    # The stores are imported when opened: asyncpg is not needed before the first frame,
    # nor at all with SQLite.
    from irtui.incident.sqlite_store import SQLiteStore

    guard = options.get("guard")
    if url is None or str(url) == "":
        return SQLiteStore(data_dir() / "incidents.sqlite", guard=guard)
    text = str(url)
    scheme = urlsplit(text).scheme.lower()
    if scheme in ("postgresql", "postgres"):
        from irtui.incident.pg_store import PostgresStore

        return PostgresStore(text, **options)
    if scheme == "sqlite":
        # sqlite:///abs/path (and SQLAlchemy's sqlite:////abs/path) both mean /abs/path
        path = text[len("sqlite://"):]
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
        return SQLiteStore(Path(path), guard=guard)
    if scheme and len(scheme) > 1:
        raise StoreError(f"unsupported store URL {text!r}: use sqlite:///PATH, a path, or postgresql://...")
    return SQLiteStore(Path(text), guard=guard)
