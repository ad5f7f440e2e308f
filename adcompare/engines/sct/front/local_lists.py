"""Local lists: the names of a function that surely hold a new list, and ``xs.copy()`` of one as ``list(xs)``.

Contract: :func:`local_lists` gives the names every assignment of which (in the function's own scope) is surely a
new list: a display, a comprehension, ``list(...)``, ``sorted(...)``, ``+`` of such lists (``xs = xs + [v]``,
``xs += [v]``) or ``xs.copy()`` of one, the greatest such set. A list's ``.copy()`` is a new list holding the same
items, as ``list(xs)`` is (a shallow copy: an append to it leaves ``xs`` alone); :func:`list_copy` says which
``.copy()`` calls are of a local list, which :mod:`.dict_writes` rewrites as ``list(xs)``, so SCT takes the copy
as the list it makes (appends, pops, writes by position). The copy of a value SCT does not see made (a
parameter's, a global's) is left to the method (an array's ``.copy()`` is no list), unless the copy is appended to
(``ys = xs.copy()``, ``ys.append(v)``: only a list's copy has ``append``), where :mod:`.dict_writes` makes it
``list(xs)`` checked, when it runs, to be of a list.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable

from adcompare.engines.sct.front.fingerprints import one_of

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def local_lists(tree: ast.FunctionDef, resolve: Callable) -> set[str]:
    """The names every assignment of which is surely a new list (see the module doc). Only the function's own
    scope counts: a nested def or lambda assigning ``G = [...]`` says nothing of the ``G`` the function reads (a
    global array, whose ``G + [v]`` broadcasts), and a def or class it names is no list; nor is a parameter, even
    one every assignment of which is a list (``y = x.copy()`` before ``x = [x[0]]`` copies the caller's array)."""
    own, todo = [], [tree]
    while todo:
        n = todo.pop()
        own.append(n)
        todo += [c for c in ast.iter_child_nodes(n) if not isinstance(c, _SCOPES)]
        todo += [c.args for c in ast.iter_child_nodes(n) if isinstance(c, _SCOPES[:2] + (ast.Lambda,))]  # defaults
        todo += [d for c in ast.iter_child_nodes(n) if isinstance(c, _SCOPES[:3]) for d in c.decorator_list]
    stores = [n for n in own if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    assigns = {id(n.targets[0]): n.value for n in own if isinstance(n, ast.Assign)
               and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)}
    assigns |= {id(n.target): ast.BinOp(n.target, n.op, n.value) for n in own
                if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}
    defined = {n.name for n in ast.walk(tree) if isinstance(n, _SCOPES[:3]) and n is not tree} | {
        name for n in ast.walk(tree) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}  # shared
    defined |= {a.arg for a in ast.walk(tree.args) if isinstance(a, ast.arg)}  # a parameter is the caller's value
    lists = {n.id for n in stores} - defined
    while True:
        kept = {n.id for n in stores if id(n) in assigns and is_list(assigns[id(n)], lists, resolve)}
        kept -= {n.id for n in stores if not (id(n) in assigns and is_list(assigns[id(n)], lists, resolve))}
        kept -= defined
        if kept == lists:
            return lists
        lists = kept


def is_list(node: ast.expr, lists: set[str], resolve: Callable) -> bool:
    """Is ``node`` surely a new list, given the local lists ``lists``?"""
    todo = [node]  # a loop, not recursion: a 1000-term sum nests 1000 BinOps
    while todo:
        n = todo.pop()
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
            todo += [n.left, n.right]
        elif not (isinstance(n, (ast.List, ast.ListComp)) or isinstance(n, ast.Name) and n.id in lists
                  or isinstance(n, ast.Call) and one_of(resolve(n.func), (builtins.list, builtins.sorted))
                  or list_copy(n, lists) is not None):
            return False
    return True


def list_copy(node: ast.AST, lists: set[str]) -> ast.Name | None:
    """``xs`` where ``node`` is ``xs.copy()`` of a local list ``xs`` (one of ``lists``), else None."""
    if isinstance(node, ast.Call) and not node.args and not node.keywords and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "copy" and isinstance(node.func.value, ast.Name) and node.func.value.id in lists:
        return node.func.value
    return None
