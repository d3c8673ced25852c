"""Which layer wins for each setting (flag > environment > [contexts."CTX".section] >
[section] > default), that a missing config means the defaults, and that a malformed one
stops `irtui` with file, line, key and what was expected before the UI starts.

Read-only, the exception to the order, is tested in tests/test_config.py and
tests/test_read_only_app.py (any layer turns it on; only --write turns it off, shown and
recorded)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from irtui.config import Config, default_config_path
from irtui.database.settings import DatabaseSettings
from irtui.incident.stores import store_url
from irtui.runbook import runbook_path
from irtui.ui.main import open_connection

from war_room_help import isolated, mutations  # noqa: F401 (isolated: a fixture)

LAYERED = '''[cluster]
namespace = "global-ns"

[database]
dsn = "postgresql://global@db/x"

[incident]
store = "/config/store.sqlite"

[runbook]
file = "/config/runbook.toml"

[contexts."sim-sre".cluster]
namespace = "context-ns"

[contexts."sim-sre".database]
dsn = "postgresql://context@db/x"
'''


def _config(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return Config.load(path)


def test_a_missing_config_file_means_the_defaults(isolated):
    assert not default_config_path().exists()
    config = Config.load()
    assert config.file == "<defaults>" and config.root.data == {}
    assert DatabaseSettings.from_config(config).dsn == ""
    assert store_url(None, config) is None and runbook_path(None, config) is None


def test_namespace_flag_then_context_then_global_then_kubeconfig(sim, isolated):
    def namespace(config: Config, **given) -> str:
        args = SimpleNamespace(**{"kubeconfig": sim.kubeconfig, "context": "sim-sre", "read_only": None,
                                  "write": None, "namespace": None, **given})
        return open_connection(args, config).namespace

    config = _config(isolated, LAYERED)
    assert namespace(config) == "context-ns"
    assert namespace(config, namespace="flag-ns") == "flag-ns"
    assert namespace(_config(isolated, '[cluster]\nnamespace = "global-ns"\n')) == "global-ns"
    assert namespace(Config.empty()) == "emrtask-prod"  # the simulator's kubeconfig context says so
    assert sim.audit() == []  # deciding the namespace asks the cluster nothing


def test_database_flag_then_environment_then_context_then_global(isolated, monkeypatch):
    config = _config(isolated, LAYERED)
    assert DatabaseSettings.from_config(config).dsn == "postgresql://global@db/x"
    assert DatabaseSettings.from_config(config, context="sim-sre").dsn == "postgresql://context@db/x"
    monkeypatch.setenv("IRTUI_DB_DSN", "postgresql://env@db/x")
    assert DatabaseSettings.from_config(config, context="sim-sre").dsn == "postgresql://env@db/x"
    assert DatabaseSettings.from_config(config, context="sim-sre", flag_dsn="postgresql://flag@db/x").dsn \
        == "postgresql://flag@db/x"


def test_store_and_runbook_flag_then_environment_then_config(isolated, monkeypatch):
    config = _config(isolated, LAYERED)
    assert store_url(None, config) == "/config/store.sqlite"
    assert runbook_path(None, config) == "/config/runbook.toml"
    monkeypatch.setenv("IRTUI_STORE", "/env/store.sqlite")
    monkeypatch.setenv("IRTUI_RUNBOOK", "/env/runbook.toml")
    assert store_url(None, config) == "/env/store.sqlite"
    assert runbook_path(None, config) == "/env/runbook.toml"
    assert store_url("/flag/store.sqlite", config) == "/flag/store.sqlite"
    assert runbook_path("/flag/runbook.toml", config) == "/flag/runbook.toml"


async def test_theme_flag_then_config(sim, isolated):
    from irtui.cli import parse_args
    from irtui.ui.wiring import war_room

    path = isolated / "config.toml"
    path.write_text('[ui]\ntheme = "nord"\n')
    for argv, expected in (([], "nord"), (["--theme", "gruvbox"], "gruvbox")):
        args = parse_args(["--config", str(path), "--kubeconfig", sim.kubeconfig, "--context", "sim-sre",
                           "--store", str(isolated / "incidents.sqlite"), *argv])
        config = Config.load(path)
        async with war_room(args, open_connection(args, config), config) as app:
            assert app.theme == expected


# -- malformed configs: one line, file:line: key: what was expected; the UI never starts --

def irtui(*argv: str, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IRTUI_", "XDG_"))}
    env.update(XDG_CONFIG_HOME=str(home / "config-home"), XDG_DATA_HOME=str(home / "data-home"),
               XDG_STATE_HOME=str(home / "state-home"))
    return subprocess.run([sys.executable, "-m", "irtui", *argv], capture_output=True, text=True, timeout=60,
                          env=env, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("text, says", [
    ('[metrics]\ninterval = "ten"\n', ":2: metrics.interval: must be float, not str ('ten')"),
    ('[contexts."sim-sre".cluster]\nread_only = "yes"\n',
     ":2: contexts.sim-sre.cluster.read_only: must be bool, not str ('yes')"),
    ("[detect]\nerror_pct = 5\nerror_percent = 5\n", ":3: detect.error_percent: unknown key error_percent (expected one of:"),
    ("[cluster]\nread_only = false\n\n[health]\nport = 30 00\n", ":5: invalid TOML"),
    ('[ui]\ntheme = "neon"\n', ":2: ui.theme: unknown theme 'neon' (available:"),
    ('[keys]\n"kube.scale" = ""\n', ":2: keys.kube.scale: must name at least one key"),
    ('[keys]\n"app.sidebar" = "f4"\n"kube.scal" = "f6"\n',
     ":3: keys.kube.scal: no binding has this id (irtui help keys lists them); did you mean kube.scale?"),
], ids=["wrong-type", "wrong-type-per-context", "unknown-key", "toml-syntax", "unknown-theme", "empty-key",
        "unknown-binding-id"])
def test_a_malformed_config_stops_irtui_with_file_line_and_key(sim, isolated, text, says):
    path = isolated / "config.toml"
    path.write_text(text)
    done = irtui("--config", str(path), "--kubeconfig", sim.kubeconfig, "--context", "sim-sre",
                 "--store", str(isolated / "incidents.sqlite"), home=isolated)
    assert done.returncode == 2, (done.stdout, done.stderr)
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith(f"irtui: {path}:") and says in err, err
    assert "\x1b[" not in done.stdout  # the UI never drew a frame
    if "theme" not in text:  # the theme is known only once the app exists, after the store opened
        assert not (isolated / "incidents.sqlite").exists()  # no store was opened
    assert mutations(sim.audit()) == []
