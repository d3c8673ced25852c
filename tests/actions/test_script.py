"""Local scripts: argv exact, exit code and a bounded digest in the timeline, cancel reaches
the whole process group, and a read-only session starts nothing. Real processes throughout;
the demo's scripts act on a real simulator."""

from __future__ import annotations

import hashlib
import os
import textwrap
from pathlib import Path

import pytest

from irtui.actions.model import Target
from irtui.actions.output import HEAD_BYTES, TAIL_BYTES
from irtui.actions.script import run_script
from irtui.safety import Guard, ReadOnlyError
from irtui.ui.demo import DEMO_SCRIPTS

from actionhelp import NS, Responder, make_env, runner_for
from polling import until


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(0o755)
    return path


class Cancelling:
    """An output view whose responder presses escape once `when(output so far)` holds."""

    def __init__(self, when) -> None:
        self.when = when
        self.seen = b""
        self.ended: tuple | None = None

    def output(self, channel: int, data: bytes) -> None:
        self.seen += data

    def finished(self, exit_code, message) -> None:
        self.ended = (exit_code, message)

    def cancelled(self) -> bool:
        return self.when(self.seen)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0); it has exited all the same.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


async def test_argv_is_passed_exactly_and_the_exit_code_kept(tmp_path):
    marker = tmp_path / "args"
    path = script(tmp_path, "args.sh", f'for a in "$@"; do printf "%s\\n" "$a" >> {marker}; done\nexit 3\n')
    argv = [str(path), "two words", "$(touch pwned)", "a;b", "*"]
    result = await run_script(argv, Guard(), env={"PATH": os.environ["PATH"]})
    assert result.exit_code == 3 and not result.cancelled
    assert marker.read_text().splitlines() == argv[1:]
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


async def test_a_hundred_thousand_lines_are_kept_as_a_bounded_digest(tmp_path):
    path = script(tmp_path, "loud.sh", "seq 1 100000\n")
    result = await run_script([str(path)], Guard())
    summary = result.digest.summary()
    full = "".join(f"{n}\n" for n in range(1, 100001)).encode()
    assert summary["bytes"] == len(full) and summary["lines"] == 100000
    assert summary["sha256"] == hashlib.sha256(full).hexdigest()
    assert summary["head"].startswith("1\n2\n3\n") and summary["tail"].endswith("99999\n100000\n")
    assert len(summary["head"].encode()) + len(summary["tail"].encode()) <= HEAD_BYTES + TAIL_BYTES <= 2048
    assert summary["omitted_bytes"] > 0


async def test_escape_stops_the_whole_process_group_then_kills_what_ignores_it(tmp_path):
    pids = tmp_path / "pids"
    # The child ignores SIGTERM: only the SIGKILL after the grace period ends it.
    path = script(tmp_path, "stubborn.sh", f"""\
        sh -c 'trap "" TERM; echo $$ >> {pids}; while :; do sleep 0.1; done' &
        echo $$ >> {pids}
        echo started
        while :; do sleep 0.1; done
        """)
    view = Cancelling(lambda seen: b"started" in seen)
    result = await run_script([str(path)], Guard(), view, grace=0.5)
    assert result.cancelled and result.exit_code is not None and result.exit_code < 0
    recorded = [int(p) for p in pids.read_text().split()]
    assert len(recorded) == 2
    await until(lambda: all(gone(p) for p in recorded), f"the script's processes {recorded} to be gone", timeout=10,
                step=0.05)


async def test_read_only_starts_no_script(tmp_path):
    marker = tmp_path / "started"
    path = script(tmp_path, "touch.sh", f"touch {marker}\n")
    with pytest.raises(ReadOnlyError):
        await run_script([str(path)], Guard(read_only=True))
    assert not marker.exists()


async def test_smoke_tests_through_the_executor_record_exit_code_and_digest(sim, tmp_path, incident):
    env = make_env(sim, "sim-sre", tmp_path, scripts={"smoke_tests": DEMO_SCRIPTS["smoke_tests"]})
    responder = Responder()
    outcome = await runner_for(env, incident, responder).run("smoke.run", Target("namespace", NS, NS))
    assert outcome.status == "done", outcome
    request = responder.requests[0]
    assert request.command == f"{DEMO_SCRIPTS['smoke_tests']} production"
    assert f'argv ["{DEMO_SCRIPTS["smoke_tests"]}", "production"]' in request.summary
    finished = incident.timeline[-1]
    assert finished.kind == "action_finished" and finished.details["result"] == "done"
    details = finished.details["details"]
    assert details["exit_code"] == 0 and "PASS api-gateway" in details["output"]["head"]
    # The script reached the simulator: its health requests are in the audit log.
    assert any("/services/api-gateway/proxy/health" in r["path"] for r in sim.audit())


async def test_a_failing_script_is_recorded_failed_with_its_exit_code(tmp_path, incident):
    from irtui.actions.base import ActionEnv
    from irtui.actions.settings import ActionSettings

    path = script(tmp_path, "fail.sh", "echo broken; exit 7\n")
    env = ActionEnv(guard=Guard(), settings=ActionSettings(scripts={"failover_to_dr": path}), namespace=NS)
    responder = Responder()
    outcome = await runner_for(env, incident, responder).run("dr.failover", Target("namespace", NS, NS))
    assert outcome.status == "failed" and outcome.message == "exit code 7"
    assert responder.requests[0].danger.label == "high" and responder.requests[0].typed == NS
    finished = incident.timeline[-1]
    assert finished.details["result"] == "failed" and finished.details["details"]["exit_code"] == 7
    assert finished.details["details"]["output"]["head"] == "broken\n"


async def test_a_script_not_configured_says_where_to_set_it(tmp_path, incident):
    from irtui.actions.base import ActionEnv
    from irtui.actions.settings import ActionSettings

    env = ActionEnv(guard=Guard(), settings=ActionSettings(), namespace=NS)
    outcome = await runner_for(env, incident).run("smoke.run", Target("namespace", NS, NS))
    assert outcome.status == "unavailable"
    assert outcome.message == "not configured — set [scripts] smoke_tests in config.toml"


async def test_read_only_executor_refuses_before_the_script_starts(tmp_path, incident):
    from irtui.actions import registry
    from irtui.actions.base import ActionEnv
    from irtui.actions.settings import ActionSettings

    marker = tmp_path / "started"
    path = script(tmp_path, "touch.sh", f"touch {marker}\n")
    env = ActionEnv(guard=Guard(read_only=True), settings=ActionSettings(scripts={"smoke_tests": path}),
                    namespace=NS)
    outcome = await runner_for(env, incident).run("smoke.run", Target("namespace", NS, NS))
    assert outcome.status == "unavailable" and not marker.exists()
    # Below the executor too: the implementation called directly refuses in the runner.
    impl = registry.implementation(registry.get("smoke.run"))
    prepared = impl.prepare(env, Target("namespace", NS, NS), {})
    with pytest.raises(ReadOnlyError):
        await impl.execute(env, Target("namespace", NS, NS), {}, prepared)
    assert not marker.exists()
