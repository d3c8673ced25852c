"""The design, checked by tools: ruff, the import-linter layer contracts, an import graph
without cycles, mypy on all of irtui, and dependency floors that the installed (tested)
versions meet. Each tool runs as a subprocess and a failure shows its own output."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from itertools import pairwise
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent

# Cycles in the import graph allowed for now, each a strongly connected set of modules. A
# cycle that is not inside one of these sets fails `test_no_new_import_cycle`; while any is
# listed, `test_no_import_cycle` fails and needs an xfail mark. None is listed today.
KNOWN_CYCLES: list[set[str]] = []

# mypy on irtui: the errors left in each package (its modules, not its subpackages; "irtui"
# is the top-level modules). A package not listed is allowed none. Lower these as they are
# fixed; never raise them.
MYPY_ERRORS = {
    "irtui.database": 5,
    "irtui.metrics": 1,
    "irtui.sim": 47,
    "irtui.sim.api": 14,
    "irtui.ui": 27,
    "irtui.ui.panes": 3,
    "irtui.ui.widgets": 2,
}


def run_tool(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_ruff_passes() -> None:
    result = run_tool("-m", "ruff", "check", "--no-cache", "irtui", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_are_kept() -> None:
    result = run_tool("-c", "from importlinter.cli import lint_imports_command; lint_imports_command()", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def import_cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected sets of modules (Tarjan): every cycle lies inside one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            members = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.add(member)
                if member == module:
                    break
            if len(members) > 1:
                found.append(members)

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def describe(graph: grimp.ImportGraph, cycle: set[str]) -> str:
    """One cycle through the set, import by import with its line, to show where to cut."""
    start = min(cycle)
    back = [
        graph.find_shortest_chain(importer=member, imported=start)
        for member in sorted(graph.find_modules_that_directly_import(start) & cycle)
    ]
    chain = min(back, key=len)
    path = [start, *graph.find_shortest_chain(importer=start, imported=chain[0])[1:], *chain[1:]]
    hops = []
    for importer, imported in pairwise(path):
        details = graph.get_import_details(importer=importer, imported=imported)
        line = details[0]["line_number"] if details else "?"
        hops.append(f"{importer} -> {imported} (l.{line})")
    return "\n    ".join(hops)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Imports inside functions count (grimp reads them all); those under TYPE_CHECKING never
    # run, so they are left out.
    return grimp.build_graph("irtui", cache_dir=None, exclude_type_checking_imports=True)


def test_no_new_import_cycle(graph: grimp.ImportGraph) -> None:
    new = [cycle for cycle in import_cycles(graph) if not any(cycle <= known for known in KNOWN_CYCLES)]
    assert not new, "import cycles:\n  " + "\n  ".join(describe(graph, cycle) for cycle in new)


def test_no_import_cycle(graph: grimp.ImportGraph) -> None:
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n  " + "\n  ".join(describe(graph, cycle) for cycle in cycles)


def mypy_errors_by_package(output: str) -> dict[str, list[str]]:
    """mypy's error lines, by the package of the file each is in."""
    errors: dict[str, list[str]] = {}
    for line in output.splitlines():
        if ": error:" in line:
            package = ".".join(Path(line.split(":", 1)[0]).parent.parts)
            errors.setdefault(package, []).append(line)
    return errors


def test_mypy_does_not_regress(request: pytest.FixtureRequest) -> None:
    cache = request.config.cache.mkdir("mypy") if getattr(request.config, "cache", None) else None
    # Without a cache, mypy reads every imported library first: minutes on a loaded machine.
    result = run_tool("-m", "mypy", *([f"--cache-dir={cache}"] if cache else []), "irtui", timeout=900)
    # 1 means type errors were found; anything else is mypy itself failing.
    assert result.returncode in (0, 1), result.stdout + result.stderr
    worse = [
        f"{package}: {len(lines)} errors, {MYPY_ERRORS.get(package, 0)} allowed:\n  " + "\n  ".join(lines)
        for package, lines in sorted(mypy_errors_by_package(result.stdout).items())
        if len(lines) > MYPY_ERRORS.get(package, 0)
    ]
    assert not worse, "\n".join(worse)


def release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:3])


def test_installed_versions_meet_the_declared_floors() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    too_old = []
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        assert match, f"{requirement!r} declares no floor"
        name, floor = match.groups()
        try:
            installed = version(name)
        except PackageNotFoundError:
            too_old.append(f"{name}: not installed")
            continue
        if release(installed) < release(floor):
            too_old.append(f"{name}: {installed} installed, {floor} declared")
    assert not too_old, "\n".join(too_old)
