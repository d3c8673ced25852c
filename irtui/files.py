"""Private files: what irtui writes on a responder's machine is readable by that responder only.

The timeline, the journal, the outbox, forensics bundles, anchors and the config hold
incident details and sometimes credentials, so every file irtui creates is 0600 and every
directory it creates is 0700, whatever the umask. This module is the one place that
creates them; nothing in it decides *where* they go.

A file is created with its final mode (never world-readable for an instant) and a file
irtui finds with a looser mode is tightened. A directory irtui creates is 0700; an existing
directory the user chose (a `--store` path in a shared folder) keeps its mode unless the
caller owns it (`tighten=True`, as for the data directory).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | os.PathLike, *, tighten: bool = True) -> Path:
    """`path` as a directory, it and any parent it creates 0700; an existing `path` is set
    to 0700 when `tighten`."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another process: its mode is settled below or left
        os.chmod(directory, DIR_MODE)  # the umask may have taken bits off, never added
    if tighten and stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        os.chmod(path, DIR_MODE)
    return path


def _tighten(fd: int) -> None:
    """0600 for a file of ours; another user's file (a store shared through a group
    directory on purpose) keeps the mode its owner gave it."""
    info = os.fstat(fd)
    if stat.S_IMODE(info.st_mode) != FILE_MODE and info.st_uid == os.geteuid():
        os.fchmod(fd, FILE_MODE)


def private_file(path: str | os.PathLike) -> Path:
    """`path` as an existing 0600 file (created empty if absent, tightened if looser): open
    it afterwards with anything (sqlite3 included) and it stays private."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    try:
        _tighten(fd)
    finally:
        os.close(fd)
    return path


def write_private(path: str | os.PathLike, data: bytes, *, exclusive: bool = False) -> Path:
    """Write `data` to a 0600 file, durably (fsync); `exclusive`: fail if it exists."""
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        _tighten(fd)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    return path
