"""A variable that holds an iterator SCT makes a list of: a generator expression, ``map(...)`` or ``zip(...)``.

Python's iterator is used up by its first loop (a second loop over it runs no step, ``list`` of it is empty);
SCT makes a list of its items (see .closures), which a second reader reads again: so a second loop gave a second
sum with no error. Contract: :func:`check` refuses, at the user's line, a read of such a variable that is not
its one use where it is made: a second read, a read inside a loop that its assignment is outside of (each pass
reads it again), a read in a nested function, and a read that passes the iterator on to what SCT cannot see
used once (``return g``, ``h = g``, ``f(g)`` of the user's ``f``). One loop over it, or one call of ``list``,
``sum``, ``sorted``, NumPy's and the like, where it is made, runs.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import types
from collections.abc import Callable

from adcompare.engines.sct.front import for_targets

_MAKERS = (builtins.map, builtins.zip)
_serial = itertools.count()
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.GeneratorExp, ast.ClassDef)


def check(fdef: ast.FunctionDef, where, resolve: Callable[[str], object]) -> None:
    """Refuse a read of an iterator variable of ``fdef`` (its own body; nested functions are checked as they
    are transformed) that is not its one use where it is made (see the module's docstring)."""
    made: dict[str, list[tuple]] = {}  # name: the loops around each assignment of an iterator
    reads: dict[str, list[tuple]] = {}  # name: (node, loops around it, its parent, in a nested scope)

    def maker(value: ast.expr) -> bool:
        return isinstance(value, ast.GeneratorExp) or isinstance(value, ast.Call) and isinstance(
            value.func, ast.Name) and resolve(value.func.id) in _MAKERS

    stack = [(s, (), fdef, False) for s in fdef.body]
    while stack:
        node, loops, parent, nested = stack.pop()
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and maker(node.value) and not nested:
            made.setdefault(node.targets[0].id, []).append(loops)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads.setdefault(node.id, []).append((node, loops, parent, nested))
        elif maker(node) and not nested and _escapes(node, parent, resolve):
            raise where.refuse(f"the iterator {ast.unparse(node)[:40]} passed on (SCT cannot see it used once): "
                               "Python's is used up by its first loop, SCT makes a list of its items", node,
                               "make it a list (list(...)), or use it where it is made")
        inner = loops + (node,) if isinstance(node, (ast.For, ast.While)) else loops
        for field, value in ast.iter_fields(node):
            for child in (value if isinstance(value, list) else [value]):
                if not isinstance(child, ast.AST):
                    continue
                here = inner if field in ("body", "orelse", "test") and inner is not loops else loops
                if isinstance(child, ast.comprehension):  # its first iterable runs in this scope
                    stack.append((child.iter, loops, child, nested or child is not node.generators[0]))
                    stack += [(c, loops, child, True) for c in [child.target, *child.ifs]]
                    continue
                stack.append((child, here, node, nested or isinstance(node, _SCOPES) and node is not fdef))
    for name, stores in made.items():
        seen = sorted(reads.get(name, []), key=lambda r: (r[0].lineno, r[0].col_offset))
        for k, (node, loops, parent, nested) in enumerate(seen):
            again = [s for s in stores if not set(loops) <= set(s)]
            alias = isinstance(parent, ast.Assign) and parent.value is node and any(
                isinstance(t, ast.Name) for t in parent.targets)  # h = g (a, b = g reads it)
            if k or nested or again or alias or _escapes(node, parent, resolve):
                why = ("read a second time" if k else "read in a nested function" if nested else
                       "read in a loop its assignment is outside of (each pass reads it again)" if again else
                       "passed on (SCT cannot see it used once)")
                raise where.refuse(f"the iterator {name} (a generator expression, map or zip), {why}: Python's is "
                                   "used up by its first loop, SCT makes a list of its items", node,
                                   f"make it a list where it is made ({name} = list(...)), or write the "
                                   "generator where it is used")


def _escapes(node: ast.expr, parent: ast.AST, resolve: Callable[[str], object]) -> bool:
    """Whether the iterator ``node`` is passed on where SCT cannot see it used once: returned, or an argument
    of a function of the user's (a local's, or one SCT knows nothing of; not Python's or NumPy's)."""
    if isinstance(parent, ast.Return):
        return True
    if not isinstance(parent, ast.Call) or node not in parent.args or parent.func is node:
        return False
    fn = resolve(parent.func.id) if isinstance(parent.func, ast.Name) else None
    if fn is None or fn is False or not callable(fn):
        return not isinstance(parent.func, ast.Attribute)  # a local's, an unknown; a method (", ".join(g))
    return isinstance(fn, types.FunctionType) and not (
        fn.__module__ or "").startswith(("adcompare", "numpy", "jax", "functools", "builtins"))


def as_generator(node: ast.Call, resolve: Callable, bind: Callable) -> ast.GeneratorExp | None:
    """``map(f, xs, ys)`` as ``(f(x, y) for x, y in zip(xs, ys))``, ``zip(xs, ys)`` (not a loop's, which
    .for_targets reads by index) as ``((x, y) for x, y in zip(xs, ys))``, or None: what SCT makes a list of."""
    fn = resolve(node.func)
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args) \
            or not (fn is builtins.map and len(node.args) >= 2 or fn is builtins.zip and node.args):
        return None
    seqs = node.args[1:] if fn is builtins.map else node.args
    names = [f"_sct_m{next(_serial)}" for _ in seqs]
    target = ast.Name(names[0], ast.Store()) if len(names) == 1 and fn is builtins.map else \
        ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
    it = seqs[0] if len(names) == 1 and fn is builtins.map else ast.Call(
        for_targets.builtin("zip", resolve, bind), seqs, [])
    loaded = [ast.Name(n, ast.Load()) for n in names]
    elt = ast.Call(node.args[0], loaded, []) if fn is builtins.map else ast.Tuple(loaded, ast.Load())
    return ast.GeneratorExp(elt, [ast.comprehension(target, it, [], 0)])
