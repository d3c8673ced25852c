"""Helpers shared by the database tests (a plain module: conftest modules cannot be imported)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path

import asyncpg

# The acceptance statement, with a trailing semicolon: other suites on the shared server look
# for their own sleepers by the exact text "SELECT pg_sleep(600)", and must not find ours.
SLEEP = "SELECT pg_sleep(600);"


async def backend_state(dsn: str, pid: int) -> str | None:
    """The backend's state as the server sees it, or None when it no longer exists."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow("SELECT coalesce(state, '') AS state FROM pg_stat_activity WHERE pid = $1", pid)
        return None if row is None else row["state"]
    finally:
        await conn.close()


class LocalServer:
    """A throwaway PostgreSQL server in a temp dir on a free port (owned by the `postgres` OS
    user when the tests run as root), for what the shared server must not be put through:
    a streaming standby, and its promotion."""

    def __init__(self, bindir: Path, root: Path, name: str) -> None:
        self.bin = bindir
        self.dir = root / name
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *argv: str) -> None:
        result = subprocess.run([*self.as_user, *argv], capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise RuntimeError(f"{' '.join(argv[:2])} failed: {result.stderr[-1500:]}")

    def prepare_dir(self) -> None:
        self.dir.mkdir(parents=True)
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")

    def init_primary(self) -> None:
        self.prepare_dir()
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")

    def init_standby_of(self, primary: LocalServer) -> None:
        self.prepare_dir()
        self.run(str(self.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                 "-D", str(self.data), "-R", "-X", "stream", "--no-sync", "-c", "fast")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                   "-c shared_buffers=16MB -c max_connections=20 -c cluster_name=" + self.dir.name)
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
                 "-w", "-t", "60", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_basebackup")
    return Path(which).parent if which else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
