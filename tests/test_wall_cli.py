"""`--wall`, `irtui wall` and `irtui serve` on the command line: a wall and a browser view
are read-only whatever else is given, `--write` is refused with them in one line, and
`irtui serve` answers a browser on 127.0.0.1 with a read-only command behind it, or says
how to install textual-serve when it is missing."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import httpx
import pytest

from irtui.cli import UsageError, parse_args
from irtui.ui.serve import serve_command

from polling import until_sync


@pytest.mark.parametrize("argv", [["--wall"], ["--read-only", "--wall"], ["wall"], ["demo", "--wall"],
                                  ["--wall", "demo"], ["serve"], ["serve", "--wall", "--demo"]])
def test_a_wall_or_a_browser_view_is_read_only(argv):
    args = parse_args(argv)
    assert args.read_only is True
    assert args.wall is (argv != ["serve"])


@pytest.mark.parametrize("argv,message", [
    (["--wall", "--write"], "--wall is read-only: --write contradicts it"),
    (["demo", "--wall", "--write"], "--wall is read-only: --write contradicts it"),
    (["wall", "--write"], "--write does not apply to `irtui wall` (a wall display is read-only)"),
    (["serve", "--write"], "--write does not apply to `irtui serve` (a browser view is read-only)"),
    (["--wall", "report", "INC-1"], "--wall does not apply to `irtui report`"),
])
def test_write_with_a_wall_is_one_error(argv, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        parse_args(argv)


def test_each_browser_runs_a_read_only_irtui():
    argv = serve_command(parse_args(["serve", "--wall", "--demo", "-n", "emrtask-prod"]))
    assert argv[1:] == ["-m", "irtui", "--read-only", "--wall", "--namespace", "emrtask-prod", "demo"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_a_browser_on_loopback_and_states_the_caveat(tmp_path):
    pytest.importorskip("textual_serve")  # the optional extra `serve`
    port = _free_port()
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "irtui", "serve", "--demo", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        caveat = proc.stderr.readline()  # printed before the server starts
        assert f"http://127.0.0.1:{port}" in caveat and "no authentication and no TLS" in caveat
        def page() -> httpx.Response | None:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            except httpx.TransportError:
                return None

        page = until_sync(page, f"the wall on port {port} to answer", step=0.05)
        assert page.status_code == 200
        assert f"ws://127.0.0.1:{port}/ws" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_without_textual_serve_says_how_to_install_it():
    code = ("import sys; sys.modules['textual_serve'] = None; from irtui.cli import main; "
            "sys.exit(main(['serve']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "irtui serve needs textual-serve: pip install 'irtui[serve]' (or: pip install textual-serve)"


def test_serve_help_states_the_caveat():
    done = subprocess.run([sys.executable, "-m", "irtui", "serve", "--help"], capture_output=True, text=True,
                          timeout=60)
    help_text = " ".join(done.stdout.split())
    assert "NO authentication and NO TLS" in help_text and "127.0.0.1 (the default)" in help_text
