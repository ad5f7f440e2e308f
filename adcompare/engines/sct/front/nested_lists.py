"""Writes into an element of a list of lists, ``grid[i][j] = v``, where no other name sees the inner list.

Contract: :func:`fresh_rows` tells whether every inner list of the local list ``name`` is reached only through
``name``, in the function's tree (after the closure conversion): each assignment of ``name`` is a display of
new lists (displays, ``[c] * n``) or a comprehension whose element is one (:func:`fresh`, kept on the lifted
comprehension as ``sct_fresh_rows``), or ``del name[i]``; an append or an index write into ``name`` puts a
list display; and ``name`` is otherwise read only as ``name[i][j]``, ``name[i]`` or ``name`` given to
``len``, ``sum``, ``max``, ``min`` or a vocabulary function (which read, not keep; ``name`` itself not to
``max`` or ``min``, which give an inner list), or returned. Then Python's write, which every name of the inner
list sees, is SCT's ``grid = python_list_set(grid, i, python_list_set(grid[i], j, v))``
(:meth:`.desugar.Desugar.write_into`); elsewhere the write is refused at its line.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable

from adcompare.engines.sct.front import builtin_source

_READERS = (builtins.len, builtins.sum, builtins.max, builtins.min, builtin_source.python_sum,
            builtin_source.python_max, builtin_source.python_min)
_PICKS = (builtins.max, builtins.min, builtin_source.python_max, builtin_source.python_min)  # (an element back)


def fresh(node: ast.expr) -> bool:
    """Is ``node`` a new list each time it runs (a display, a comprehension, ``[c] * n``)?"""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return isinstance(node.left, ast.List) and not any(isinstance(e, (ast.List, ast.ListComp))
                                                           for e in node.left.elts)
    return isinstance(node, (ast.List, ast.ListComp))


def fresh_rows(tree: ast.FunctionDef, name: str, resolve: Callable) -> bool:
    """See the module doc; ``resolve`` tells what a name is."""
    parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and node.id == name):
            continue
        up = parents.get(id(node))
        if isinstance(node.ctx, ast.Store):
            if not (isinstance(up, ast.Assign) and _fresh_value(up.value, resolve)):
                return False
        elif not _read(node, up, parents.get(id(up)), resolve):
            return False
    return True


def _fresh_value(value: ast.expr, resolve: Callable) -> bool:
    if isinstance(value, ast.List):
        return all(fresh(e) for e in value.elts)
    if isinstance(value, ast.Call):
        fn = resolve(value.func)
        return getattr(fn, "sct_fresh_rows", False) or fn is builtin_source.python_list_del
    return False


def _reads(call: ast.AST, node: ast.AST, resolve: Callable, whole: bool = False) -> bool:
    """Does the call ``call`` take ``node`` as an argument to read only (a builtin reader, a vocabulary function)?
    Of the ``whole`` list, ``max`` and ``min`` are not: they give one of its inner lists, a second name for it."""
    if not (isinstance(call, ast.Call) and node in call.args):
        return False
    fn = resolve(call.func)
    return fn in _READERS and not (whole and fn in _PICKS) \
        or (getattr(fn, "__module__", None) or "").startswith("adcompare.numpy") or fn is builtin_source.python_list_del


def _read(node: ast.Name, up: ast.AST, upper: ast.AST, resolve: Callable) -> bool:
    if isinstance(up, ast.Subscript) and up.value is node:
        if isinstance(up.ctx, ast.Store):  # grid[i] = [a, b]
            return isinstance(upper, ast.Assign) and fresh(upper.value)
        return isinstance(upper, ast.Subscript) and upper.value is up or _reads(upper, up, resolve)
    if isinstance(up, ast.Attribute) and up.attr == "append" and isinstance(upper, ast.Call):
        return len(upper.args) == 1 and fresh(upper.args[0])
    return isinstance(up, ast.Return) or _reads(up, node, resolve, whole=True)
