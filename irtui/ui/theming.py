"""Themes: theme files to Textual `Theme`s, the variables irtui's stylesheets use, and styles
for render code.

This module owns the one path from a theme file to the screen (Posting's shape): a TOML file
in `themes/` (shipped inside the package as `irtui/themes`) or in
`$XDG_CONFIG_HOME/irtui/themes/` becomes a `textual.theme.Theme`, registered on the app at
start. Every colour irtui draws is a theme variable: Textual's own (`$error`, `$panel`...)
or one of `VARIABLES` (`$irtui-failing`, `$irtui-clock-breached`...), used in the `.tcss`
files and, for Rich text built in Python, through `style("bold $irtui-failing")`. A theme that
leaves an irtui variable out (Textual's built-in ones do) gets it from its base colours.

A malformed theme file is a `ConfigError` naming the file, the line, the key and what was
expected; irtui does not start with half a theme.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from rich.style import Style
from textual.color import Color, ColorParseError
from textual.markup import parse_style
from textual.theme import Theme

from irtui.config import Config, ConfigError, Section, default_config_path, load_toml, xdg_config_home

DEFAULT_THEME = "war-room"  # dark, for a war room at 3 a.m.
NO_COLOR_THEME = "monochrome"  # chosen when $NO_COLOR is set (non-empty)

BASE_COLOURS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost",
                "warning", "error", "success")

# Every variable irtui's stylesheets and render code use, with the base colour of the
# theme it falls back to (Textual's generated colour system) when a theme does not set it.
VARIABLES: dict[str, str] = {
    # body, borders and focus
    "irtui-border": "panel-lighten-2",
    "irtui-border-focus": "accent",
    "irtui-header-background": "panel",
    "irtui-header-foreground": "foreground",
    "irtui-muted": "foreground-darken-2",
    "irtui-highlight": "accent",  # the namespace, a phase, a role
    # tables
    "irtui-table-header": "foreground-darken-1",
    "irtui-cursor": "block-cursor-background",
    "irtui-cursor-foreground": "background",
    # row states
    "irtui-healthy": "success",
    "irtui-pending": "warning",
    "irtui-failing": "error",
    "irtui-terminating": "foreground-darken-3",
    # severity
    "irtui-p0": "error",
    "irtui-p1": "warning",
    "irtui-p2": "accent",
    "irtui-p3": "primary",
    # the clock bar
    "irtui-clock-ok": "boost",
    "irtui-clock-due": "warning",
    "irtui-clock-breached": "error",
    # charts
    "irtui-chart": "primary",
    "irtui-chart-warn": "warning",
    "irtui-chart-crit": "error",
    # logs and command output
    "irtui-log-error": "error",
    "irtui-log-match": "warning",
    "irtui-log-match-foreground": "background",
    # badges in the header; text on a coloured badge
    "irtui-badge-foreground": "background",
    "irtui-read-only": "error",
    "irtui-write": "warning",
    "irtui-demo": "warning",
    "irtui-store": "warning",
    # the timeline's kinds of entry that are neither state nor severity
    "irtui-action": "primary",
    "irtui-update": "secondary",
    # the per-context cue (`[contexts."CTX".ui] colour`); the header's own colour without one
    "irtui-context": "panel",
}

COLOUR_FORMS = "a colour (#rrggbb, rgb(r, g, b), hsl(h, s%, l%) or a CSS colour name)"
_THEME_KEYS = frozenset({"name", "description", "dark", "colors", "variables"})
_VARIABLE = re.compile(r"^[a-z][a-z0-9-]*$")
_REFERENCE = re.compile(r"\$([a-z][a-z0-9-]*)")


def shipped_themes_dir() -> Path:
    """The themes irtui ships: `themes/` at the top of the source tree, installed as
    `irtui/themes` (a link in the source tree, files in a wheel)."""
    return Path(str(files("irtui") / "themes"))


def user_themes_dir() -> Path:
    return xdg_config_home() / "irtui" / "themes"


def load_theme(path: str | os.PathLike) -> Theme:
    """One theme file as a `Theme`; anything wrong is a `ConfigError` with file, line, key."""
    return load_theme_file(path)[0]


def load_theme_file(path: str | os.PathLike) -> tuple[Theme, str]:
    """One theme file as a `Theme` and the line that says what it is for."""
    data, text = load_toml(path)
    root = Section(data, str(path), text)
    root.reject_unknown(_THEME_KEYS)
    name = root.get("name", str, Path(path).stem)
    if not _VARIABLE.match(name):
        raise root.error("name", f"must be lower-case letters, digits and dashes, not {name!r}")
    colours_section = root.section("colors")
    colours_section.reject_unknown(frozenset(BASE_COLOURS))
    colours = {key: _colour(colours_section, key) for key in colours_section.keys()}
    if "primary" not in colours:
        raise colours_section.error("primary", "is required (a colour)")
    variables_section = root.section("variables")
    variables = {}
    for key in variables_section.keys():
        if key not in VARIABLES:
            raise variables_section.error(key, f"unknown variable {key} (expected one of: {', '.join(VARIABLES)})")
        variables[key] = _colour(variables_section, key)
    # The colours are Theme's colour fields by name (reject_unknown kept to BASE_COLOURS),
    # which mypy cannot match from a dict of strings.
    theme = Theme(name=name, dark=root.get("dark", bool, True), variables=variables, **colours)  # type: ignore[arg-type]
    return theme, root.get("description", str, "")


def _colour(section: Section, key: str) -> str:
    value = section.get(key, str)
    try:
        Color.parse(value)
    except ColorParseError:
        raise section.error(key, f"must be {COLOUR_FORMS}, not {value!r}") from None
    return value


def load_themes() -> dict[str, tuple[Theme, str]]:
    """Name -> (theme, description): the shipped themes, then the user's (a user theme of
    the same name replaces a shipped one)."""
    themes: dict[str, tuple[Theme, str]] = {}
    for folder in (shipped_themes_dir(), user_themes_dir()):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                theme, description = load_theme_file(path)
                themes[theme.name] = (theme, description)
    return themes


def no_color() -> bool:
    """https://no-color.org: set and not empty."""
    return bool(os.environ.get("NO_COLOR"))


def with_defaults(variables: dict[str, str], context_colour: str | None = None) -> dict[str, str]:
    """A theme's generated variables with every irtui variable it leaves out filled in from
    its base colours, and the context's cue colour when one is configured."""
    out = dict(variables)
    for name, base in VARIABLES.items():
        if name not in out:
            out[name] = _real_colour(out.get(base)) or out["foreground"]
    if context_colour:
        out["irtui-context"] = context_colour
    return out


def _real_colour(value: str | None) -> str | None:
    """A value that is a colour (not "auto 60%"), else None."""
    if value is None:
        return None
    try:
        Color.parse(value)
    except ColorParseError:
        return None
    return value


def themed(spec: str, variables: dict[str, str] | None = None) -> Style:
    """A Rich style from a spec written with theme variables, e.g. "bold $irtui-failing" or
    "bold $irtui-badge-foreground on $irtui-read-only"; variables from the running app's
    theme unless given."""
    if variables is None:
        from textual._context import active_app

        try:
            variables = active_app.get().theme_variables
        except LookupError:  # no app running (text built for a test or a file)
            variables = _default_variables()
    if "irtui-failing" not in variables:  # an app that is not irtui's (a test's host app)
        variables = with_defaults(variables)
    return _style(spec, tuple((name, variables.get(name, "")) for name in _names(spec)))


@lru_cache(maxsize=1024)
def _names(spec: str) -> tuple[str, ...]:
    return tuple(_REFERENCE.findall(spec))


@lru_cache(maxsize=1)
def _default_variables() -> dict[str, str]:
    theme, _ = load_theme_file(shipped_themes_dir() / f"{DEFAULT_THEME}.toml")
    return {**theme.to_color_system().generate(), **theme.variables}


@lru_cache(maxsize=1024)
def _style(spec: str, used: tuple[tuple[str, str], ...]) -> Style:
    return parse_style(spec, dict(used)).rich_style


def theme_choice_error(name: str, available: Any) -> str:
    return f"unknown theme {name!r} (available: {', '.join(sorted(available))})"


@dataclass
class Look:
    """The theme and cue colour a session starts with, and where a theme choice is kept.

    theme: `--theme` > $NO_COLOR (monochrome) > `[contexts."CTX".ui] theme` > `[ui] theme`;
    None for the default. `where` says which layer named it, for an unknown name's error."""

    theme: str | None
    where: ConfigError | None
    colour: str | None
    config_file: Path

    @classmethod
    def from_config(cls, args: Any, config: Config, context: str | None) -> Look:
        flag = getattr(args, "theme", None)
        theme, where = flag, None
        if not theme and no_color():
            theme = NO_COLOR_THEME
        if not theme:
            theme, where = _layered(config, "theme", context)
        colour, colour_where = _layered(config, "colour", context)
        if colour is not None and _real_colour(colour) is None:
            assert colour_where is not None
            raise ConfigError(colour_where.file, colour_where.line, colour_where.key,
                              f"must be {COLOUR_FORMS}, not {colour!r}")
        config_file = Path(config.file) if config.file != Config.empty().file else default_config_path()
        return cls(theme, where, colour, config_file)

    def unknown(self, available: Any) -> str:
        """The one line for a theme name that is not registered."""
        if self.where is None:
            return theme_choice_error(self.theme or "", available)
        return str(ConfigError(self.where.file, self.where.line, self.where.key,
                               theme_choice_error(self.theme or "", available)))


def _layered(config: Config, key: str, context: str | None) -> tuple[str | None, ConfigError | None]:
    """`[contexts."CTX".ui] key`, else `[ui] key`: the value and a ConfigError naming where it is."""
    if context is not None:
        contexts = config.root.section("contexts")
        if context in contexts.data:
            per = contexts.section(context).section("ui")
            if key in per.data:
                return per.get(key, str), per.error(key, "")
    section = config.section("ui")
    if key in section.data:
        return section.get(key, str), section.error(key, "")
    return None, None
