"""Class-private names: ``__k`` in a method's source, as Python compiled it (``_Class__k``).

Contract: :func:`mangle` renames, in place, the private names of a parsed
function's tree the way Python mangled them in its code, or refuses (with the
line) when it cannot tell how Python did.
"""

from __future__ import annotations

import ast
import types

from adcompare.engines.sct.errors import Where


def mangle(node: ast.FunctionDef, fn: types.FunctionType, where: Where) -> None:
    """Class-private names (``__k`` in a method) as Python compiled them: ``_Class__k``."""
    private = {n for n in _identifiers(node) if n.startswith("__") and not n.endswith("__")}
    if not private:
        return
    parts = fn.__qualname__.split(".")
    owner = next((parts[i] for i in range(len(parts) - 2, -1, -1)
                  if parts[i + 1] != "<locals>" and parts[i] != "<locals>"), None)
    prefix = owner.lstrip("_") if owner else ""
    if not prefix:
        return  # not in a class (or a class named only with underscores): Python does not mangle
    code_names = _code_names(fn.__code__)
    rename = {n: f"_{prefix}{n}" for n in private}
    for n, m in rename.items():
        if m not in code_names and n in code_names:
            raise where.refuse(f"the class-private name {n}", node,
                               "SCT could not tell how Python mangled it; use a name without two "
                               "leading underscores")
    for sub in ast.walk(node):
        for attr in ("id", "attr", "arg"):
            value = getattr(sub, attr, None)
            if isinstance(value, str) and value in rename:
                setattr(sub, attr, rename[value])


def _identifiers(node: ast.AST) -> set[str]:
    out = set()
    for sub in ast.walk(node):
        for attr in ("id", "attr", "arg"):
            value = getattr(sub, attr, None)
            if isinstance(value, str):
                out.add(value)
    return out


def _code_names(code: types.CodeType) -> set[str]:
    out = set(code.co_names) | set(code.co_varnames) | set(code.co_freevars) | set(code.co_cellvars)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out |= _code_names(const)
    return out
