"""`irtui init` writes a config that every section's loader accepts, and never clobbers one."""

import subprocess
import sys

from irtui.actions.settings import ActionSettings
from irtui.config import Config
from irtui.database.settings import DatabaseSettings
from irtui.health.checks import HealthSettings
from irtui.incident.templates import contacts_from_config
from irtui.metrics.settings import MetricsSettings


def _init(path, *extra):
    return subprocess.run([sys.executable, "-m", "irtui", "init", "--config", str(path), *extra],
                          capture_output=True, text=True)


def test_init_writes_a_config_every_loader_accepts(tmp_path):
    path = tmp_path / "irtui" / "config.toml"
    assert _init(path).returncode == 0
    config = Config.load(path)
    assert MetricsSettings.from_config(config).history_minutes == 30
    assert HealthSettings.from_config(config).path == "/health"
    assert DatabaseSettings.from_config(config).long_running_minutes == 5
    assert ActionSettings.load(config).bulk_confirm_over == 3
    assert contacts_from_config(config) == {}
    assert config.setting("cluster", "read_only", bool, None) is False


def test_init_refuses_to_overwrite(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# mine\n")
    result = _init(path)
    assert result.returncode == 2 and "--force" in result.stderr
    assert path.read_text() == "# mine\n"


def test_init_where_it_cannot_write_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _init(blocker / "config.toml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"irtui: cannot write {blocker / 'config.toml'}: "), err
