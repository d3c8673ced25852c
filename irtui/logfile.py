"""irtui's own log file: where it is, how it rotates, and that what reaches it is redacted.

While the app runs, Textual owns the terminal, so a warning printed to stderr (the shared
store unreachable, the outbox replayed, an entry dropped, a notification retried) would be
drawn over the screen or lost. `start(level)` sends every logger's records at `level` and
above to `$XDG_STATE_HOME/irtui/irtui.log` instead: 0600 in a 0700 directory (irtui.files),
rotated at `MAX_BYTES` with `BACKUPS` old files kept, each record passed through the one
redaction policy (irtui.redact) before it is written. The file is created at the first
record, so a session with nothing to say leaves nothing behind.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from io import TextIOWrapper
from pathlib import Path

from irtui.config import ConfigError, state_dir
from irtui.files import private_dir, private_file
from irtui.redact import install_log_filter

LEVELS = ("debug", "info", "warning", "error")
DEFAULT_LEVEL = "warning"
ENV = "IRTUI_LOG_LEVEL"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    return state_dir() / "irtui.log"


def level_setting(flag: str | None) -> str:
    """`--log-level` > $IRTUI_LOG_LEVEL > warning; a misspelt level, in either, is a
    ConfigError naming where it came from, not a silent default."""
    where, value = ("--log-level", flag) if flag is not None else (f"${ENV}", os.environ.get(ENV))
    if value is None:
        return DEFAULT_LEVEL
    word = value.strip().lower()
    if word not in LEVELS:
        raise ConfigError(where, None, None, f"must be one of {', '.join(LEVELS)}; not {value!r}")
    return word


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the first and each after a rollover) is 0600."""

    def _open(self) -> TextIOWrapper:
        private_dir(Path(self.baseFilename).parent)
        private_file(self.baseFilename)
        return super()._open()


_handler: PrivateRotatingFileHandler | None = None


def start(level: str = DEFAULT_LEVEL, path: Path | None = None) -> Path:
    """Send log records at `level` and above to the log file (once per process; a second
    call only changes the level). Returns the file's path."""
    global _handler
    root = logging.getLogger()
    if _handler is None:
        _handler = PrivateRotatingFileHandler(path or log_path(), maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                              encoding="utf-8", delay=True)
        _handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(_handler)
        install_log_filter(root)  # redaction on this handler (and on Python's last resort)
        logging.captureWarnings(True)  # Python's own warnings too: printed, they would land on the screen
    numeric = getattr(logging, level.upper())
    _handler.setLevel(numeric)
    # The root logger passes on what the handler wants; other handlers keep their own levels.
    if root.level == logging.NOTSET or root.level > numeric:
        root.setLevel(numeric)
    return Path(_handler.baseFilename)


def stop() -> None:
    """Detach the file (tests; the process's end closes it otherwise)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        logging.captureWarnings(False)
        _handler.close()
        _handler = None
