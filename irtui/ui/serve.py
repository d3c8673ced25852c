"""`irtui serve`: a read-only irtui in web browsers, through textual-serve.

This module owns building the command each browser tab runs (always `--read-only`, and
`--wall` or `demo` when asked) and starting textual-serve's server with it. The server has
no authentication and no TLS: whoever reaches the port sees what the kubeconfig lets irtui
see. It binds 127.0.0.1 unless told otherwise and says so when it starts; share it through
an SSH tunnel or on a network you trust. textual-serve is the optional extra `serve`; when
it is missing the command says how to install it.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

INSTALL_HINT = "irtui serve needs textual-serve: pip install 'irtui[serve]' (or: pip install textual-serve)"
CAVEAT = ("no authentication and no TLS: anyone who can reach this address sees the cluster view. "
          "Use it on a trusted network only, or keep the default 127.0.0.1 and reach it through an SSH tunnel "
          "(ssh -L 8000:127.0.0.1:8000 HOST).")
# Shared options handed on to every browser's irtui as given (flag, attribute).
_PASSED_ON = (("--kubeconfig", "kubeconfig"), ("--context", "context"), ("--namespace", "namespace"),
              ("--as", "as_name"), ("--theme", "theme"), ("--config", "config"), ("--store", "store"),
              ("--runbook", "runbook"), ("--db-dsn", "db_dsn"))
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve_command(args: Any) -> list[str]:
    """The command line each browser tab runs: read-only always."""
    argv = [sys.executable, "-m", "irtui", "--read-only"]
    if getattr(args, "wall", False):
        argv.append("--wall")
    for flag, name in _PASSED_ON:
        value = getattr(args, name, None)
        if value is not None:
            argv += [flag, str(value)]
    if getattr(args, "demo", False):
        argv.append("demo")
    return argv


def run(args: Any) -> int:
    if getattr(args, "demo", False) and (getattr(args, "kubeconfig", None) or getattr(args, "context", None)):
        print("irtui serve: --kubeconfig and --context do not apply with --demo (the demo runs its own "
              "simulated cluster)", file=sys.stderr)
        return 2
    try:
        from textual_serve.server import Server
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    command = shlex.join(serve_command(args))
    server = Server(command, host=args.host, port=args.port, title="irtui (read-only)", public_url=args.public_url)
    where = args.public_url or f"http://{args.host}:{args.port}"
    print(f"irtui serve: {where} — read-only; {CAVEAT}", file=sys.stderr)
    if args.host not in _LOOPBACK:
        print(f"irtui serve: WARNING: listening on {args.host}, not only this machine", file=sys.stderr)
    server.serve()
    return 0
