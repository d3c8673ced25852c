"""Where a value sits in a TOML file: a map from key paths (with array indices) to line
numbers, so a runbook error can say `file:line: phases[2].checklist[3].id: ...`.

`irtui.config.locate_key` finds dotted keys; a runbook is mostly arrays of tables, where
the Nth `[[phases]]` header and the Nth element of a multi-line array matter, so this walks
the file once and records every header, key and array element (one element per line, as
the default runbook is written; otherwise the array's key line is reported).
"""

from __future__ import annotations

import re

Path = tuple  # of str | int

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")
_INLINE_KEY = re.compile(r"""(?:^|[{,])\s*([A-Za-z0-9_-]+)\s*=""")


def _names(dotted: str) -> list[str]:
    return [part.strip().strip("\"'") for part in dotted.split(".")]


def _strip_strings(line: str) -> str:
    """The line with string contents removed, so brackets inside strings do not count."""
    return re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'', '""', line)


def line_index(text: str) -> dict[Path, int]:
    index: dict[Path, int] = {}
    counts: dict[Path, int] = {}
    current: Path = ()
    array: Path | None = None  # the multi-line array being read
    element = 0
    depth = 0
    fence: str | None = None  # inside a multi-line string

    def resolve(names: list[str]) -> Path:
        path: Path = ()
        for name in names:
            path += (name,)
            if path in counts:
                path += (counts[path] - 1,)
        return path

    for number, line in enumerate(text.splitlines(), 1):
        if fence:
            if line.count(fence) % 2 == 1:
                fence = None
            continue
        if array is not None:
            bare = _strip_strings(line).split("#", 1)[0]
            stripped = line.strip()
            if depth == 1 and stripped and stripped[0] in "{\"'0123456789tf[":
                index.setdefault(array + (element,), number)
                for key in _INLINE_KEY.findall(bare):
                    index.setdefault(array + (element, key), number)
                element += 1
            depth += bare.count("[") - bare.count("]")
            for marker in ("'''", '"""'):
                if line.count(marker) % 2 == 1:
                    fence = marker
            if depth <= 0:
                array = None
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = _names(header.group(2))
            if header.group(1) == "[[":
                parent = resolve(names[:-1])
                arr = parent + (names[-1],)
                counts[arr] = counts.get(arr, 0) + 1
                current = arr + (counts[arr] - 1,)
                index.setdefault(arr, number)
            else:
                current = resolve(names)
            index.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            name = key.group(1).strip("\"'")
            path = current + (name,)
            index.setdefault(path, number)
            rest = _strip_strings(line[key.end():]).split("#", 1)[0]
            for marker in ("'''", '"""'):
                if line.count(marker) % 2 == 1:
                    fence = marker
            open_brackets = rest.count("[") - rest.count("]")
            if open_brackets > 0 and not fence:
                array, element, depth = path, 0, open_brackets
            for inner in _INLINE_KEY.findall(rest.split("[", 1)[0] if "{" in rest else ""):
                index.setdefault(path + (inner,), number)
    return index


def locate(index: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest recorded ancestor."""
    for cut in range(len(path), 0, -1):
        if path[:cut] in index:
            return index[path[:cut]]
    return None


def display(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
