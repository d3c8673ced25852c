"""No Python file under irtui/ui/ names a colour or holds a stylesheet: colours are theme
variables (irtui/ui/theming.py) used in .tcss files and in `themed("bold $irtui-failing")`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from rich.color import ANSI_COLOR_NAMES
from textual._color_constants import COLOR_NAME_TO_RGB

UI = Path(__file__).resolve().parents[2] / "irtui" / "ui"
# Words that are colour names to Rich or Textual but mean something else in a style.
NOT_COLOURS = {"default", "transparent", "ansi_default"}
NAMES = (set(ANSI_COLOR_NAMES) | set(COLOR_NAME_TO_RGB)) - NOT_COLOURS
CODES = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(\s*\d|\bcolor\(\s*\d")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def colour_literals(source: str) -> list[tuple[int, str]]:
    """(line, string) of every string constant, docstrings aside, that names a colour."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words = {w.lower() for w in WORD.findall(node.value)}
            if words & NAMES or CODES.search(node.value):
                found.append((node.lineno, node.value))
    return found


def stylesheets_in_python(source: str) -> list[int]:
    """Lines where a class sets CSS or DEFAULT_CSS to a string written in Python."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("CSS", "DEFAULT_CSS")
                                                for t in node.targets):
            value = node.value
            formatted = (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                         and value.func.attr == "format")  # "...".format(...), _CSS.format(...)
            if formatted or isinstance(value, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                lines.append(node.lineno)
    return lines


def test_the_check_finds_what_it_looks_for():
    assert colour_literals('S = {"bad": "bold red", "x": "on #ff0000", "y": "rgb(1, 2, 3)", "z": "color(9)"}')
    assert colour_literals('text.append(" RO ", "bold white on dark_orange3")')
    assert not colour_literals('"""A red banner."""\nS = "bold $irtui-failing on $irtui-read-only"\nQ = "#db-status"')
    assert stylesheets_in_python('class A:\n    DEFAULT_CSS = """A { color: $error; }"""')
    assert stylesheets_in_python('class A:\n    DEFAULT_CSS = _CSS.format(name="A")')
    assert stylesheets_in_python('class A:\n    CSS = "A {" + "}"')
    assert not stylesheets_in_python('class A:\n    DEFAULT_CSS = widget_css(__file__, "a.tcss")')


def test_no_colour_literal_or_stylesheet_in_python_under_irtui_ui():
    offenders = []
    for path in sorted(UI.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(UI.parent.parent)
        offenders += [f"{name}:{line}: colour in {text!r}" for line, text in colour_literals(source)]
        offenders += [f"{name}:{line}: stylesheet written in Python" for line in stylesheets_in_python(source)]
    assert not offenders, "\n".join(offenders)
