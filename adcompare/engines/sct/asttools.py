"""Flatten: long expressions cut into shallow steps, and ``ast`` trees copied without recursion.

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

:func:`copy_tree` is ``copy.deepcopy`` for ``ast`` trees, iterative and faster.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from adcompare.engines.sct.errors import Where

DEPTH = 24  # longest operand chain left in one expression
LIMIT = 150  # deeper than this after splitting: refused (ast.unparse recurses ~4 frames a level)

_CUTTABLE = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript)


def copy_tree(node):
    """A deep copy of an ``ast`` node (or a list of nodes), without recursion."""
    if isinstance(node, list):
        return [copy_tree(n) for n in node]
    root = _shallow(node)
    todo = [root]
    while todo:
        fields = todo.pop().__dict__
        for name, value in fields.items():  # values are replaced, keys stay: safe while iterating
            if isinstance(value, ast.AST):
                if not isinstance(value, _SHARED):
                    fields[name] = child = _shallow(value)
                    todo.append(child)
            elif type(value) is list:
                fields[name] = items = [_shallow(v) if isinstance(v, ast.AST) and not isinstance(v, _SHARED)
                                        else v for v in value]
                todo.extend(v for v in items if isinstance(v, ast.AST) and not isinstance(v, _SHARED))
    return root


# markers without fields (Load, Add, ...): the parser itself shares one of each
_SHARED = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _shallow(node: ast.AST) -> ast.AST:
    new = node.__class__.__new__(node.__class__)
    new.__dict__.update(node.__dict__)
    return new


def height(node: ast.AST) -> int:
    """The depth of the deepest chain of nodes under ``node`` (a leaf has height 1)."""
    heights: dict[int, int] = {}
    todo: list[tuple[ast.AST, bool]] = [(node, False)]
    while todo:
        n, done = todo.pop()
        kids = children(n)
        if done:
            heights[id(n)] = 1 + max((heights[id(k)] for k in kids), default=0)  # kids may be shared
        else:
            todo.append((n, True))
            todo.extend((k, False) for k in kids)
    return heights[id(node)]


def walk(node: ast.AST):
    """The nodes under ``node`` (itself included), as ``ast.walk`` but faster, markers left out."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        todo += children(n)


def statements(block: list):
    """Every statement of ``block``, those in nested blocks (if, for, while) included."""
    todo = list(reversed(block))
    while todo:
        s = todo.pop()
        yield s
        todo += reversed(getattr(s, "orelse", []))
        todo += reversed(getattr(s, "body", []))


def names(node: ast.AST | None) -> set[str]:
    """The identifiers of the ``Name`` nodes under ``node``."""
    if node is None:
        return set()
    return {n.id for n in walk(node) if type(n) is ast.Name}


def children(node: ast.AST) -> list:
    """The child nodes of ``node``, markers without fields (Load, Add, ...) left out."""
    out = []
    fields = node.__dict__
    for name in node._fields:
        value = fields.get(name)
        if type(value) is list:
            out += [v for v in value if isinstance(v, ast.AST)]
        elif isinstance(value, ast.AST) and not isinstance(value, _SHARED):
            out.append(value)
    return out


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
