"""The command line: shared options mean the same before and after a subcommand, options a
command would ignore are refused, and every bad command line is one line and exit code 2.

Where a cluster is involved, what the parsed options did is proved at the simulator: a
read-only session's guard refuses a DELETE and the audit log holds no mutating request.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from irtui.cli import UsageError, parse_args
from irtui.config import Config
from irtui.safety import ReadOnlyError

from war_room_help import NS, isolated, mutations  # noqa: F401 (isolated: a fixture)

SHARED = [("--read-only",), ("--write",), ("--store", "/tmp/s.sqlite"), ("--config", "/tmp/c.toml"),
          ("--theme", "nord"), ("--runbook", "/tmp/r.toml"), ("--db-dsn", "postgresql://db/x"),
          ("--as", "jane"), ("-n", "kube-system"), ("--log-level", "info")]
DEST = {"--read-only": "read_only", "--write": "write", "--store": "store", "--config": "config",
        "--theme": "theme", "--runbook": "runbook", "--db-dsn": "db_dsn", "--as": "as_name", "-n": "namespace",
        "--log-level": "log_level"}


def irtui(*argv: str, env_extra: dict[str, str] | None = None, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRTUI_")}
    env.update(XDG_CONFIG_HOME=str(home / "config-home"), XDG_DATA_HOME=str(home / "data-home"),
               KUBECONFIG=str(home / "no-kubeconfig"))
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "irtui", *argv], capture_output=True, text=True, timeout=120,
                          env=env, stdin=subprocess.DEVNULL)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("option", SHARED, ids=lambda o: o[0])
def test_a_shared_option_means_the_same_before_and_after_demo(option):
    dest = DEST[option[0]]
    expected = True if len(option) == 1 else option[1]
    before, after = parse_args([*option, "demo"]), parse_args(["demo", *option])
    assert getattr(before, dest) == getattr(after, dest) == expected
    assert getattr(parse_args(list(option)), dest) == expected  # the app, no subcommand
    assert getattr(parse_args(["demo"]), dest) is None


def test_the_same_value_on_both_sides_is_fine_and_different_ones_are_an_error():
    assert parse_args(["--store", "a", "demo", "--store", "a"]).store == "a"
    assert parse_args(["--config", "c", "report", "INC-1", "--store", "s"]).config == "c"
    with pytest.raises(UsageError, match="--store is given twice"):
        parse_args(["--store", "a", "demo", "--store", "b"])
    with pytest.raises(UsageError, match="--read-only and --write"):
        parse_args(["--read-only", "demo", "--write"])
    with pytest.raises(UsageError, match="--read-only and --write"):
        parse_args(["--write", "demo", "--read-only"])


@pytest.mark.parametrize("argv, says", [
    (["--read-only", "sim"], "--read-only does not apply to `irtui sim`"),
    (["sim", "--read-only"], "--read-only does not apply to `irtui sim`"),
    (["--store", "x", "sim"], "--store does not apply to `irtui sim`"),
    (["--kubeconfig", "kc", "demo"], "--kubeconfig does not apply to `irtui demo`"),
    (["demo", "--context", "prod"], "--context does not apply to `irtui demo`"),
    (["init", "--store", "x"], "--store does not apply to `irtui init`"),
    (["--write", "verify", "INC-1"], "--write does not apply to `irtui verify`"),
    (["--read-only", "demo", "--write"], "--read-only and --write contradict each other"),
    (["--read-only", "--write"], "not allowed with argument"),
    (["sim", "--port", "99999"], "port 99999 is out of range"),
    (["sim", "--port", "-1"], "port -1 is out of range"),
    (["sim", "--port", "http"], "not a port number"),
    (["--log-level", "loud"], "--log-level: must be one of debug, info, warning, error; not 'loud'"),
    (["--log-level", "info", "report", "INC-1"], "--log-level does not apply to `irtui report`"),
    (["completion", "tcsh"], "invalid choice: 'tcsh'"),
    (["sim", "--start", "yesterday"], "not an ISO 8601 time: 'yesterday'"),
])
def test_a_command_line_that_cannot_mean_one_thing_is_one_line_and_exit_2(tmp_path, argv, says):
    assert says in one_line_error(irtui(*argv, home=tmp_path))


def test_read_only_before_or_after_reaches_the_guard(sim, isolated):
    """`irtui --read-only --kubeconfig ...` and the options after `demo` both end in a guard
    that refuses a DELETE before it is sent."""
    from irtui.actions.kubeapi import Kube
    from irtui.ui.main import open_connection

    target = f"/api/v1/namespaces/{NS}/pods/{sim_pod(sim)}"
    for argv in (["--read-only", "--kubeconfig", sim.kubeconfig, "--context", "sim-sre"],
                 ["--kubeconfig", sim.kubeconfig, "--context", "sim-sre", "--read-only"],
                 ["--read-only", "demo"], ["demo", "--read-only"]):
        args = parse_args(argv)
        connection = open_connection(args, Config.empty(), kubeconfig=sim.kubeconfig, context="sim-sre")
        assert connection.guard.read_only, argv
        with pytest.raises(ReadOnlyError):
            Kube(connection.api_client).request("DELETE", target)
    assert mutations(sim.audit()) == []


def sim_pod(sim) -> str:
    out = sim.kubectl("get", "pods", "-n", NS, "-o", "name", context="sim-sre").stdout.split()
    return out[0].split("/", 1)[1]


@pytest.mark.parametrize("argv", [["--read-only", "demo", "--scenario", "node-notready"],
                                  ["demo", "--scenario", "node-notready", "--read-only"]])
def test_read_only_demo_refuses_its_scenario_before_the_app_starts(tmp_path, argv):
    err = one_line_error(irtui(*argv, home=tmp_path))
    assert "--scenario node-notready" in err and "read-only" in err
    assert not (tmp_path / "data-home").exists()


def test_the_simulator_starts_at_the_time_it_is_given():
    from datetime import datetime, timezone

    assert parse_args(["sim", "--start", "2026-11-28T03:00:00Z"]).start == datetime(2026, 11, 28, 3, tzinfo=timezone.utc)
    assert parse_args(["sim", "--start", "2026-11-28T03:00:00"]).start.tzinfo == timezone.utc  # no zone: UTC
    assert parse_args(["sim"]).start is None


def test_a_missing_config_file_is_one_line(tmp_path):
    err = one_line_error(irtui("--config", str(tmp_path / "nope.toml"), home=tmp_path))
    assert "nope.toml" in err and "cannot read" in err


async def test_report_to_a_missing_directory_or_with_a_bad_runbook_is_one_line(tmp_path):
    from irtui.incident.boot import start_session
    from irtui.safety import Guard

    store = tmp_path / "incidents.sqlite"
    session = await start_session(store=str(store), guard=Guard())
    incident_id = await session.declare("task-service errors", "P1", ["task-service"])
    await session.stop()
    await session.store.close()
    missing = tmp_path / "missing" / "dir" / "x.md"
    err = one_line_error(irtui("report", incident_id, "--store", str(store), "-o", str(missing), home=tmp_path))
    assert f"cannot write {missing}" in err and not missing.parent.exists()
    bad = tmp_path / "runbook.toml"
    bad.write_bytes(b"[runbook]\nname = \"caf\xe9\"\n")
    err = one_line_error(irtui("report", incident_id, "--store", str(store), "--runbook", str(bad), home=tmp_path))
    assert f"{bad}:2: not UTF-8 text" in err
    written = tmp_path / "report.md"
    done = irtui("--store", str(store), "report", incident_id, "-o", str(written), home=tmp_path)
    assert done.returncode == 0 and written.read_text().startswith("# Incident Report: task-service errors")
