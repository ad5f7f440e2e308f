"""The house holds: layers import only downwards (by name or by string), no cycles, short modules.

The layers, lowest first (docs/ARCHITECTURE.md): primitives → numpy → rules →
engine/custom/checkpoint → engines → workloads → measure → report → cli. A
module may import its own layer and the layers below it, never one above; a
string naming a module (``importlib``, ``-m``) counts as an import.
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "adcompare"
MAX_LINES = 350

# (prefix, rank): the longest matching prefix decides a module's layer.
LAYERS = [
    ("adcompare.concrete", 0),
    ("adcompare.primitives", 0),
    ("adcompare.numpy", 1),
    ("adcompare.elemental", 1),
    ("adcompare.rules", 2),
    ("adcompare.trees", 3),
    ("adcompare.operators", 3),
    ("adcompare.views", 3),
    ("adcompare.engine", 3),
    ("adcompare.tape_engine", 3),
    ("adcompare.custom", 3),
    ("adcompare.custom_outputs", 3),
    ("adcompare.checkpoint", 3),
    ("adcompare.engines", 4),
    ("adcompare.workloads", 5),
    ("adcompare.oracle", 6),
    ("adcompare.measure", 6),
    ("adcompare.report", 7),
    ("adcompare.cli", 8),
    ("adcompare.__main__", 8),
    ("adcompare", 8),  # the package's front door re-exports the public API
]


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def rank(name: str) -> int:
    best = max((prefix for prefix, _ in LAYERS if name == prefix or name.startswith(prefix + ".")), key=len)
    return dict(LAYERS)[best]


def imports(name: str) -> set[str]:
    """The adcompare modules ``name`` imports (a ``from pkg import sub`` names ``pkg.sub``)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for a in node.names:
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
    return {m for m in found if m == "adcompare" or m.startswith("adcompare.")}


def named_in_strings(name: str) -> set[str]:
    """Modules a string names for importing: ``"adcompare.x.y"``, ``"adcompare.x:f"``, or an
    f-string that starts ``f"adcompare.x.{...}"`` (a module chosen at run time under ``adcompare.x``)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"adcompare(\.[a-z_0-9]+)+(:[A-Za-z_0-9]+)?", node.value):
                text = node.value.partition(":")[0]
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            head = str(node.values[0].value)
            if re.fullmatch(r"adcompare(\.[a-z_0-9]+)*\.", head):
                text = head.rstrip(".")
        if text:
            while text not in MODULES and "." in text:
                text = text.rpartition(".")[0]
            found.add(text)
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down(name):
    if name == "adcompare":
        return
    up = sorted(m for m in imports(name) | named_in_strings(name) if m != "adcompare" and rank(m) > rank(name))
    assert not up, f"{name} (layer {rank(name)}) imports higher layers: {[(m, rank(m)) for m in up]}"


def test_no_import_cycles():
    graph = {n: {m for m in imports(n) if m in MODULES and m != n} for n in MODULES}
    state: dict[str, int] = {}

    def visit(n, path):
        state[n] = 1
        for m in sorted(graph[n]):
            if m == "adcompare" or n == "adcompare":
                continue
            if state.get(m) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path + [n, m]))
            if m not in state:
                visit(m, path + [n])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_short(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name]} has {lines} lines (limit {MAX_LINES})"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imported_by_a_name_given_at_run_time(name):
    """``importlib.import_module(variable)`` lets a caller above make this module import it: a back edge.

    The package's front door (``adcompare/__init__.py``) is the top and may load engines lazily by name.
    """
    if name == "adcompare":
        return
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                "import_module", "__import__"):
            arg = node.args[0] if node.args else None
            assert isinstance(arg, (ast.Constant, ast.JoinedStr)), (
                f"{name}:{node.lineno} imports a module whose name it is given at run time")
