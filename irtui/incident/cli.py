"""`irtui verify ID` and `irtui report ID`: the incident commands that run without the UI."""

from __future__ import annotations

import asyncio
import sys

from irtui.config import Config, ConfigError
from irtui.incident.model import verify_chain


def _store_url(args) -> str | None:
    from irtui.incident.store import store_url

    if getattr(args, "store", None):
        return args.store
    try:
        return store_url(None, Config.load(getattr(args, "config", None)))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2)


async def _entries(url: str | None, incident_id: str):
    from irtui.incident.store import open_store
    from irtui.safety import Guard

    # verify and report only read: no migration, no outbox replay, nothing written.
    store = open_store(url, guard=Guard(read_only=True))
    await store.open()
    try:
        return await store.entries(incident_id), await store.pending(incident_id)
    finally:
        await store.close()


def verify(args) -> int:
    """Exit 0 when the chain is intact; 1 naming the first altered or missing entry."""
    try:
        entries, pending = asyncio.run(_entries(_store_url(args), args.incident_id))
    except Exception as exc:  # unreachable store, bad URL: one line, no traceback
        print(f"irtui verify: cannot read the store: {exc}", file=sys.stderr)
        return 2
    result = verify_chain(entries)
    if not entries:
        print(f"{args.incident_id}: no such incident in this store")
        return 1
    print(f"{args.incident_id}: {result}")
    if result.ok:
        # Entries removed from the end leave no gap; quoting the head hash elsewhere (an
        # update, a ticket) anchors it, and a later verify shows whether it moved back.
        print(f"{args.incident_id}: head #{entries[-1].seq} {entries[-1].hash}")
    if pending:
        print(f"{args.incident_id}: {len(pending)} entries still waiting in the local outbox")
    return 0 if result.ok else 1


def report(args) -> int:
    from irtui.incident.report import render_report
    from irtui.runbook import load_runbook

    try:
        entries, _ = asyncio.run(_entries(_store_url(args), args.incident_id))
    except Exception as exc:
        print(f"irtui report: cannot read the store: {exc}", file=sys.stderr)
        return 2
    if not entries:
        print(f"irtui report: no incident {args.incident_id} in this store", file=sys.stderr)
        return 1
    try:
        runbook = load_runbook(getattr(args, "runbook", None))
    except ConfigError as exc:
        print(f"irtui report: {exc}", file=sys.stderr)
        return 2
    text = render_report(runbook, entries, fmt=args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            print(f"irtui report: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    return 0
