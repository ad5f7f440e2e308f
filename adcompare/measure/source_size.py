"""Source size: how much longer a problem gets in elemental form (the usability study's measure).

The survey names the elemental library's cost to the user: no operators, so
the code grows long. This module measures it on every workload that has both
forms, from their real source:

* **lines**: source lines of the form, blank lines, comment lines and the
  docstring left out;
* **nodes**: AST nodes of the form (``ast.walk``), the docstring and the
  ``Load``/``Store`` context markers left out (they are not written);
* **chars**: characters of those lines, indentation left out.

A form counts the helper functions of its own module that it calls, directly
or through another helper (``det`` calls ``minor``; ``det_elemental`` calls
``minor_elemental``), each once.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    lines: int
    nodes: int
    chars: int


@dataclass(frozen=True)
class Row:
    problem: str
    natural: Size
    elemental: Size | None  # None while a problem has no elemental form


def measure(fn: Callable) -> Size:
    """Lines, AST nodes and characters of ``fn`` plus the same-module helpers it calls.

    Args:
        fn: a workload's natural or elemental form.

    Returns:
        The summed :class:`Size`.
    """
    sizes = [_size_of(tree, source) for tree, source in _definitions(fn)]
    return Size(sum(s.lines for s in sizes), sum(s.nodes for s in sizes), sum(s.chars for s in sizes))


def table(names: list[str] | None = None) -> list[Row]:
    """One :class:`Row` per workload (all of them by default)."""
    from adcompare import workloads

    rows = []
    for name in names or workloads.names():
        w = workloads.get(name)
        elemental = None if w.elemental is None else measure(w.elemental)
        rows.append(Row(name, measure(w.natural), elemental))
    return rows


def format_table(rows: list[Row]) -> str:
    """The table as text: each measure natural, elemental and their ratio, then the totals."""
    measures = ("lines", "nodes", "chars")
    out = [f"{'':<16}" + "".join(f"{m:^24}" for m in measures),
           f"{'problem':<16}" + f"{'natural':>9}{'elem.':>8}{'ratio':>7}" * len(measures)]
    out.append("-" * len(out[1]))
    for r in rows:
        elemental = r.elemental or Size(None, None, None)
        out.append(f"{r.problem:<16}" + "".join(
            _cells(getattr(r.natural, m), getattr(elemental, m)) for m in measures))
    both = [r for r in rows if r.elemental is not None]
    if both:
        out.append("-" * len(out[1]))
        out.append(f"{'total':<16}" + "".join(
            _cells(sum(getattr(r.natural, m) for r in both), sum(getattr(r.elemental, m) for r in both))
            for m in measures))
    return "\n".join(out)


def _cells(natural: int, elemental: int | None) -> str:
    if elemental is None:
        return f"{natural:>9}{'-':>8}{'':>7}"
    return f"{natural:>9}{elemental:>8}{elemental / natural:>7.2f}"


def _definitions(fn: Callable) -> list[tuple[ast.FunctionDef, list[str]]]:
    """``fn``'s parsed definition, then each same-module helper it reaches, once each."""
    module = inspect.getmodule(fn)
    found, todo, out = {fn.__name__}, [fn], []
    while todo:
        f = todo.pop()
        source = textwrap.dedent(inspect.getsource(f)).splitlines()
        tree = ast.parse("\n".join(source)).body[0]
        out.append((tree, source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                helper = getattr(module, node.func.id, None)
                if (inspect.isfunction(helper) and inspect.getmodule(helper) is module
                        and helper.__name__ not in found):
                    found.add(helper.__name__)
                    todo.append(helper)
    return out


def _size_of(tree: ast.FunctionDef, source: list[str]) -> Size:
    nodes, skipped = _count_nodes(tree), set()
    doc = tree.body[0]
    if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str):
        nodes -= _count_nodes(doc)
        skipped = set(range(doc.lineno, doc.end_lineno + 1))
    code = [text.strip() for k, text in enumerate(source, start=1) if k not in skipped]
    code = [text for text in code if text and not text.startswith("#")]
    return Size(len(code), nodes, sum(len(text) for text in code))


def _count_nodes(tree: ast.AST) -> int:
    return sum(1 for node in ast.walk(tree) if not isinstance(node, ast.expr_context))
