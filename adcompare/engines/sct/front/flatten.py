"""Flatten: long expressions cut into shallow steps.

Contract: :func:`split_deep` rewrites a block of user statements (nested blocks
included) so that no assigned or returned expression is more than
:data:`DEPTH` levels deep: a deep operand (of an arithmetic operator, a call's
positional argument, or an element of a tuple or list display) is first
assigned to a fresh temporary, deepest first, and read by name. The operands it
cuts out are evaluated unconditionally in the original (never out of a
conditional expression, ``and``/``or`` or a comparison chain), so the values
are the same. An expression still deeper than :data:`LIMIT` (a deep
conditional expression, say) is refused with its line. After this pass the
recursive ``ast`` walkers (``ast.unparse``, the normalizer, ``compile``) see
shallow trees only, so a sum of thousands of terms transforms.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from adcompare.engines.sct.asttools import children, height
from adcompare.engines.sct.errors import Where

DEPTH = 24  # longest operand chain left in one expression
LIMIT = 150  # deeper than this after splitting: refused (ast.unparse recurses ~4 frames a level)

_CUTTABLE = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript)


def split_deep(block: list, temp: Callable[[], str], where: Where) -> tuple[list, set[str]]:
    """``block`` with deep expressions split (see the module doc), and the temporaries made."""
    made: set[str] = set()
    return _block(block, temp, where, made), made


def _block(block: list, temp, where: Where, made: set[str]) -> list:
    out = []
    for s in block:
        if isinstance(s, (ast.If, ast.For, ast.While)):
            s.body = _block(s.body, temp, where, made)
            s.orelse = _block(s.orelse, temp, where, made)
        value = getattr(s, "value", None) if isinstance(
            s, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)) else None
        deepest = 0
        if value is not None:
            before: list = []
            s.value, deepest = _cut(value, temp, before, s)
            made.update(b.targets[0].id for b in before)
            out += before
        for part in children(s):
            if isinstance(part, ast.expr) and (value is None or part is not s.value):
                deepest = max(deepest, height(part))
        if deepest > LIMIT:
            raise where.refuse(f"an expression nested more than {LIMIT} levels deep", s,
                               "split it into several statements")
        out.append(s)
    return out


def _cut(root: ast.expr, temp, before: list, at: ast.stmt) -> tuple[ast.expr, int]:
    """``root`` with every operand chain longer than DEPTH cut, and its height after the cuts:
    post-order, without recursion."""
    heights: dict[int, int] = {}
    todo: list[tuple[ast.AST, bool]] = [(root, False)]
    while todo:
        node, done = todo.pop()
        parts = _operand_slots(node)
        if not done:
            todo.append((node, True))
            todo.extend((child, False) for _, _, child in reversed(parts))
            continue
        h = 1
        for holder, key, child in parts:
            ch = heights.pop(id(child), None)
            if ch is None:  # not an operand we walked: its own height
                ch = height(child)
            if ch >= DEPTH and isinstance(child, _CUTTABLE):
                name = temp()
                before.append(ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], child), at))
                replacement = ast.copy_location(ast.Name(name, ast.Load()), child)
                if isinstance(key, int):
                    holder[key] = replacement
                else:
                    setattr(holder, key, replacement)
                ch = 1
            h = max(h, ch + 1)
        slots = {id(child) for _, _, child in parts}
        for child in children(node):  # what is not an operand (a call's function, keywords, a slice)
            if id(child) not in slots:
                h = max(h, height(child) + 1)
        heights[id(node)] = h
    return root, heights[id(root)]


def _operand_slots(node: ast.AST) -> list[tuple]:
    """(holder, key, child) for the operands of ``node`` that are always evaluated, in order."""
    if isinstance(node, ast.BinOp):
        return [(node, "left", node.left), (node, "right", node.right)]
    if isinstance(node, ast.UnaryOp):
        return [(node, "operand", node.operand)]
    if isinstance(node, ast.Call):
        return [(node.args, i, a) for i, a in enumerate(node.args) if not isinstance(a, ast.Starred)]
    if isinstance(node, (ast.Tuple, ast.List)) and isinstance(node.ctx, ast.Load):
        return [(node.elts, i, e) for i, e in enumerate(node.elts) if not isinstance(e, ast.Starred)]
    if isinstance(node, ast.Subscript):
        return [(node, "value", node.value)]
    return []
