"""`irtui sim`: run the simulated cluster headless until SIGTERM/SIGINT.

Builds the clock, store and world, serves the API on host:port (0 picks a free port),
writes a kubeconfig with one context per RBAC user, and prints exactly one ready line,
`irtui sim ready: url=... kubeconfig=...`, which scripts and the test fixtures wait for.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from aiohttp import web

from irtui.sim.audit import AuditLog
from irtui.sim.rbac import Policy
from irtui.sim.ready import format_ready
from irtui.sim.server import ApiServer
from irtui.sim.store import Store
from irtui.sim.ticker import Ticker
from irtui.sim.tls import DualListener, self_signed, server_context, temp_dir

DEFAULT_NAMESPACE = "emrtask-prod"


def kubeconfig_text(url: str, policy: Policy, ca_pem: bytes, namespace: str = DEFAULT_NAMESPACE,
                    current: str = "sim-sre") -> str:
    """A kubeconfig (YAML) with a context per user; the current one is the sre's."""
    ca = base64.b64encode(ca_pem).decode()
    lines = ["apiVersion: v1", "kind: Config", "clusters:", "- name: irtui-sim", "  cluster:",
             f"    server: {url}", f"    certificate-authority-data: {ca}", "users:"]
    for user in policy.users.values():
        lines += [f"- name: {user.name}", "  user:", f"    token: {user.token}"]
    lines.append("contexts:")
    for user in policy.users.values():
        lines += [f"- name: {user.context}", "  context:", "    cluster: irtui-sim", f"    user: {user.name}",
                  f"    namespace: {namespace}"]
    lines += [f"current-context: {current}", "preferences: {}", ""]
    return "\n".join(lines)


async def serve(args) -> int:
    from irtui.sim.clock import SimClock
    from irtui.sim.world import World

    clock = SimClock(speed=args.speed, start=getattr(args, "start", None))
    store = Store(clock)
    world = World(store, clock, seed=args.seed, extra_pods=args.pods, extra_nodes=args.nodes)
    world.seed()
    if args.scenario:
        try:
            world.start_scenario(args.scenario)
        except KeyError:
            available = ", ".join(world.scenarios().get("available", []))
            print(f"irtui sim: unknown scenario {args.scenario!r} (available: {available})", file=sys.stderr)
            return 2

    policy = Policy.load()
    audit = AuditLog(args.audit_log)
    ticker = Ticker(clock, world)
    api = ApiServer(store, world, clock, policy=policy, audit=audit, ticker=ticker)
    runner = web.AppRunner(api.app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
    await runner.setup()
    tls_dir = temp_dir()
    cert, key, ca_pem = self_signed(tls_dir)
    listener = DualListener(runner.server, server_context(cert, key), args.host, args.port)
    listener.start()
    host = args.host if args.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    url = f"http://{host}:{listener.port}"
    api.server_url = url

    if args.kubeconfig_out:
        kubeconfig = Path(args.kubeconfig_out).resolve()
    else:
        fd, name = tempfile.mkstemp(prefix="irtui-sim-", suffix=".kubeconfig")
        os.close(fd)
        kubeconfig = Path(name)
    kubeconfig.parent.mkdir(parents=True, exist_ok=True)
    # https: client-go sends bearer tokens only over TLS. The same port answers plain HTTP.
    kubeconfig.write_text(kubeconfig_text(f"https://{host}:{listener.port}", policy, ca_pem))
    kubeconfig.chmod(0o600)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    ticking = asyncio.create_task(ticker.run())

    sys.stdout.write(format_ready(url, str(kubeconfig)))
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        ticking.cancel()
        await listener.close()
        await runner.cleanup()
        audit.close()
        shutil.rmtree(tls_dir, ignore_errors=True)
    return 0


def run(args) -> int:
    try:
        return asyncio.run(serve(args))
    except OSError as exc:
        print(f"irtui sim: {exc}", file=sys.stderr)
        return 2
