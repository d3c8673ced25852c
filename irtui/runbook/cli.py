"""`irtui runbook check FILE`: validate a runbook and say where each problem is."""

from __future__ import annotations

import argparse
import sys

from irtui.runbook.loader import check_runbook


def run(args: argparse.Namespace) -> int:
    if getattr(args, "runbook_command", "check") != "check":
        print(f"irtui runbook: unknown subcommand {args.runbook_command}", file=sys.stderr)
        return 2
    runbook, errors = check_runbook(args.file)
    if runbook is None:  # exactly when there are errors
        for error in errors:
            print(str(error))
        print(f"{args.file}: {len(errors)} error{'s' if len(errors) != 1 else ''}", file=sys.stderr)
        return 1
    items = sum(len(p.items) for p in runbook.phases)
    print(f"{args.file}: ok: {len(runbook.severities)} severities, {len(runbook.phases)} phases, {items} checklist items, "
          f"{len(runbook.playbooks)} playbooks, {len(runbook.actions)} actions")
    return 0
