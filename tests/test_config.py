"""The config file and the read-only switch: strict yes/no in the environment, read-only that
any layer turns on and only `--write` turns off, unknown keys as errors with file:line, and
files that are not text or nest too deeply as one-line errors.

Where a cluster is involved, the simulator's audit log proves that nothing mutating was
sent (and, for a refused start, that nothing was sent at all).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irtui.config import Config, ConfigError, parse_toml
from irtui.safety import ReadOnlyError
from irtui.ui.main import open_connection, read_only_setting

from war_room_help import NS, isolated, mutations  # noqa: F401 (isolated: a fixture)

RO_CONTEXT = '[contexts."sim-sre".cluster]\nread_only = true\n'


def args(**given) -> SimpleNamespace:
    return SimpleNamespace(**{"read_only": None, "write": None, "namespace": None, **given})


def config_file(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def irtui(*argv: str, home: Path, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRTUI_")}
    env.update(XDG_CONFIG_HOME=str(home / "config-home"), XDG_DATA_HOME=str(home / "data-home"), **env_extra)
    return subprocess.run([sys.executable, "-m", "irtui", *argv], capture_output=True, text=True, timeout=120,
                          env=env, stdin=subprocess.DEVNULL)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


# -- IRTUI_READ_ONLY ---------------------------------------------------------------------

@pytest.mark.parametrize("word, expected", [
    ("1", True), ("true", True), ("YES", True), (" on ", True), ("True", True),
    ("0", False), ("false", False), ("No", False), ("off ", False), ("FALSE", False),
])
def test_each_accepted_spelling(isolated, monkeypatch, word, expected):
    monkeypatch.setenv("IRTUI_READ_ONLY", word)
    assert read_only_setting(args(), Config.empty(), "dev") is expected


@pytest.mark.parametrize("word", ["y", "", "  ", "2", "enable", "tru", "nein"])
def test_any_other_spelling_is_an_error_naming_the_variable(isolated, monkeypatch, word):
    monkeypatch.setenv("IRTUI_READ_ONLY", word)
    with pytest.raises(ConfigError) as err:
        read_only_setting(args(), Config.empty(), "dev")
    assert "$IRTUI_READ_ONLY" in str(err.value) and repr(word) in str(err.value)


def test_a_misspelt_variable_stops_irtui_before_any_request(sim, isolated):
    done = irtui("--kubeconfig", sim.kubeconfig, "--context", "sim-sre", home=isolated, IRTUI_READ_ONLY="y")
    assert "$IRTUI_READ_ONLY" in one_line_error(done)
    assert sim.audit() == []


def test_zero_in_the_environment_never_loosens_a_read_only_context(sim, isolated, monkeypatch):
    from irtui.actions.kubeapi import Kube

    config = Config.load(config_file(isolated, RO_CONTEXT))
    for word in ("0", "false", "off", "no"):
        monkeypatch.setenv("IRTUI_READ_ONLY", word)
        assert read_only_setting(args(), config, "sim-sre") is True
        connection = open_connection(args(kubeconfig=sim.kubeconfig, context="sim-sre"), config)
        assert connection.guard.read_only
        with pytest.raises(ReadOnlyError):
            Kube(connection.api_client).request("DELETE", f"/api/v1/namespaces/{NS}/pods/anything")
    assert mutations(sim.audit()) == []


def test_any_layer_turns_read_only_on(isolated, monkeypatch):
    path = config_file(isolated, "[cluster]\nread_only = true\n")
    assert read_only_setting(args(), Config.load(path), "dev") is True
    assert read_only_setting(args(), Config.load(config_file(isolated, RO_CONTEXT)), "sim-sre") is True
    assert read_only_setting(args(), Config.load(config_file(isolated, RO_CONTEXT)), "dev") is False
    # A context saying no does not outweigh the global yes.
    path = config_file(isolated, '[cluster]\nread_only = true\n\n[contexts."dev".cluster]\nread_only = false\n')
    assert read_only_setting(args(), Config.load(path), "dev") is True
    monkeypatch.setenv("IRTUI_READ_ONLY", "on")
    assert read_only_setting(args(), Config.empty(), "dev") is True
    assert read_only_setting(args(read_only=True, write=True), Config.empty(), "dev") is True


def test_only_write_turns_it_off_and_says_so(sim, isolated):
    from irtui.ui.header import ClusterHeader

    config = Config.load(config_file(isolated, RO_CONTEXT))
    connection = open_connection(args(kubeconfig=sim.kubeconfig, context="sim-sre", write=True), config)
    assert not connection.guard.read_only
    override = connection.extra["write_override"]
    assert override == '--write overrides [contexts."sim-sre".cluster] read_only'
    header = ClusterHeader(context="sim-sre", cluster_url=sim.url, user="sre", actor="a@b as sre", read_only=False,
                           write_override=override)
    header.set_state(NS, "connected", "")
    assert str(header.render()).startswith(" WRITE ")
    # Without a read-only layer there is nothing to override, and nothing to show.
    plain = open_connection(args(kubeconfig=sim.kubeconfig, context="sim-sre", write=True), Config.empty())
    assert "write_override" not in plain.extra


# -- unknown keys ------------------------------------------------------------------------

@pytest.mark.parametrize("text, line, says", [
    ("[cluster]\nreadonly = true\n", 2, "cluster.readonly: unknown key readonly (expected one of: namespace, read_only)"),
    ('\n[cluster]\nread_only = true\n[clusters]\nread_only = true\n', 4, "unknown key clusters"),
    ("read_only = true\n", 1, "unknown key read_only (expected one of: actions, cluster,"),
    ('[incident]\nstores = "x"\n', 2, "incident.stores: unknown key stores"),
    ('[runbook]\npath = "x"\n', 2, "runbook.path: unknown key path"),
    ('[contexts."prod"]\nread_only = true\n', 2, "contexts.prod.read_only: unknown key read_only"),
    ('[contexts."prod".cluster]\n\nreadonly = true\n', 3, "contexts.prod.cluster.readonly: unknown key readonly"),
    ('[contexts."prod".clusters]\nread_only = true\n', 1, "unknown key clusters"),
])
def test_unknown_keys_are_errors_with_file_and_line(tmp_path, text, line, says):
    path = config_file(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert err.value.line == line, str(err.value)
    assert str(err.value).startswith(f"{path}:{line}: ") and says in str(err.value)


def test_unknown_per_context_keys_of_the_package_sections(tmp_path):
    from irtui.actions.settings import ActionSettings
    from irtui.database.settings import DatabaseSettings

    config = Config.load(config_file(tmp_path, '[contexts."prod".actions]\nbulk_confirm = 2\n'))
    with pytest.raises(ConfigError, match=r":2: contexts.prod.actions.bulk_confirm: unknown key"):
        ActionSettings.load(config, "dev")
    config = Config.load(config_file(tmp_path, '[contexts."prod".database]\ninterval = 2\n'))
    with pytest.raises(ConfigError, match=r":2: contexts.prod.database.interval: unknown key"):
        DatabaseSettings.from_config(config, context="dev")


def test_the_readonly_typo_stops_irtui_before_any_request(sim, isolated):
    path = config_file(isolated, "[cluster]\nreadonly = true\n")
    done = irtui("--config", str(path), "--kubeconfig", sim.kubeconfig, "--context", "sim-sre", home=isolated)
    assert f"{path}:2: cluster.readonly: unknown key readonly" in one_line_error(done)
    assert sim.audit() == []


def test_the_annotated_config_passes_its_own_checks(tmp_path):
    from irtui.init import TEMPLATE

    Config.load(config_file(tmp_path, TEMPLATE))


# -- files that are not a config ---------------------------------------------------------

@pytest.mark.parametrize("raw, line, says", [
    (b'[cluster]\nread_only = true\n# caf\xe9\n', 3, "not UTF-8 text"),
    (b"\xff\xfe[\x00c\x00", 1, "not UTF-8 text"),
    (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", 1, "nested too deeply"),
    (b"[cluster]\nx = " + b"{a = " * 3000 + b"1" + b"}" * 3000 + b"\n", 2, "nested too deeply"),
], ids=["latin-1", "utf-16", "nested-arrays", "nested-tables"])
def test_a_file_that_is_not_a_config_is_one_line(tmp_path, raw, line, says):
    path = config_file(tmp_path, raw)
    with pytest.raises(ConfigError) as err:
        Config.load(path)
    assert err.value.line == line and says in str(err.value), str(err.value)
    done = irtui("--config", str(path), home=tmp_path)
    assert says in one_line_error(done)


def _assert_config_error(exc: ConfigError, name: str) -> None:
    assert exc.file == name
    assert len(str(exc).splitlines()) == 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_give_a_config_or_a_config_error(raw):
    try:
        data, text = parse_toml(raw, "fuzz.toml")
        config = Config(data, "fuzz.toml", text)
        config.check_layout()
    except ConfigError as exc:
        _assert_config_error(exc, "fuzz.toml")


_keys = st.sampled_from(["cluster", "incident", "runbook", "contexts", "read_only", "readonly", "store", "file",
                         "namespace", "prod", "actions", "database", "dsn", "x"])
_scalars = st.booleans() | st.integers() | st.text(max_size=10) | st.floats(allow_nan=False)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
                       max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=5))
def test_any_toml_document_gives_settings_or_a_config_error(data):
    """Well-formed TOML of any shape: loading it and reading read-only and the namespace
    either works or is a ConfigError naming the file."""
    import tomllib

    text = _to_toml(data)
    try:
        parsed, text = parse_toml(text, "doc.toml")
    except ConfigError as exc:
        _assert_config_error(exc, "doc.toml")
        return
    assert parsed == tomllib.loads(text)
    config = Config(parsed, "doc.toml", text)
    try:
        config.check_layout()
        for context in (None, "prod"):
            read_only_setting(args(), config, context)
            config.setting("cluster", "namespace", str, "emrtask-prod", context=context)
    except ConfigError as exc:
        _assert_config_error(exc, "doc.toml")


def _to_toml(data: dict) -> str:
    """Inline-table TOML for a dict (keys quoted), enough for the property above."""
    import json

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v) if not isinstance(v, float) or v == v and abs(v) != float("inf") else "0"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"

    return "".join(f"{json.dumps(k)} = {value(v)}\n" for k, v in data.items())
