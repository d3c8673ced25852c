"""Over SSH (SSH_CONNECTION or SSH_TTY set) the app animates nothing: every frame of a
scroll or a fade would cross the link. $TEXTUAL_ANIMATIONS, when set, still decides."""

from __future__ import annotations

import pytest

from ui_helpers import make_app


@pytest.fixture
def local(monkeypatch):
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "TEXTUAL_ANIMATIONS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("name,value", [("SSH_CONNECTION", "10.0.0.5 50122 10.0.0.9 22"), ("SSH_TTY", "/dev/pts/3")])
async def test_no_animations_over_ssh(module_sim, local, name, value):
    local.setenv(name, value)
    app = make_app(module_sim)
    async with app.run_test(size=(80, 24)):
        assert app.animation_level == "none"


async def test_a_local_terminal_keeps_textuals_default(module_sim, local):
    app = make_app(module_sim)
    assert app.animation_level == "full"


async def test_textual_animations_still_decides_over_ssh(module_sim, local):
    local.setenv("SSH_TTY", "/dev/pts/3")
    local.setenv("TEXTUAL_ANIMATIONS", "full")
    app = make_app(module_sim)
    # Textual read the variable when it was imported; irtui leaves its choice alone.
    assert app.animation_level != "none"
