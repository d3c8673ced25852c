"""`irtui verify ID` and `irtui report ID`: the incident commands that run without the UI."""

from __future__ import annotations

import argparse
import asyncio
import sys

from irtui import redact as redaction
from irtui.config import Config, ConfigError
from irtui.incident.anchor import Anchor, AnchorError, AnchorFile, TimelineKey, check_anchors, key_env_name
from irtui.incident.model import Entry, verify_chain
from irtui.incident.store import Store, StoreError
from irtui.incident.stores import open_store, store_url
from irtui.safety import Guard


def _store_url(args: argparse.Namespace) -> str | None:
    if getattr(args, "store", None):
        return args.store
    try:
        return store_url(None, Config.load(getattr(args, "config", None)))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None


def _reader(url: str | None) -> Store:
    # verify and report only read: no migration, no outbox replay, nothing written.
    return open_store(url, guard=Guard(read_only=True))


async def _entries(url: str | None, incident_id: str) -> tuple[list[Entry], list[Entry]]:
    return await _read(_reader(url), incident_id)


async def _read(store: Store, incident_id: str) -> tuple[list[Entry], list[Entry]]:
    await store.open()
    try:
        return await store.entries(incident_id), await store.pending(incident_id)
    finally:
        await store.close()


def verify(args: argparse.Namespace) -> int:
    """Exit 0 when the chain is intact and every anchor agrees with it (warnings say what
    could not be checked); 1 naming the first altered or missing entry, or each anchor that
    disagrees; 2 when the store or an argument cannot be used."""
    try:
        config = Config.load(getattr(args, "config", None))
        quoted = [Anchor.parse_quoted(text) for text in getattr(args, "head", None) or []]
        key = TimelineKey.from_config(config)
        store = _reader(_store_url(args))
        local = AnchorFile.default(store.anchor_scope()).read(args.incident_id)
    except (AnchorError, ConfigError, StoreError) as exc:
        print(f"irtui verify: {exc}", file=sys.stderr)
        return 2
    try:
        entries, pending = asyncio.run(_read(store, args.incident_id))
    except Exception as exc:  # unreachable store: one line, no traceback
        print(f"irtui verify: cannot read the store: {exc}", file=sys.stderr)
        return 2
    if not entries:
        print(f"{args.incident_id}: no such incident in this store")
        return 1
    result = verify_chain(entries)
    print(f"{args.incident_id}: {result}")
    if not result.ok:
        return 1
    findings = check_anchors(entries, key, [*([local] if local else []), *quoted],
                             key_source=f"${key_env_name(config)}")
    for finding in findings:
        print(f"{args.incident_id}: {finding.line}")
    print(f"{args.incident_id}: head #{entries[-1].seq} {entries[-1].hash}")
    if pending:
        print(f"{args.incident_id}: {len(pending)} entries still waiting in the local outbox")
    return 0 if all(f.ok for f in findings) else 1


def report(args: argparse.Namespace) -> int:
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
        # The config's [redaction] patterns apply to the report too: an entry written before
        # a pattern was added is hidden here.
        redaction.configure(Config.load(getattr(args, "config", None)))
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
