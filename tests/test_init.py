"""`irtui init` writes a config that every section's loader accepts (its commented examples
too, once uncommented), covering every section irtui reads, and never clobbers one."""

import re
import subprocess
import sys

from irtui import redact
from irtui.actions.settings import ActionSettings
from irtui.config import SECTIONS, Config, parse_toml
from irtui.database.settings import DatabaseSettings
from irtui.detect.settings import DetectSettings
from irtui.health.checks import HealthSettings
from irtui.incident.templates import contacts_from_config
from irtui.init import TEMPLATE
from irtui.metrics.settings import DEFAULT_PROMQL, MetricsSettings
from irtui.notify.settings import NotifySettings
from irtui.ui.wiring import binding_ids, user_keymap


def _init(path, *extra):
    return subprocess.run([sys.executable, "-m", "irtui", "init", "--config", str(path), *extra],
                          capture_output=True, text=True)


def _load_every_section(config: Config, context: str | None = None) -> None:
    """What `irtui` reads of a config before it starts, section by section."""
    config.check_layout()
    MetricsSettings.from_config(config)
    HealthSettings.from_config(config)
    DatabaseSettings.from_config(config, context=context)
    ActionSettings.load(config, context)
    NotifySettings.load(config)
    DetectSettings.from_config(config)
    contacts_from_config(config)
    redact.compile_patterns(config.section("redaction"))
    user_keymap(config, lambda: binding_ids(ActionSettings.load(config, context), []))  # ids that exist
    config.setting("cluster", "read_only", bool, None, context=context)
    config.setting("cluster", "namespace", str, None, context=context)
    config.section("ui").get("theme", str, None)


def test_init_writes_a_config_every_loader_accepts(tmp_path):
    path = tmp_path / "irtui" / "config.toml"
    assert _init(path).returncode == 0
    config = Config.load(path)
    _load_every_section(config)
    assert MetricsSettings.from_config(config).history_minutes == 30
    assert HealthSettings.from_config(config).path == "/health"
    assert DatabaseSettings.from_config(config).long_running_minutes == 5
    assert ActionSettings.load(config).bulk_confirm_over == 3
    assert DetectSettings.from_config(config) == DetectSettings()
    assert NotifySettings.load(config).channels == {}
    assert contacts_from_config(config) == {}
    assert config.setting("cluster", "read_only", bool, None) is False


def _uncommented(template: str) -> str:
    """The template with every commented-out table header and `key = value` line enabled."""
    lines = []
    for line in template.splitlines():
        match = re.match(r'^# ((?:\[[^\]]+\]|"?[\w.\-]+"?\s*=\s*.+))$', line)
        lines.append(match.group(1) if match else line)
    return "\n".join(lines) + "\n"


def test_every_example_in_the_template_is_valid_and_covers_every_section():
    data, text = parse_toml(_uncommented(TEMPLATE), "examples.toml")
    config = Config(data, "examples.toml", text)
    for context in (None, "prod-eu", "staging"):
        _load_every_section(config, context)
    assert set(data) == SECTIONS, SECTIONS - set(data)
    # What the brief of the file promises, set in the examples.
    assert config.setting("cluster", "read_only", bool, False, context="prod-eu") is True
    assert config.setting("cluster", "namespace", str, None, context="staging") == "emrtask-staging"
    assert DatabaseSettings.from_config(config, context="staging").dsn.endswith("emrtask-staging:5432/emrtask")
    assert MetricsSettings.from_config(config).promql == DEFAULT_PROMQL  # the examples are the defaults
    assert set(NotifySettings.load(config).channels) >= {"pagerduty", "email", "webhook", "status_page"}
    assert contacts_from_config(config)["tech_lead"]["phone"]
    assert user_keymap(config)["app.sidebar"] == "f4"
    assert config.section("ui").get("theme", str) == "textual-dark"
    # Secrets are named by environment variable, never written in the file.
    for key in re.findall(r"^# ?(\w*(?:password|key|token|secret)\w*)\s*=", TEMPLATE, re.M | re.I):
        assert key.endswith("_env"), key


def test_init_refuses_to_overwrite_unless_forced(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# mine\n")
    result = _init(path)
    assert result.returncode == 2 and "--force" in result.stderr
    assert path.read_text() == "# mine\n"
    assert _init(path, "--force").returncode == 0
    assert path.read_text() == TEMPLATE
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_init_where_it_cannot_write_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _init(blocker / "config.toml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"irtui: cannot write {blocker / 'config.toml'}: "), err
