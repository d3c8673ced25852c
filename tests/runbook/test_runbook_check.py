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


@pytest.mark.parametrize("raw, says", [
    (b'[runbook]\nname = "caf\xe9"\n', ":2: not UTF-8 text"),
    (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", ":1: invalid TOML: nested too deeply"),
], ids=["latin-1", "nested"])
def test_a_file_that_is_not_a_runbook_is_one_line(tmp_path, raw, says):
    path = tmp_path / "team.toml"
    path.write_bytes(raw)
    done = check(str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert len(done.stdout.splitlines()) == 1 and done.stdout.startswith(f"{path}{says}"), done.stdout
    with pytest.raises(RunbookErrors):
        load_runbook(path)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _only_config_errors(path) -> None:
    runbook, errors = check_runbook(path)
    assert (runbook is None) == bool(errors)
    for error in errors:
        assert isinstance(error, ConfigError) and error.file == str(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_give_a_runbook_or_config_errors(tmp_path, raw):
    path = tmp_path / "fuzz.toml"
    path.write_bytes(raw)
    _only_config_errors(path)


_DEFAULT_LINES = DEFAULT_RUNBOOK.read_text(encoding="utf-8").splitlines()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_edited_runbooks_give_a_runbook_or_config_errors(tmp_path, data):
    """The default runbook with lines dropped, duplicated or replaced by any value: valid TOML
    of many near-miss shapes, each either a runbook or errors with file and line."""
    lines = list(_DEFAULT_LINES)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        edit = data.draw(st.sampled_from(["drop", "dup", "value"]))
        if edit == "drop":
            del lines[i]
        elif edit == "dup":
            lines.insert(i, lines[i])
        elif "=" in lines[i] and not lines[i].lstrip().startswith("#"):
            key = lines[i].split("=", 1)[0]
            value = data.draw(st.sampled_from(['""', "0", "-1", "true", "[]", "{}", '["x"]', '[{}]', '"[/x]"',
                                               '"0m"', '"99999999999d"', "1.5", '{ id = 1 }']))
            lines[i] = f"{key}= {value}"
    path = tmp_path / "edited.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _only_config_errors(path)
