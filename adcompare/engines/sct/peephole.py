"""Peephole: small rewrites of the generated reverse sweep, for speed and reading.

Contract: :func:`peephole` returns an equivalent block (nested blocks
included) in which a cotangent reset to ``0.0`` and then, with nothing in
between reading or writing it, accumulated into (``v_bar = v_bar + e`` or
``add_bar(v_bar, e)``) is assigned ``e`` directly. Only generated cotangent
names follow the pattern, so user code is never touched.
"""

from __future__ import annotations

import ast

from adcompare.engines.sct import codegen as cg


def peephole(block: list) -> list:
    """``v_bar = 0.0`` followed, with nothing in between touching v_bar, by
    ``v_bar = v_bar + e`` becomes ``v_bar = e``."""
    out = list(block)
    for s in out:
        for field_ in ("body", "orelse"):
            if isinstance(s, (ast.If, ast.For, ast.While)) and getattr(s, field_):
                setattr(s, field_, peephole(getattr(s, field_)))
    i = 0
    while i < len(out):
        s = out[i]
        name = _zero_assign(s)
        if name is not None:
            for j in range(i + 1, len(out)):
                later = out[j]
                value = _accumulates(later, name)
                if value is not None:
                    out[j] = cg.assign(name, value)
                    del out[i]
                    i -= 1
                    break
                if name in {n.id for n in ast.walk(later) if isinstance(n, ast.Name)}:
                    break
        i += 1
    return out


def _zero_assign(s: ast.stmt) -> str | None:
    if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
            and isinstance(s.value, ast.Constant) and s.value.value == 0.0 \
            and type(s.value.value) is float:
        return s.targets[0].id
    return None


def _accumulates(s: ast.stmt, name: str) -> ast.expr | None:
    """``e`` if ``s`` is ``name = name + e`` or ``name = add_bar(name, e)`` and e does not read name."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
            and s.targets[0].id == name):
        return None
    v = s.value
    if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add) and isinstance(v.left, ast.Name) \
            and v.left.id == name:
        rest = v.right
    elif isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id.startswith("add_bar") \
            and len(v.args) == 2 and isinstance(v.args[0], ast.Name) and v.args[0].id == name:
        rest = v.args[1]
    else:
        return None
    if name in {n.id for n in ast.walk(rest) if isinstance(n, ast.Name)}:
        return None
    return rest
