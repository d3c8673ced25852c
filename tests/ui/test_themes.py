"""Themes: picked in the command palette and remembered in the config file, chosen by
`--theme`, `[ui] theme` or $NO_COLOR, read from the user's themes folder, and refused with
file, line and key when malformed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from irtui.cli import parse_args
from irtui.config import Config, ConfigError
from irtui.ui.main import open_connection
from irtui.ui.theming import load_theme
from irtui.ui.wiring import WarRoomError, build_app, war_room

from polling import screen_text, until
from war_room_help import isolated, war_args  # noqa: F401 (isolated: a fixture)

SHIPPED = ["war-room", "daylight", "high-contrast", "colour-safe", "monochrome"]
KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- {name: c, cluster: {server: "https://api.prod-eu.example:6443"}}
users:
- {name: sre, user: {token: not-a-secret}}
contexts:
- {name: prod-eu, context: {cluster: c, user: sre, namespace: emrtask-prod}}
current-context: prod-eu
"""


def _build(tmp_path: Path, argv: list[str] = (), config_text: str = ""):
    """The app `irtui [argv]` would run (not started: nothing is contacted)."""
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    (tmp_path / "config.toml").write_text(config_text)
    args = parse_args([*argv, "--kubeconfig", str(tmp_path / "kubeconfig"), "--config", str(tmp_path / "config.toml")])
    config = Config.load(args.config)
    return build_app(open_connection(args, config), config, args)


async def test_a_theme_picked_in_the_palette_is_applied_and_remembered_in_the_config(sim, isolated):
    config_file = isolated / "config.toml"
    config_file.write_text('# mine\n[cluster]\nnamespace = "emrtask-prod"\n\n[keys]\n"incident.note" = "f8"\n')
    themes = isolated / "config-home" / "irtui" / "themes"
    themes.mkdir(parents=True)
    # A user's theme is listed too; what its file says about it is text, not markup.
    (themes / "pager.toml").write_text('description = "[red]Pager[/] at night"\n[colors]\nprimary = "#ff8800"\n')
    args = war_args(sim, isolated)
    args.config = str(config_file)
    config = Config.load(config_file)
    async with war_room(args, open_connection(args, config), config) as app:
        assert app.theme == "war-room"  # the default
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await until(lambda: "task-ser" in screen_text(app), "the pods pane", pilot=pilot)
            assert "#5fd7ff" in app.export_screenshot()  # war-room's highlight: the namespace
            await pilot.press("ctrl+p")
            await pilot.press(*"theme")
            await until(lambda: "Change the current theme" in screen_text(app), "the Theme command", pilot=pilot)
            await pilot.press("enter")
            # irtui's themes are listed, first, with what each is for
            await until(lambda: all(name in screen_text(app) for name in SHIPPED), "irtui's themes", pilot=pilot)
            assert "war-room (current)" in screen_text(app) and "[red]Pager[/] at night" in screen_text(app)
            await pilot.press(*"daylight", "enter")
            await until(lambda: app.theme == "daylight", "the theme applied", pilot=pilot)
            # Text drawn in Python is redrawn at once: the header's namespace in daylight's
            # highlight colour, war-room's gone.
            await until(lambda: "#0550ae" in app.export_screenshot(), "the header in daylight's colours", pilot=pilot)
            assert "#5fd7ff" not in app.export_screenshot()
            await until(lambda: "Theme daylight, remembered" in screen_text(app), "the notice", pilot=pilot)
    saved = tomllib.loads(config_file.read_text())
    assert saved == {"cluster": {"namespace": "emrtask-prod"}, "keys": {"incident.note": "f8"},
                     "ui": {"theme": "daylight"}}
    # The next session starts in it.
    config = Config.load(config_file)
    assert build_app(open_connection(args, config), config, args).theme == "daylight"


def test_every_shipped_theme_is_registered_and_the_flag_outranks_the_config(isolated, tmp_path):
    app = _build(tmp_path)
    assert app.theme == "war-room" and set(SHIPPED) <= set(app.available_themes)
    assert _build(tmp_path, [], '[ui]\ntheme = "daylight"\n').theme == "daylight"
    assert _build(tmp_path, [], '[contexts."prod-eu".ui]\ntheme = "high-contrast"\n[ui]\ntheme = "daylight"\n'
                  ).theme == "high-contrast"
    assert _build(tmp_path, ["--theme", "colour-safe"], '[ui]\ntheme = "daylight"\n').theme == "colour-safe"


def test_no_color_chooses_monochrome_unless_empty(isolated, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert _build(tmp_path, [], '[ui]\ntheme = "daylight"\n').theme == "monochrome"
    assert _build(tmp_path, ["--theme", "daylight"]).theme == "daylight"  # asked for by name
    monkeypatch.setenv("NO_COLOR", "")
    assert _build(tmp_path).theme == "war-room"


def test_unknown_theme_names_where_it_was_asked_for_and_lists_the_themes(isolated, tmp_path):
    with pytest.raises(WarRoomError) as flag:
        _build(tmp_path, ["--theme", "solarised"])
    assert str(flag.value).startswith("unknown theme 'solarised' (available: ") and "war-room" in str(flag.value)
    with pytest.raises(WarRoomError) as config:
        _build(tmp_path, [], '[cluster]\nnamespace = "x"\n\n[ui]\ntheme = "solarised"\n')
    assert str(config.value).startswith(f"{tmp_path / 'config.toml'}:5: ui.theme: unknown theme 'solarised'")


def test_a_user_theme_is_registered_and_a_malformed_one_stops_irtui_with_file_line_key(isolated, tmp_path):
    themes = isolated / "config-home" / "irtui" / "themes"
    themes.mkdir(parents=True)
    (themes / "pager.toml").write_text('[colors]\nprimary = "#ff8800"\n[variables]\nirtui-failing = "#ff00ff"\n')
    app = _build(tmp_path, ["--theme", "pager"])
    assert app.theme == "pager" and "pager" in app.irtui_themes
    (themes / "pager.toml").write_text('[colors]\nprimary = "#ff8800"\n\n[variables]\nirtui-failing = "blood"\n')
    with pytest.raises(WarRoomError, match=r"pager\.toml:5: variables\.irtui-failing: must be a colour .*not 'blood'"):
        _build(tmp_path)


@pytest.mark.parametrize("text, line, message", [
    ('[colors]\nprimary = "#102030"\nsurface = "nope"\n', 3, "colors.surface: must be a colour"),
    ('[colors]\nprimary = "#102030"\nprimery = "#102030"\n', 3, "colors.primery: unknown key primery"),
    ('[colors]\naccent = "#102030"\n', 1, "colors.primary: is required"),
    ('dark = "yes"\n[colors]\nprimary = "#102030"\n', 1, "dark: must be bool, not str"),
    ('[colors]\nprimary = "#102030"\n[variables]\nirtui-failng = "#ff0000"\n', 4,
     "variables.irtui-failng: unknown variable irtui-failng (expected one of: irtui-border"),
    ('[colors\nprimary = "#102030"\n', 1, "invalid TOML"),
])
def test_a_malformed_theme_file_is_an_error_with_file_line_key(tmp_path, text, line, message):
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_theme(path)
    assert str(error.value).startswith(f"{path}:{line}: {message}"), str(error.value)


def test_a_context_colour_must_be_a_colour(isolated, tmp_path):
    app = _build(tmp_path, [], '[contexts."prod-eu".ui]\ncolour = "crimson"\n')
    assert app.has_class("-context-cue") and app.context_colour == "crimson"
    assert not _build(tmp_path).has_class("-context-cue")
    with pytest.raises(WarRoomError, match=r"config\.toml:2: contexts\.prod-eu\.ui\.colour: must be a colour .*'prod'"):
        _build(tmp_path, [], '[contexts."prod-eu".ui]\ncolour = "prod"\n')
