"""The `irtui` command line: parses arguments and hands each command to the package that owns it.

Imports are deferred to the chosen command so that `irtui sim` never loads Textual and
`irtui` starts quickly on a bastion host. Errors a user can fix are printed as one line
and exit 2; no traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from irtui import __version__
from irtui.platform import NAMESPACE

# command -> (module, function); the function takes the parsed args and returns an exit code.
_COMMANDS = {
    "app": ("irtui.ui.main", "run"),
    "wall": ("irtui.ui.main", "run"),
    "serve": ("irtui.ui.serve", "run"),
    "demo": ("irtui.ui.demo", "run"),
    "sim": ("irtui.sim.cli", "run"),
    "init": ("irtui.init", "run"),
    "report": ("irtui.incident.cli", "report"),
    "verify": ("irtui.incident.cli", "verify"),
    "runbook": ("irtui.runbook.cli", "run"),
    "help": ("irtui.cli", "help_command"),
    "info": ("irtui.clihelp", "info"),
    "completion": ("irtui.cli", "completion"),
}


# The options a client of the cluster takes: (flags, dest, argparse keywords). Declared once
# and added to the top level and to every subcommand, so that `irtui --read-only demo` and
# `irtui demo --read-only` mean the same, and one a subcommand ignores can be refused by name.
_SHARED: tuple[tuple[tuple[str, ...], str, dict], ...] = (
    (("--kubeconfig",), "kubeconfig", dict(metavar="FILE", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")),
    (("--context",), "context", dict(metavar="CTX", help="kubeconfig context (default: the current one)")),
    (("-n", "--namespace"), "namespace", dict(metavar="NAMESPACE", help=f"namespace (default: the context's, or {NAMESPACE})")),
    (("--read-only",), "read_only", dict(action="store_true", default=None,
                                         help="refuse every mutating request, whatever asks")),
    (("--write",), "write", dict(action="store_true", default=None,
                                 help="allow changes on a context the config or $IRTUI_READ_ONLY makes read-only")),
    (("--as",), "as_name", dict(metavar="NAME", help="the responder's name for the timeline (default: the login name)")),
    (("--theme",), "theme", dict(metavar="NAME", help="colour theme: war-room (default), daylight, high-contrast, "
                                 "colour-safe, monochrome (default when $NO_COLOR is set), or one in "
                                 "$XDG_CONFIG_HOME/irtui/themes; ctrl+p Theme picks and remembers one")),
    (("--config",), "config", dict(metavar="FILE", help="config file (default: $XDG_CONFIG_HOME/irtui/config.toml)")),
    (("--store",), "store", dict(metavar="URL", help="incident store: sqlite path or postgresql:// URL for a shared war room")),
    (("--runbook",), "runbook", dict(metavar="FILE", help="runbook TOML file (default: the built-in EMR platform runbook)")),
    (("--db-dsn",), "db_dsn", dict(metavar="DSN", help="PostgreSQL to monitor (password from PGPASSWORD or ~/.pgpass)")),
    # Checked by irtui.logfile (the one list of levels), not by choices=: importing it here
    # would slow every command, `irtui sim` included, for an option two commands use.
    (("--log-level",), "log_level", dict(metavar="LEVEL", help="what irtui's log file records: debug, info, "
                                                                "warning or error (default: $IRTUI_LOG_LEVEL or warning)")),
)
_FLAG = {dest: flags[-1] for flags, dest, _ in _SHARED}
_AFTER = "after_subcommand__"  # dest prefix of a shared option given after the subcommand

_ALL = frozenset(_FLAG)
# Which shared options each command honours; any other is an error, not silently dropped.
# The demo runs against its own simulator, so a kubeconfig or context would be ignored.
# report and verify never write, so --read-only holds for them as it is.
_APPLIES: dict[str, frozenset[str]] = {
    "app": _ALL,
    # A wall and a browser view are read-only whatever the layers say: --write is refused.
    "wall": _ALL - {"write"},
    "serve": _ALL - {"write"},
    "demo": _ALL - {"kubeconfig", "context"},
    "sim": frozenset(),
    "init": frozenset({"config"}),
    "report": frozenset({"store", "config", "runbook", "read_only"}),
    "verify": frozenset({"store", "config", "read_only"}),
    "runbook": frozenset(),
    "help": frozenset(),
    "info": frozenset({"config", "store", "runbook"}),
    "completion": frozenset(),
}
_WHY_NOT = {
    "wall": " (a wall display is read-only)",
    "serve": " (a browser view is read-only)",
    "sim": " (the simulator is not a client of a cluster)",
    "demo": " (the demo runs its own simulated cluster)",
}


class UsageError(Exception):
    """A command line that cannot mean one thing; printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        # One line, like every other input error, instead of argparse's usage block.
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")

    def format_help(self) -> str:
        # The top level's epilog (scenarios, environment, exit codes) is read from the code
        # that owns them, only when help is asked for: parsing stays as quick as it was.
        if self.prog == "irtui" and self.epilog is None:
            from irtui.clihelp import epilog

            self.epilog = epilog()
        return super().format_help()


def _shared_options(parser: argparse.ArgumentParser, command: str, prefix: str = "") -> None:
    """All shared options; those `command` does not honour are parsed (so that the error can
    say why they do not apply) but left out of its help."""
    exclusive = parser.add_mutually_exclusive_group()
    for flags, dest, kwargs in _SHARED:
        if dest not in _APPLIES[command]:
            kwargs = {**kwargs, "help": argparse.SUPPRESS}
        target = exclusive if dest in ("read_only", "write") else parser
        target.add_argument(*flags, dest=prefix + dest, **kwargs)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (0-65535; 0 picks a free port)")
    return port


def _utc_time(text: str):
    """An ISO 8601 time for `irtui sim --start`; UTC when it names no zone."""
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r} (e.g. 2026-11-28T03:00:00Z)") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="irtui", description="A terminal war room for incident response on Kubernetes.",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"irtui {__version__}")
    parser.add_argument("--wall", action="store_true", default=None,
                        help="the shared-screen layout: severity, clocks and status large, no prompts, read-only")
    _shared_options(parser, "app")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the app against a built-in simulated cluster")
    demo.add_argument("--scenario", metavar="NAME", help="start this fault scenario (irtui help scenarios)")
    demo.add_argument("--wall", dest=_AFTER + "wall", action="store_true", default=None,
                      help="the shared-screen layout, read-only (a --scenario is started before the wall goes read-only)")
    _shared_options(demo, "demo", _AFTER)

    wall = sub.add_parser("wall", help="the shared-screen layout for a wall or a projector (read-only, no prompts)")
    _shared_options(wall, "wall", _AFTER)

    serve = sub.add_parser(
        "serve", help="share a read-only view in a web browser (textual-serve; no auth, no TLS: trusted network only)",
        description="Serve irtui to web browsers with textual-serve: each browser tab runs its own read-only "
                    "irtui. There is NO authentication and NO TLS: anyone who can reach the port sees the "
                    "cluster view, so bind to 127.0.0.1 (the default) and reach it through an SSH tunnel, or "
                    "use it only on a trusted network. Needs the 'serve' extra: pip install 'irtui[serve]'.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--public-url", metavar="URL", help="the URL browsers use, when behind a proxy")
    serve.add_argument("--demo", action="store_true", help="serve the demo (a simulated cluster) instead of the cluster")
    serve.add_argument("--wall", dest=_AFTER + "wall", action="store_true", default=None,
                       help="serve the shared-screen layout")
    _shared_options(serve, "serve", _AFTER)

    sim = sub.add_parser("sim", help="run the simulated cluster alone, headless")
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    sim.add_argument("--port", type=_port, default=0, help="0 picks a free port")
    sim.add_argument("--kubeconfig-out", metavar="FILE", help="write a kubeconfig for the simulator here")
    sim.add_argument("--scenario", metavar="NAME", help="start this fault scenario (irtui help scenarios)")
    sim.add_argument("--pods", type=int, default=0, metavar="N", help="add filler pods for scale")
    sim.add_argument("--nodes", type=int, default=0, metavar="M", help="add filler nodes for scale")
    sim.add_argument("--audit-log", metavar="FILE", help="one JSON line per request")
    sim.add_argument("--speed", type=float, default=1.0, metavar="X", help="clock speed multiplier")
    sim.add_argument("--start", type=_utc_time, default=None, metavar="TIME",
                     help="simulated time at start, e.g. 2026-11-28T03:00:00Z (default: now)")
    sim.add_argument("--seed", type=int, default=0, help="random seed for reproducible worlds")
    _shared_options(sim, "sim", _AFTER)

    init = sub.add_parser("init", help="write an annotated config file")
    _shared_options(init, "init", _AFTER)
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    report = sub.add_parser("report", help="write the post-incident report")
    report.add_argument("incident_id", metavar="INCIDENT_ID", help="e.g. INC-20261128-1")
    report.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    report.add_argument("--format", choices=("md", "json"), default="md", help="Markdown (default) or JSON")
    _shared_options(report, "report", _AFTER)

    verify = sub.add_parser("verify", help="check an incident timeline's hash chain and its anchors")
    verify.add_argument("incident_id", metavar="INCIDENT_ID", help="e.g. INC-20261128-1")
    verify.add_argument("--head", metavar="SEQ:HASH", action="append", default=[],
                        help="a head hash quoted elsewhere (a status update, a ticket) that must still be in the chain")
    _shared_options(verify, "verify", _AFTER)

    runbook = sub.add_parser("runbook", help="runbook tools")
    runbook_sub = runbook.add_subparsers(dest="runbook_command", metavar="SUBCOMMAND", required=True)
    check = runbook_sub.add_parser("check", help="validate a runbook file")
    check.add_argument("file", metavar="FILE", help="the runbook TOML file")

    help_ = sub.add_parser("help", help="scenarios, environment variables, exit codes, keys, files")
    help_.add_argument("topic", metavar="TOPIC", nargs="?",
                       help="scenarios, environment, exit-codes, keys or files (none: irtui --help)")
    info = sub.add_parser("info", help="where the config, data, log, demo store and runbook in use are")
    _shared_options(info, "info", _AFTER)
    completion = sub.add_parser("completion", help="print a shell completion script",
                                description="Print a completion script, e.g. `irtui completion bash > "
                                            "~/.local/share/bash-completion/completions/irtui`.")
    completion.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell to complete for")
    return parser


def merge_shared(args: argparse.Namespace) -> argparse.Namespace:
    """Fold each shared option given before and after the subcommand into one value.

    A value given on either side counts; the same option with two different values, or
    `--read-only` with `--write`, is a `UsageError`, as is an option the command ignores.
    """
    command = args.command or "app"
    for dest, flag in _FLAG.items():
        before = getattr(args, dest, None)
        after = getattr(args, _AFTER + dest, None)
        if hasattr(args, _AFTER + dest):
            delattr(args, _AFTER + dest)
        if before is not None and after is not None and before != after:
            raise UsageError(f"{flag} is given twice, as {before!r} before {command} and {after!r} after it")
        value = after if after is not None else before
        if value is not None and dest not in _APPLIES[command]:
            raise UsageError(f"{flag} does not apply to `irtui {command}`{_WHY_NOT.get(command, '')}")
        setattr(args, dest, value)
    if args.read_only and args.write:
        raise UsageError("--read-only and --write contradict each other")
    return merge_wall(args, command)


_WALL_COMMANDS = frozenset({"app", "demo", "wall", "serve"})


def merge_wall(args: argparse.Namespace, command: str) -> argparse.Namespace:
    """`--wall` before or after the subcommand (and the `wall` subcommand) as `args.wall`;
    a wall is read-only, so it sets `read_only` and refuses `--write`."""
    wall = bool(getattr(args, "wall", None) or getattr(args, _AFTER + "wall", None)) or command == "wall"
    if hasattr(args, _AFTER + "wall"):
        delattr(args, _AFTER + "wall")
    if wall and command not in _WALL_COMMANDS:
        raise UsageError(f"--wall does not apply to `irtui {command}`")
    if wall and args.write:
        raise UsageError("--wall is read-only: --write contradicts it")
    args.wall = wall
    if wall or command == "serve":
        args.read_only = True
    return args


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line as one namespace; `UsageError` when it cannot mean one thing."""
    return merge_shared(build_parser().parse_args(argv))


def help_command(args: argparse.Namespace) -> int:
    """`irtui help [TOPIC]`."""
    from irtui.clihelp import TOPICS, topic

    if not args.topic:
        build_parser().print_help()
        return 0
    text = topic(args.topic)
    if text is None:
        print(f"irtui help: no topic {args.topic!r} (topics: {', '.join(TOPICS)})", file=sys.stderr)
        return 2
    print(text)
    return 0


def completion(args: argparse.Namespace) -> int:
    """`irtui completion SHELL`: the script shtab writes from this parser, so a new option
    completes without anyone editing a script."""
    import shtab

    from irtui.clihelp import scenarios

    parser = build_parser()
    for action in _all_actions(parser):
        if action.metavar == "FILE":
            action.complete = shtab.FILE
        elif action.dest == "scenario":
            action.choices = list(scenarios())  # only for completing: the simulator checks the name
    print(shtab.complete(parser, shell=args.shell))
    return 0


def _all_actions(parser: argparse.ArgumentParser):
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _all_actions(child)


def _start_log(args: argparse.Namespace) -> None:
    """irtui's own log file for the commands that run the app; a misspelt level stops here."""
    from irtui.logfile import level_setting, start

    start(level_setting(getattr(args, "log_level", None)))


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(f"irtui: {exc}", file=sys.stderr)
        return 2
    if "log_level" in _APPLIES[args.command or "app"]:
        from irtui.config import ConfigError

        try:
            _start_log(args)
        except ConfigError as exc:
            print(f"irtui: {exc}", file=sys.stderr)
            return 2
    module_name, func_name = _COMMANDS[args.command or "app"]
    func = getattr(importlib.import_module(module_name), func_name)
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `irtui --help | head`: the reader left; say nothing more (not even at exit).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
