"""irtui's own log file: private, rotated, redacted, at the level asked for, and where the
warnings that Textual's screen would otherwise swallow end up (the shared store unreachable
while the war room runs)."""

from __future__ import annotations

import logging
import stat

import pytest

from irtui import logfile
from irtui.config import ConfigError
from irtui.logfile import level_setting, log_path

from polling import until
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)

SECRET = "hunter2-s3cr3t-value"


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    root_level = logging.getLogger().level
    yield tmp_path / "state" / "irtui" / "irtui.log"
    logfile.stop()
    logging.getLogger().setLevel(root_level)


def test_the_log_is_private_redacted_and_at_the_level_asked(log_file):
    assert log_path() == log_file
    logfile.start("warning")
    assert not log_file.exists()  # nothing said yet, nothing written
    log = logging.getLogger("irtui.incident.pg_store")
    log.info("not at this level")
    log.warning("shared store unreachable (connect to postgresql://irtui:%s@db:5432/x failed); password=%s",
                SECRET, SECRET)
    try:
        raise RuntimeError(f"Authorization: Bearer {SECRET}")
    except RuntimeError:
        log.exception("notify queue retry failed")
    text = log_file.read_text()
    assert "shared store unreachable" in text and "notify queue retry failed" in text
    assert SECRET not in text and "[REDACTED]" in text
    assert "not at this level" not in text
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700
    logfile.start("info")  # a second start changes the level only
    log.info("now at this level")
    assert "now at this level" in log_file.read_text()
    assert len(logging.getLogger().handlers) == len({id(h) for h in logging.getLogger().handlers})


def test_the_log_rotates_and_every_file_stays_private(log_file, monkeypatch):
    monkeypatch.setattr(logfile, "MAX_BYTES", 2000)
    logfile.start("warning")
    for n in range(100):
        logging.getLogger("irtui.notify.delivery").warning("retry %d of a long line %s", n, "x" * 40)
    files = sorted(log_file.parent.iterdir())
    assert [f.name for f in files] == ["irtui.log", "irtui.log.1", "irtui.log.2", "irtui.log.3"]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert all(f.stat().st_size <= 2000 for f in files)


def test_the_level_comes_from_the_flag_then_the_environment(monkeypatch):
    monkeypatch.delenv("IRTUI_LOG_LEVEL", raising=False)
    assert level_setting(None) == "warning"
    monkeypatch.setenv("IRTUI_LOG_LEVEL", " Debug ")
    assert level_setting(None) == "debug"
    assert level_setting("ERROR") == "error"
    monkeypatch.setenv("IRTUI_LOG_LEVEL", "loud")
    with pytest.raises(ConfigError, match=r"\$IRTUI_LOG_LEVEL.*'loud'"):
        level_setting(None)
    with pytest.raises(ConfigError, match=r"^--log-level: must be one of debug, info, warning, error; not 'x'"):
        level_setting("x")


async def test_the_war_rooms_store_warning_reaches_the_file_not_the_screen(sim, isolated, log_file):
    """The shared store is down at start: irtui runs, and the warning that Textual's screen
    would have swallowed is in the log (the store URL's password nowhere in it)."""
    from irtui.config import Config
    from irtui.ui.main import open_connection
    from irtui.ui.wiring import war_room

    from polling import screen_text

    logfile.start("warning")
    args = war_args(sim, isolated)
    args.store = f"postgresql://irtui:{SECRET}@127.0.0.1:1/irtui"  # nothing listens on port 1
    config = Config.empty()
    connection = open_connection(args, config)
    async with war_room(args, connection, config) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(lambda: app.pods_pane.selected() is not None, "the pods pane to fill", pilot=pilot)
            await until(lambda: log_file.exists() and "unreachable" in log_file.read_text(),
                        "the store warning in the log", pilot=pilot)
            assert "unreachable at start" not in screen_text(app)
            await pilot.press("q")
    text = log_file.read_text()
    assert "WARNING irtui.incident.pg_store: shared incident store unreachable" in text, text
    assert SECRET not in text


def test_a_misspelt_level_in_the_environment_stops_irtui_as_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("IRTUI_", "XDG_"))}
    env.update(IRTUI_LOG_LEVEL="loud", XDG_STATE_HOME=str(tmp_path / "state"), KUBECONFIG=str(tmp_path / "none"))
    done = subprocess.run([sys.executable, "-m", "irtui"], capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "$IRTUI_LOG_LEVEL: must be one of debug, info, warning, error; not 'loud'" in done.stderr
