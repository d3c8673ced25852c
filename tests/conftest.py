"""Shared fixtures: the simulator as a real server in a subprocess, PostgreSQL, and tool checks.

Tests that need an external tool (kubectl, prometheus, helm) call `require_tool`: locally a
missing tool skips the test with a reason; under CI (`CI=true`) it fails, because CI must
have installed it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest

from irtui.sim.ready import parse_ready

PG_DSN = os.environ.get("IRTUI_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{name} is not installed, and CI must install it (.ci/run)")
    pytest.skip(f"{name} is not installed")


@dataclass
class Sim:
    """A running `irtui sim` process, reached only over HTTP like any cluster."""

    url: str
    kubeconfig: str
    audit_log: Path
    proc: subprocess.Popen
    tokens: dict[str, str] = field(default_factory=dict)

    def control(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Call the simulator's `/sim/...` control API."""
        with httpx.Client(base_url=self.url, timeout=10) as http:
            response = http.request(method, path, **kwargs)
        response.raise_for_status()
        return response

    def audit(self) -> list[dict]:
        """Every request the server has seen so far, as audit records."""
        if not self.audit_log.exists():
            return []
        return [json.loads(line) for line in self.audit_log.read_text().splitlines() if line.strip()]

    def kubectl(self, *args: str, context: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        kubectl = require_tool("kubectl")
        argv = [kubectl, "--kubeconfig", self.kubeconfig]
        if context:
            argv += ["--context", context]
        result = subprocess.run([*argv, *args], capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_sim(workdir: Path, *args: str, port: int = 0, timeout: float = 30.0) -> Sim:
    """Start `irtui sim` and wait for its ready line."""
    workdir.mkdir(parents=True, exist_ok=True)
    kubeconfig = workdir / "kubeconfig"
    audit = workdir / "audit.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "irtui", "sim", "--port", str(port),
         "--kubeconfig-out", str(kubeconfig), "--audit-log", str(audit), *args],
        stdout=subprocess.PIPE, stderr=open(workdir / "sim.stderr", "wb"), text=True,
    )
    deadline = time.monotonic() + timeout
    fields = None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        fields = parse_ready(line)
        if fields is not None or (not line and proc.poll() is not None):
            break
    if fields is None:
        proc.kill()
        raise RuntimeError(f"simulator did not start: {(workdir / 'sim.stderr').read_text()[-2000:]}")
    return Sim(url=fields["url"], kubeconfig=fields["kubeconfig"], audit_log=audit, proc=proc)


@pytest.fixture
def sim_factory(tmp_path):
    """Start simulators with custom arguments; all are stopped after the test."""
    started: list[Sim] = []

    def factory(*args: str, name: str = "sim", port: int = 0) -> Sim:
        sim = start_sim(tmp_path / name, *args, port=port)
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(sim_factory) -> Sim:
    """A fresh simulated platform (seeded world, no scenario)."""
    return sim_factory()


@pytest.fixture
def pg_dsn() -> str:
    return PG_DSN


@pytest.fixture
async def pg_schema(pg_dsn):
    """A private schema (created by the store, dropped here): no collisions with others' tests."""
    schema = f"irtui_t_{uuid.uuid4().hex[:12]}"
    yield schema
    conn = await asyncpg.connect(pg_dsn)
    try:
        statement = await conn.fetchval("SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', $1::text)", schema)
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def actor():
    """A responder for tests that write entries without an app."""
    from irtui.incident.model import Actor

    return Actor("alice", "bastion-1", "system:admin")


@pytest.fixture(scope="module")
def module_sim(tmp_path_factory) -> Sim:
    """One simulator shared by a test module whose tests do not disturb each other."""
    sim = start_sim(tmp_path_factory.mktemp("module-sim"))
    yield sim
    sim.stop()


@pytest.fixture(autouse=True)
def no_team_steps_left_behind():
    """A team's own steps are declared process-wide (`registry.use_custom`); a test that
    declared some must not hand them to the next test in the same worker."""
    yield
    from irtui.actions import registry

    registry.use_custom(())
