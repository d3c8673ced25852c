"""The configuration file: where it lives, how it is read, and how a bad value is reported.

This module owns loading TOML at XDG paths, precedence (flag > environment > per-context
> global) and errors that name file, line and key. Each package owns the schema of its
own section and reads it through `Section`, so adding a setting never touches this file.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING = object()


class ConfigError(Exception):
    """A config or runbook file that cannot be used, with where and why."""

    def __init__(self, file: str | os.PathLike, line: int | None, key: str | None, message: str) -> None:
        self.file = str(file)
        self.line = line
        self.key = key
        self.message = message
        where = self.file if line is None else f"{self.file}:{line}"
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


def xdg_config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def xdg_data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def xdg_state_home() -> Path:
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")


def state_dir() -> Path:
    """`$XDG_STATE_HOME/irtui`: irtui's own log. Like `data_dir`, created by whoever writes there."""
    return xdg_state_home() / "irtui"


def default_config_path() -> Path:
    return xdg_config_home() / "irtui" / "config.toml"


def data_dir() -> Path:
    """`$XDG_DATA_HOME/irtui`. Not created here: whoever writes a file there creates it, so
    a read-only terminal, which writes nothing, leaves no directory behind either."""
    return xdg_data_home() / "irtui"


def locate_key(text: str, dotted: str | tuple[str, ...] | list[str]) -> int | None:
    """Best-effort line number (1-based) of a dotted key in TOML source.

    Finds the innermost table header that is a prefix of the key, then the key's first
    line after it; falls back to the header's line, or None.
    """
    # A sequence keeps a part that itself holds a dot (`"kube.scale" = ...`) whole.
    parts = dotted.split(".") if isinstance(dotted, str) else list(dotted)
    lines = text.splitlines()
    header_line = 0
    rest = parts
    for cut in range(len(parts), 0, -1):
        table = parts[:cut]
        pattern = re.compile(r"^\s*\[\[?\s*" + r"\s*\.\s*".join(_key_re(p) for p in table) + r"\s*\]\]?\s*(#.*)?$")
        for number, line in enumerate(lines, 1):
            if pattern.match(line):
                header_line, rest = number, parts[cut:]
                break
        if header_line:
            break
    if not rest:
        return header_line or None
    key = re.compile(r"^\s*" + r"\s*\.\s*".join(_key_re(p) for p in rest[:1]) + r"\s*(=|\.)")
    for number in range(header_line, len(lines)):
        if lines[number].lstrip().startswith("["):
            if number > header_line:
                break
            continue
        if key.match(lines[number]):
            return number + 1
    return header_line or None


def _key_re(part: str) -> str:
    escaped = re.escape(part)
    return rf"(?:{escaped}|\"{escaped}\"|'{escaped}')"


def load_toml(path: str | os.PathLike) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; whatever is wrong with it becomes a `ConfigError` with its line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, None, None, f"cannot read: {exc.strerror or exc}") from exc
    return parse_toml(raw, path)


def parse_toml(raw: bytes | str, path: str | os.PathLike) -> tuple[dict[str, Any], str]:
    """TOML from bytes or text; `path` names it in errors. Returns the data and the text."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            raise ConfigError(path, line, None, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None
    else:
        text = raw
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else text.count("\n") + 1  # "at end of document"
        raise ConfigError(path, line, None, f"invalid TOML: {exc}") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise ConfigError(path, _deep_line(text), None, "invalid TOML: nested too deeply") from None
    except ValueError as exc:  # tomllib's own checks outside TOMLDecodeError (e.g. lone surrogates)
        raise ConfigError(path, None, None, f"invalid TOML: {exc}") from None


def _deep_line(text: str, limit: int = 100) -> int | None:
    """The line where brackets first nest `limit` deep (strings are not told apart: this
    only points at the place, after tomllib has already refused the file)."""
    depth, line = 0, 1
    for char in text:
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth >= limit:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def env_bool(name: str) -> bool | None:
    """A yes/no environment variable: None when unset, a `ConfigError` for any spelling
    other than 1/true/yes/on and 0/false/no/off (an empty value too): a typo in a safety
    switch must not read as "no"."""
    if name not in os.environ:
        return None
    word = os.environ[name].strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(f"${name}", None, None,
                      f"must be one of 1, true, yes, on, 0, false, no, off; not {os.environ[name]!r}")


@dataclass
class Section:
    """A table of a loaded file, whose getters report bad values with file, line and key."""

    data: dict[str, Any]
    file: str
    text: str
    prefix: str = ""
    path: tuple[str, ...] = ()  # the table's key parts, for finding lines

    def _key(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def error(self, key: str, message: str) -> ConfigError:
        full = self._key(key)
        return ConfigError(self.file, locate_key(self.text, (*self.path, key)), full, message)

    def get(self, key: str, kind: type[T] | tuple[type, ...], default: Any = _MISSING) -> T:
        if key not in self.data:
            if default is _MISSING:
                raise self.error(key, "is required")
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # TOML integers are acceptable where a float is asked for; bools are not ints here.
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and bool not in kinds:
            ok = False
        else:
            ok = isinstance(value, kinds)
        if not ok:
            names = " or ".join(k.__name__ for k in kinds)
            raise self.error(key, f"must be {names}, not {type(value).__name__} ({value!r})")
        return value

    def section(self, key: str) -> Section:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(key, f"must be a table, not {type(value).__name__}")
        return Section(value, self.file, self.text, self._key(key), (*self.path, key))

    def sections(self, key: str) -> list[Section]:
        """An array of tables (`[[key]]`)."""
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(key, "must be an array of tables")
        return [Section(v, self.file, self.text, self._key(key), (*self.path, key)) for v in value]

    def keys(self) -> list[str]:
        return list(self.data)

    def reject_unknown(self, allowed: set[str] | frozenset[str]) -> None:
        """Typos in a config are errors, not silently ignored settings."""
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"unknown key {key} (expected one of: {', '.join(sorted(allowed))})")


# Every table a config file may hold. Sections with a settings module (actions, metrics,
# health, database, contacts, keys) check their own keys when they load; the small ones that
# have no such module are checked here, on load, so that a typo such as `[cluster] readonly`
# is an error rather than a setting quietly not set.
SECTIONS = frozenset({
    "cluster", "incident", "runbook", "contacts", "actions", "scripts", "metrics", "health", "database",
    "redaction", "notify", "detect", "keys", "contexts", "ui",
})
PER_CONTEXT = frozenset({"cluster", "actions", "database", "ui"})  # [contexts."CTX".<section>]
# [ui] theme: the colour theme (irtui.ui.theming); colour: a cue colour for the header and
# borders, mostly set per context (`[contexts."prod-eu".ui] colour = "#b00020"`).
_SMALL_SECTIONS = {"cluster": frozenset({"read_only", "namespace"}), "incident": frozenset({"store", "timeline_key_env"}),
                   "runbook": frozenset({"file"}), "ui": frozenset({"theme", "colour"})}


def remember(path: str | os.PathLike, section: str, key: str, value: Any) -> None:
    """Set `[section] key = value` in the config file at `path`, keeping every other setting
    (the file is read with tomllib and written back with tomli-w, so its comments are not
    kept). A file that does not parse is left as it is: the `ConfigError` says why."""
    import tomli_w

    path = Path(path)
    data: dict[str, Any] = load_toml(path)[0] if path.exists() else {}
    table = data.setdefault(section, {})
    if not isinstance(table, dict):
        raise ConfigError(path, locate_key(path.read_text(encoding="utf-8"), section), section,
                          f"must be a table, not {type(table).__name__}")
    table[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed over: an interrupted write never leaves half a config.
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(tomli_w.dumps(data).encode("utf-8"))
    os.replace(partial, path)


class Config:
    """The loaded config file; `Config.empty()` when there is none."""

    def __init__(self, data: dict[str, Any], file: str, text: str) -> None:
        self.root = Section(data, file, text)
        self.file = file

    @classmethod
    def empty(cls) -> Config:
        return cls({}, "<defaults>", "")

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> Config:
        """The file at `path`, or at the default path if it exists, or empty defaults."""
        if path is None:
            path = default_config_path()
            if not path.exists():
                return cls.empty()
        data, text = load_toml(path)
        config = cls(data, str(path), text)
        config.check_layout()
        return config

    def check_layout(self) -> None:
        """Unknown tables, unknown per-context tables and unknown keys of the small sections
        are `ConfigError`s with file:line."""
        self.root.reject_unknown(SECTIONS)
        for name, keys in _SMALL_SECTIONS.items():
            self.section(name).reject_unknown(keys)
        contexts = self.root.section("contexts")
        for context in contexts.keys():
            per = contexts.section(context)
            per.reject_unknown(PER_CONTEXT)
            for name in per.keys():
                table = per.section(name)
                if name in _SMALL_SECTIONS:
                    table.reject_unknown(_SMALL_SECTIONS[name])

    def section(self, name: str) -> Section:
        return self.root.section(name)

    def setting(
        self,
        section: str,
        key: str,
        kind: type[T] | tuple[type, ...],
        default: Any,
        *,
        context: str | None = None,
        flag: Any = None,
        env: str | None = None,
    ) -> T:
        """One value by precedence: flag > environment > [contexts."CTX".section] > [section]."""
        if flag is not None:
            return flag
        if env and env in os.environ:
            if kind is bool or (isinstance(kind, tuple) and bool in kind):
                return env_bool(env)  # type: ignore[return-value]
            return os.environ[env]  # type: ignore[return-value]
        per = self.context_value(section, key, kind, context)
        if per is not None:
            return per
        return self.section(section).get(key, kind, default)

    def context_value(self, section: str, key: str, kind: type[T] | tuple[type, ...],
                      context: str | None) -> T | None:
        """`[contexts."CTX".section] key`, or None when the context does not set it."""
        if context is None:
            return None
        contexts = self.root.section("contexts")
        if context not in contexts.data:
            return None
        per = contexts.section(context).section(section)
        return per.get(key, kind) if key in per.data else None
