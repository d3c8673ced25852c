"""What the command line tells about itself: `irtui --help` and `irtui help TOPIC` list the
scenarios, the environment variables and the exit codes; every subcommand and option says
what it does; `irtui completion` prints a script the shell accepts; `irtui info` says where
irtui's files are."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from irtui.cli import build_parser
from irtui.clihelp import ENVIRONMENT, EXIT_CODES, TOPICS
from irtui.sim.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent


def irtui(*argv: str, home: Path, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IRTUI_", "XDG_"))}
    env.update(XDG_CONFIG_HOME=str(home / "config-home"), XDG_DATA_HOME=str(home / "data-home"),
               XDG_STATE_HOME=str(home / "state-home"), **env_extra)
    return subprocess.run([sys.executable, "-m", "irtui", *argv], capture_output=True, text=True, timeout=60,
                          env=env, stdin=subprocess.DEVNULL, cwd=ROOT)


def test_help_lists_the_scenarios_the_environment_and_the_exit_codes(tmp_path):
    done = irtui("--help", home=tmp_path)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for name, cls in SCENARIOS.items():
        assert re.search(rf"^  {re.escape(name)}\s+{re.escape(cls.summary[:30])}", text, re.M), name
    for name in ("IRTUI_READ_ONLY", "IRTUI_STORE", "IRTUI_LOG_LEVEL", "KUBECONFIG", "XDG_STATE_HOME"):
        assert re.search(rf"^  {name}\s", text, re.M), name
    for code in EXIT_CODES:
        assert re.search(rf"^  {code}\s", text, re.M), code
    for command in ("demo", "sim", "init", "report", "verify", "runbook", "help", "info", "completion"):
        assert re.search(rf"^    {command}\s", text, re.M), command


def test_every_irtui_variable_the_code_reads_is_documented():
    read = set()
    for path in (ROOT / "irtui").rglob("*.py"):
        read |= set(re.findall(r"\bIRTUI_[A-Z_]+\b", path.read_text()))
    documented = {name.strip() for key in ENVIRONMENT for name in key.split(",")}
    families = tuple(name[:-1] for name in documented if name.endswith("*"))  # IRTUI_DEMO_*
    assert {name for name in read - documented if not name.startswith(families)} == set()


@pytest.mark.parametrize("topic, says", [
    ("scenarios", "crashloop-task-service"), ("environment", "IRTUI_READ_ONLY"), ("exit-codes", "130"),
    ("keys", "press ?"), ("files", "irtui.log"),
])
def test_each_help_topic(tmp_path, topic, says):
    assert set(TOPICS) >= {topic}
    done = irtui("help", topic, home=tmp_path)
    assert done.returncode == 0 and says in done.stdout, (done.stdout, done.stderr)


def test_an_unknown_topic_is_one_line_naming_the_topics(tmp_path):
    done = irtui("help", "scenario", home=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "no topic 'scenario'" in done.stderr and "scenarios" in done.stderr


def _parsers(parser: argparse.ArgumentParser, path: str = "irtui"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                assert helps.get(name), f"`{path} {name}` has no help text"
                yield from _parsers(child, f"{path} {name}")


def test_every_subcommand_and_option_has_help_text():
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
                continue
            name = "/".join(action.option_strings) or action.dest
            assert action.help and action.help.strip(), f"`{path}`: {name} has no help text"


def test_completion_scripts_for_bash_zsh_and_fish(tmp_path):
    scripts = {}
    for shell in ("bash", "zsh", "fish"):
        done = irtui("completion", shell, home=tmp_path)
        assert done.returncode == 0, done.stderr
        scripts[shell] = done.stdout
        assert "irtui" in done.stdout and "read-only" in done.stdout and "crashloop-task-service" in done.stdout
    assert scripts["zsh"].startswith("#compdef irtui")
    assert "complete -c irtui" in scripts["fish"]
    # bash itself: the script loads and completes a subcommand and a scenario name.
    script = tmp_path / "irtui.bash"
    script.write_text(scripts["bash"])
    probe = (f'source {script}; COMP_WORDS=(irtui de); COMP_CWORD=1; _shtab_irtui; echo "${{COMPREPLY[@]}}"; '
             'COMP_WORDS=(irtui demo --scenario crash); COMP_CWORD=3; _shtab_irtui; echo "${COMPREPLY[@]}"')
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert done.stdout.splitlines() == ["demo", "crashloop-task-service"], (done.stdout, done.stderr)


def _rows(stdout: str) -> dict[str, str]:
    return dict(re.split(r"\s{2,}", line, maxsplit=1) for line in stdout.splitlines())


def test_info_says_where_each_file_is(tmp_path, monkeypatch, capsys):
    done = irtui("info", home=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    assert rows["config"].startswith(str(tmp_path / "config-home" / "irtui" / "config.toml"))
    assert "absent: defaults in use" in rows["config"]
    assert rows["data"] == str(tmp_path / "data-home" / "irtui")
    assert rows["incident store"].startswith(str(tmp_path / "data-home" / "irtui" / "incidents.sqlite"))
    assert rows["demo store"] == str(tmp_path / "data-home" / "irtui" / "demo" / "incidents.sqlite")
    assert rows["log"] == str(tmp_path / "state-home" / "irtui" / "irtui.log")
    assert rows["runbook"].startswith("built-in")
    assert not (tmp_path / "data-home").exists() and not (tmp_path / "state-home").exists()  # info writes nothing

    # The same command in this process (quicker), with a config that names things.
    from irtui.cli import main

    for name in ("IRTUI_STORE", "IRTUI_RUNBOOK"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "c.toml"
    config.write_text(f'[runbook]\nfile = "{tmp_path / "team.toml"}"\n\n[incident]\n'
                      'store = "postgresql://irtui:s3cret@db.example:5432/irtui"\n')
    assert main(["info", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert rows["config"] == str(config) and rows["runbook"] == str(tmp_path / "team.toml")
    assert "db.example" in rows["incident store"] and "s3cret" not in out
    assert main(["info", "--store", "/srv/war-room.sqlite", "--config", str(config)]) == 0
    assert _rows(capsys.readouterr().out)["incident store"] == "/srv/war-room.sqlite"

    config.write_text("[runbook]\nfile = 3\n")
    assert main(["info", "--config", str(config)]) == 2
    assert f"{config}:2: runbook.file: must be str" in capsys.readouterr().err
