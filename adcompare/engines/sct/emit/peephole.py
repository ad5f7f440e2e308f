"""Peephole: small rewrites of the generated reverse sweep, for speed and reading.

Contract: :func:`peephole` returns an equivalent block (nested blocks
included) in which a cotangent reset to ``0.0`` and then, with nothing in
between reading or writing it, accumulated into (``v_bar = v_bar + e`` or
``add_bar(v_bar, e)``) is assigned ``e`` directly, and an accumulation of an
index's cotangent (``v_bar = add_bar(v_bar, getitem_bar(g, x, idx))``) becomes
``v_bar = getitem_bar_into(g, x, idx, v_bar)`` (only for the cotangent names given:
code that is transformed again, or run by ``lax.scan``, keeps the plain sum). Only generated cotangent
names follow the pattern, so user code is never touched. One pass over each
block: the time is linear in the size of the code (times its nesting depth).
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from adcompare.engines.sct.asttools import names
from adcompare.engines.sct.emit import codegen as cg


class Into(NamedTuple):
    """Where index cotangents are accumulated in place: the cotangent names (the transform's own,
    never a variable of the code it transforms) and the names its code calls the two helpers by."""
    names: frozenset
    getitem_bar: str
    getitem_bar_into: str


def peephole(block: list, into: Into | None = None) -> list:
    """``v_bar = 0.0`` followed, with nothing in between touching v_bar, by
    ``v_bar = v_bar + e`` becomes ``v_bar = e``; with ``into``, index cotangents of its
    names are accumulated by ``getitem_bar_into``."""
    out = list(block)
    for s in out:
        for field_ in ("body", "orelse"):
            if isinstance(s, (ast.If, ast.For, ast.While)) and getattr(s, field_):
                setattr(s, field_, peephole(getattr(s, field_), into))
    pending: dict[str, int] = {}  # name -> position of its `name = 0.0`, untouched since
    dropped: set[int] = set()
    for j, s in enumerate(out):
        acc = _accumulation(s)
        if acc is not None and acc[0] in pending:
            name, rest = acc
            dropped.add(pending.pop(name))
            out[j] = cg.assign(name, rest)
        if pending:
            for name in names(s):
                pending.pop(name, None)
        name = _zero_assign(s)
        if name is not None:
            pending[name] = j
    kept = [s for j, s in enumerate(out) if j not in dropped]
    return [_into(s, into) for s in kept] if into else kept


def _into(s: ast.stmt, into: Into) -> ast.stmt:
    """``v_bar = add_bar(v_bar, getitem_bar(g, x, idx))`` (or ``v_bar + ...``) becomes
    ``v_bar = getitem_bar_into(g, x, idx, v_bar)``: the same sum, which the runtime may add in place."""
    acc = _accumulation(s)
    if acc is None or acc[0] not in into.names:
        return s
    name, rest = acc
    if isinstance(rest, ast.Call) and isinstance(rest.func, ast.Name) and rest.func.id == into.getitem_bar \
            and len(rest.args) == 3 and not rest.keywords:
        return cg.assign(name, ast.Call(cg.load(into.getitem_bar_into), rest.args + [cg.load(name)], []))
    return s


def _zero_assign(s: ast.stmt) -> str | None:
    if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
            and isinstance(s.value, ast.Constant) and s.value.value == 0.0 \
            and type(s.value.value) is float:
        return s.targets[0].id
    return None


def _accumulation(s: ast.stmt) -> tuple[str, ast.expr] | None:
    """``(name, e)`` if ``s`` is ``name = name + e`` or ``name = add_bar(name, e)`` and e does not read name."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)):
        return None
    name, v = s.targets[0].id, s.value
    if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add) and isinstance(v.left, ast.Name) \
            and v.left.id == name:
        rest = v.right
    elif isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id.startswith("add_bar") \
            and len(v.args) == 2 and isinstance(v.args[0], ast.Name) and v.args[0].id == name:
        rest = v.args[1]
    else:
        return None
    if name in names(rest):
        return None
    return name, rest
