"""The `irtui` command line: parses arguments and hands each command to the package that owns it.

Imports are deferred to the chosen command so that `irtui sim` never loads Textual and
`irtui` starts quickly on a bastion host. Errors a user can fix are printed as one line
and exit 2; no traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from irtui import __version__

# command -> (module, function); the function takes the parsed args and returns an exit code.
_COMMANDS = {
    "app": ("irtui.ui.main", "run"),
    "demo": ("irtui.ui.demo", "run"),
    "sim": ("irtui.sim.cli", "run"),
    "init": ("irtui.init", "run"),
    "report": ("irtui.incident.cli", "report"),
    "verify": ("irtui.incident.cli", "verify"),
    "runbook": ("irtui.runbook.cli", "run"),
}


def _app_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--context", metavar="CTX", help="kubeconfig context (default: the current one)")
    parser.add_argument("-n", "--namespace", metavar="NAMESPACE", help="namespace (default: the context's, or emrtask-prod)")
    parser.add_argument("--read-only", action="store_true", default=None, help="refuse every mutating request, whatever asks")
    parser.add_argument("--theme", metavar="NAME", help="colour theme")
    parser.add_argument("--config", metavar="FILE", help="config file (default: $XDG_CONFIG_HOME/irtui/config.toml)")
    parser.add_argument("--store", metavar="URL", help="incident store: sqlite path or postgresql:// URL for a shared war room")
    parser.add_argument("--runbook", metavar="FILE", help="runbook TOML file (default: the built-in EMR platform runbook)")
    parser.add_argument("--db-dsn", metavar="DSN", help="PostgreSQL to monitor (password from PGPASSWORD or ~/.pgpass)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="irtui", description="A terminal war room for incident response on Kubernetes.")
    parser.add_argument("--version", action="version", version=f"irtui {__version__}")
    _app_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the app against a built-in simulated cluster")
    demo.add_argument("--scenario", metavar="NAME", help="start this fault scenario")
    demo.add_argument("--read-only", action="store_true", default=None, help="refuse every mutating request")
    demo.add_argument("--theme", metavar="NAME")
    demo.add_argument("--config", metavar="FILE")
    demo.add_argument("--store", metavar="URL")
    demo.add_argument("--runbook", metavar="FILE")
    demo.add_argument("--db-dsn", metavar="DSN")

    sim = sub.add_parser("sim", help="run the simulated cluster alone, headless")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sim.add_argument("--kubeconfig-out", metavar="FILE", help="write a kubeconfig for the simulator here")
    sim.add_argument("--scenario", metavar="NAME", help="start this fault scenario")
    sim.add_argument("--pods", type=int, default=0, metavar="N", help="add filler pods for scale")
    sim.add_argument("--nodes", type=int, default=0, metavar="M", help="add filler nodes for scale")
    sim.add_argument("--audit-log", metavar="FILE", help="one JSON line per request")
    sim.add_argument("--speed", type=float, default=1.0, metavar="X", help="clock speed multiplier")
    sim.add_argument("--seed", type=int, default=0, help="random seed for reproducible worlds")

    init = sub.add_parser("init", help="write an annotated config file")
    init.add_argument("--config", metavar="FILE", help="where to write it")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    report = sub.add_parser("report", help="write the post-incident report")
    report.add_argument("incident_id", metavar="INCIDENT_ID")
    report.add_argument("-o", "--output", metavar="FILE")
    report.add_argument("--format", choices=("md", "json"), default="md")
    report.add_argument("--store", metavar="URL")
    report.add_argument("--config", metavar="FILE")

    verify = sub.add_parser("verify", help="check an incident timeline's hash chain and its anchors")
    verify.add_argument("incident_id", metavar="INCIDENT_ID")
    verify.add_argument("--head", metavar="SEQ:HASH", action="append", default=[],
                        help="a head hash quoted elsewhere (a status update, a ticket) that must still be in the chain")
    verify.add_argument("--store", metavar="URL")
    verify.add_argument("--config", metavar="FILE")

    runbook = sub.add_parser("runbook", help="runbook tools")
    runbook_sub = runbook.add_subparsers(dest="runbook_command", metavar="SUBCOMMAND", required=True)
    check = runbook_sub.add_parser("check", help="validate a runbook file")
    check.add_argument("file", metavar="FILE")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module_name, func_name = _COMMANDS[args.command or "app"]
    func = getattr(importlib.import_module(module_name), func_name)
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
