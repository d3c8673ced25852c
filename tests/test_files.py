"""Every file irtui writes is 0600 and every directory it makes 0700, whatever the umask: the
data directory, the SQLite store (and its WAL), the journal, the outbox and the config
written by `irtui init`. (Forensics bundles: tests/test_secrets.py, against the simulator.)"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from irtui.config import data_dir
from irtui.files import private_dir, private_file, write_private
from irtui.incident.journal import Journal
from irtui.incident.model import Actor
from irtui.incident.outbox import Outbox
from irtui.incident.store import make_entry
from irtui.incident.stores import open_store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The loosest umask a user can have: modes then come from irtui alone."""
    old = os.umask(0)
    yield
    os.umask(old)


async def test_the_data_dir_is_0700_even_if_it_was_made_0755(tmp_path, monkeypatch, open_umask):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    made = data_dir()
    assert made == tmp_path / "share" / "irtui" and not made.exists()  # nothing written, nothing made
    for _ in range(2):
        store = open_store(None)
        await store.open()
        await store.close()
        assert mode(made) == 0o700
        assert mode(tmp_path / "share") == 0o700  # a parent it had to create, too
        made.chmod(0o755)  # as earlier versions left it


async def test_store_and_its_wal_are_0600(tmp_path, open_umask):
    path = tmp_path / "new-dir" / "incidents.sqlite"
    store = open_store(path)
    await store.open()
    try:
        actor = Actor("alice", "bastion-1", "system:admin")
        await store.declare(make_entry("", "declared", "declared", {"title": "t"}, actor))
        files = [p for p in path.parent.iterdir() if p.name.startswith("incidents.sqlite")]
        assert {p.name for p in files} >= {"incidents.sqlite", "incidents.sqlite-wal"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert mode(path.parent) == 0o700
    finally:
        await store.close()


async def test_an_existing_0644_store_is_tightened_when_opened(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)
    path = shared / "incidents.sqlite"
    store = open_store(path)
    await store.open()
    await store.close()
    path.chmod(0o644)
    store = open_store(path)
    await store.open()
    await store.close()
    assert mode(path) == 0o600
    assert mode(shared) == 0o750  # a directory the user chose keeps its mode


def test_journal_and_outbox_are_0600(tmp_path, open_umask):
    journal = Journal(tmp_path / "journal.sqlite")
    outbox = Outbox(tmp_path / "outbox-x.sqlite", "x")
    try:
        actor = Actor("alice", "bastion-1", "system:admin")
        journal.add(make_entry("", "note", "n", {}, actor))
        outbox.put(make_entry("INC-1", "note", "n", {}, actor))
        for name in ("journal.sqlite", "journal.sqlite-wal", "outbox-x.sqlite", "outbox-x.sqlite-wal"):
            assert mode(tmp_path / name) == 0o600, name
    finally:
        journal.close()
        outbox.close()


def test_irtui_init_writes_a_private_config(tmp_path):
    path = tmp_path / "cfg" / "irtui" / "config.toml"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    result = subprocess.run([sys.executable, "-c", f"import os, sys; os.umask(0); from irtui.cli import main; "
                             f"sys.exit(main(['init', '--config', {str(path)!r}]))"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert mode(path) == 0o600 and mode(path.parent) == 0o700 and "[cluster]" in path.read_text()


def test_helpers_create_with_the_final_mode(tmp_path, open_umask):
    assert mode(private_dir(tmp_path / "a" / "b")) == 0o700 and mode(tmp_path / "a") == 0o700
    loose = tmp_path / "loose"
    loose.write_text("x")
    loose.chmod(0o666)
    assert mode(private_file(loose)) == 0o600 and loose.read_text() == "x"
    written = write_private(tmp_path / "w", b"data")
    assert mode(written) == 0o600 and written.read_bytes() == b"data"
    with pytest.raises(FileExistsError):
        write_private(written, b"again", exclusive=True)
