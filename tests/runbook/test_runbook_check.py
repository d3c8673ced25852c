"""`irtui runbook check` and the loader's errors: every problem with file, line and key."""

import subprocess
import sys

import pytest

from irtui.config import ConfigError
from irtui.runbook import DEFAULT_RUNBOOK, RunbookErrors, check_runbook, load_runbook


def check(*args):
    return subprocess.run([sys.executable, "-m", "irtui", "runbook", "check", *args], capture_output=True, text=True,
                          timeout=60)


def mutated(tmp_path, *replacements):
    text = DEFAULT_RUNBOOK.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines()


def line_of(lines, needle, after=0):
    return next(n for n, line in enumerate(lines, 1) if n > after and needle in line)


def test_default_runbook_is_valid():
    done = check(str(DEFAULT_RUNBOOK))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("\n") == 1 and "ok: 4 severities, 7 phases" in done.stdout


def test_errors_name_file_line_and_key(tmp_path):
    path, lines = mutated(
        tmp_path,
        ('response_time = "4h"', 'response_time = "4 hours"'),                       # bad duration
        ('id = "verify"\nnumber = 6', 'id = "investigate"\nnumber = 6'),              # duplicate id
        ('actions = ["kube.top"]', 'actions = ["kube.topp"]'),                        # unknown action
        ('source = "phase:resolve"', 'source = "phase:repair"'),                      # unknown phase
        ('interval = "30m"', "interval = 30"),                                        # wrong type
        ('id = "close"\nnumber = 7', 'id = "close"\nnumber = 7\nowner = "sre"'),      # unknown key
    )
    runbook, errors = check_runbook(path)
    assert runbook is None
    got = {(e.key, e.line) for e in errors}
    assert ("severities[2].response_time", line_of(lines, '"4 hours"')) in got
    assert ("phases[5].id", line_of(lines, 'id = "investigate"', line_of(lines, 'id = "investigate"'))) in got
    assert ("phases[3].steps[3].actions[0]", line_of(lines, '"kube.topp"')) in got
    assert ("post_incident.timeline.required[4].source", line_of(lines, '"phase:repair"')) in got
    assert ("communication.update_frequency[1].interval", line_of(lines, "interval = 30")) in got
    assert ("phases[6].owner", line_of(lines, 'owner = "sre"')) in got
    assert all(isinstance(e, ConfigError) and e.file == str(path) for e in errors)

    done = check(str(path))
    assert done.returncode == 1
    out = done.stdout.splitlines()
    bad_duration = line_of(lines, '"4 hours"')
    assert f"{path}:{bad_duration}: severities[2].response_time: bad duration '4 hours'" in done.stdout
    assert len(out) == len(errors) and all(line.startswith(f"{path}:") for line in out)
    with pytest.raises(RunbookErrors) as err:
        load_runbook(path)
    assert len(err.value.errors) == len(errors)


def test_syntax_errors_and_missing_sections(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('schema = 1\n[runbook]\ntitle = "x\n', encoding="utf-8")
    done = check(str(broken))
    assert done.returncode == 1 and f"{broken}:3:" in done.stdout and "invalid TOML" in done.stdout
    empty = tmp_path / "empty.toml"
    empty.write_text("schema = 1\n", encoding="utf-8")
    _, errors = check_runbook(empty)
    assert {"runbook", "severities", "phases", "escalation"} <= {e.key for e in errors}
    assert check(str(tmp_path / "absent.toml")).returncode == 1
