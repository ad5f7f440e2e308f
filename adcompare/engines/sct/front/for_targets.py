"""For statements over ``zip(...)``, ``enumerate(...)`` or ``reversed(seq)``, or with a tuple target, as
loops SCT takes.

Contract: :func:`lower` rewrites in place each ``for`` statement of a function's body (not of its
nested scopes, which are rewritten when they are transformed) whose target is not a single name, or
whose iterable is a call of ``zip`` or ``enumerate``, into the statements ``loop(target, iterable,
body, node)`` makes of it: the closure converter's lowering, shared with comprehensions (the
sequences held in variables first, a loop by index over ``range``, the target assigned from the
items). ``for v in reversed(seq)`` (``seq`` not a ``range``, which SCT takes as it is) becomes a loop
by index from the end of ``seq``, held in a variable first. The new statements are located at the
``for``, so errors name its line. A ``for``/``else`` is left as it is, for the fence to refuse.
"""

from __future__ import annotations

import ast
import builtins
import itertools
from collections.abc import Callable

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_serial = itertools.count()


def lower(tree: ast.FunctionDef, loop: Callable, resolve: Callable) -> None:
    """Rewrite ``tree``'s for statements (see the module doc); ``resolve`` tells what a name is."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if node is not tree and isinstance(node, _SCOPES) or not isinstance(block, list):
                continue
            new = []
            for s in block:
                new += _lowered(s, loop, resolve) if _needs(s, resolve) else [s]
            setattr(node, field, new)
        todo += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt) and not isinstance(c, _SCOPES)]


def _needs(s: ast.stmt, resolve: Callable) -> bool:
    if not isinstance(s, ast.For) or s.orelse:
        return False
    it = s.iter
    pairs = isinstance(it, ast.Call) and not it.keywords and resolve(it.func) in (builtins.zip, builtins.enumerate)
    return pairs or _backwards(it, resolve) or not isinstance(s.target, ast.Name)


def _backwards(it: ast.expr, resolve: Callable) -> bool:
    """``reversed(seq)`` of a sequence that is not a ``range`` call."""
    return (isinstance(it, ast.Call) and not it.keywords and len(it.args) == 1
            and resolve(it.func) is builtins.reversed
            and not (isinstance(it.args[0], ast.Call) and resolve(it.args[0].func) is builtins.range))


def _lowered(s: ast.For, loop: Callable, resolve: Callable) -> list[ast.stmt]:
    if _backwards(s.iter, resolve):  # seq = it; for k in range(len(seq) - 1, -1, -1): target = seq[k]
        n = next(_serial)
        seq, k = f"_sct_rev{n}", f"_sct_rk{n}"
        last = ast.BinOp(ast.Call(ast.Name("len", ast.Load()), [ast.Name(seq, ast.Load())], []), ast.Sub(),
                         ast.Constant(1))
        steps = ast.Call(ast.Name("range", ast.Load()), [last, ast.Constant(-1), ast.Constant(-1)], [])
        item = ast.Subscript(ast.Name(seq, ast.Load()), ast.Name(k, ast.Load()), ast.Load())
        out = [ast.Assign([ast.Name(seq, ast.Store())], s.iter.args[0]),
               ast.For(ast.Name(k, ast.Store()), steps, [ast.Assign([s.target], item)] + s.body, [])]
    else:
        out = loop(s.target, s.iter, s.body, s)
    for stmt in out:
        for n in ast.walk(stmt):
            if "lineno" in n._attributes and not hasattr(n, "lineno"):
                ast.copy_location(n, s)
    return out
