"""``jax.tree_util``'s ``tree_leaves``, ``tree_map``, ``tree_reduce``, ``tree_flatten``, ``tree_unflatten`` and
``tree_structure`` (and ``jax.tree``'s ``leaves``, ``map``...), and ``functools.reduce``, on differentiated values,
as Python SCT transforms.

Contract: :func:`replacement` turns such a call into a call of a plain Python function below that computes the
same value the same way, so SCT transforms it as any user function (its derivative is that of the function
mapped or reduced, leaf by leaf, which is JAX's: JAX runs these on its tracers). The tree's layout is a
constant found on its value when the code runs (:func:`tree_layout`): each leaf's path in JAX's order (a dict's
keys sorted, ``None`` an empty subtree) and how to build a tree of that structure again. Trees of tuples, named
tuples, lists and plain dicts are taken; any other pytree node (an ``OrderedDict``, a registered class) is
refused with the user's line, since its order and rebuilding are its own, and so is an ``OrderedDict`` argument
that SCT's boundary made a dict (:func:`.emit.python_checks.check_not_ordered`). ``tree_map``'s other trees
must have the first as a prefix, as JAX requires (else JAX's ``ValueError``). Calls with ``is_leaf`` or other
keywords are left to JAX's functions, and so refused on differentiated values.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable

import jax
from jax import tree_util

from adcompare.engines.sct.emit.python_checks import check_not_ordered
from adcompare.engines.sct.emit.runtime import positional_len
from adcompare.engines.sct.errors import SCTError, a_type

LEAVES = (tree_util.tree_leaves, jax.tree.leaves)
MAP = (tree_util.tree_map, jax.tree.map)
REDUCE = (tree_util.tree_reduce, jax.tree.reduce)
FLATTEN = (tree_util.tree_flatten, jax.tree.flatten)
UNFLATTEN = (tree_util.tree_unflatten, jax.tree.unflatten)
STRUCTURE = (tree_util.tree_structure, jax.tree.structure)


class _NoInitial:
    """tree_reduce called without an initial value."""


_MISSING = _NoInitial()


def _layout(tree, path: tuple, paths: list, function: str, filename: str, line: int):
    """Append the paths of ``tree``'s leaves (under ``path``) to ``paths``; return its build spec: a leaf's
    position, or (kind, keys, subs) with kind "dict", "tuple", "list", "none" or a named tuple's class."""
    if tree is None:
        return ("none", (), ())
    if type(tree) is dict:
        check_not_ordered(tree, "a tree function", function, filename, line)  # JAX: the OrderedDict's order
        keys = tuple(sorted(tree))
        return ("dict", keys, tuple(_layout(tree[k], path + (k,), paths, function, filename, line) for k in keys))
    if type(tree) in (tuple, list) or (isinstance(tree, tuple) and hasattr(type(tree), "_fields")):
        kind = type(tree).__name__ if type(tree) in (tuple, list) else type(tree)
        subs = tuple(_layout(v, path + (k,), paths, function, filename, line) for k, v in enumerate(tree))
        return (kind, (), subs)
    if not tree_util.treedef_is_leaf(tree_util.tree_structure(tree)):
        raise SCTError(f"a tree function on a tree holding {a_type(tree)} (a pytree node)", function, filename,
                       line, "SCT maps over trees of tuples, named tuples, lists and plain dicts; convert it")
    paths.append(path)
    return len(paths) - 1


def tree_layout(function: str, filename: str, line: int, tree, rest: tuple = ()) -> tuple:
    """The constant layout of ``tree``: (its leaves' paths, its build spec); each of ``rest`` must have
    ``tree`` as a prefix, as ``jax.tree_util.tree_map`` requires (its error otherwise)."""
    paths: list = []
    spec = _layout(tree, (), paths, function, filename, line)
    if rest:
        treedef = tree_util.tree_structure(tree)
        for other in rest:
            treedef.flatten_up_to(other)  # JAX's ValueError where tree is no prefix of other
            _layout(other, (), [], function, filename, line)  # its nodes are ones SCT indexes
    return tuple(paths), spec


def tree_structure_of(function: str, filename: str, line: int, tree):
    """``tree``'s PyTreeDef (a constant), where its nodes are ones SCT indexes."""
    _layout(tree, (), [], function, filename, line)
    return tree_util.tree_structure(tree)


def treedef_spec(function: str, filename: str, line: int, treedef, n: int):
    """The build spec of a tree of structure ``treedef`` from ``n`` leaves (JAX's ValueError for another count)."""
    if n != treedef.num_leaves:
        raise ValueError(f"Too {'many' if n > treedef.num_leaves else 'few'} leaves for PyTreeDef; expected "
                         f"{treedef.num_leaves}, got {n} (at {filename}:{line} (in {function}))")
    return _layout(treedef.unflatten(list(range(n))), (), [], function, filename, line)


def tree_pick(tree, path):
    v = tree
    for j in range(len(path)):
        v = v[path[j]]
    return v


def tree_build(spec, items):
    if type(spec) is int:
        return items[spec]
    kind, keys, subs = spec
    if kind == "dict":
        return {keys[j]: tree_build(subs[j], items) for j in range(len(keys))}
    if kind == "list":
        return [tree_build(subs[j], items) for j in range(len(subs))]
    if kind == "none":
        return None
    values = tuple(tree_build(subs[j], items) for j in range(len(subs)))
    if kind == "tuple":
        return values
    make = kind._make
    return make(values)


def python_tree_leaves(function, filename, line, tree):
    paths = tree_layout(function, filename, line, tree)[0]
    return [tree_pick(tree, paths[k]) for k in range(len(paths))]


def python_tree_map(function, filename, line, fn, tree, *rest):
    paths, spec = tree_layout(function, filename, line, tree, rest)
    items = []
    for k in range(len(paths)):
        args = [tree_pick(tree, paths[k])]
        for other in rest:
            args.append(tree_pick(other, paths[k]))
        items.append(fn(*args))
    return tree_build(spec, items)


def python_tree_reduce(function, filename, line, fn, tree, initial=_MISSING):
    return python_reduce(function, filename, line, fn, python_tree_leaves(function, filename, line, tree), initial)


def python_reduce(function, filename, line, fn, values, initial=_MISSING):
    n = positional_len(values, function, filename, line)
    start = 0
    if initial is _MISSING:
        if n == 0:
            raise TypeError("reduce() of empty iterable with no initial value")
        total = values[0]
        start = 1
    else:
        total = initial
    for k in range(start, n):
        total = fn(total, values[k])
    return total


def python_tree_flatten(function, filename, line, tree):
    return python_tree_leaves(function, filename, line, tree), tree_structure_of(function, filename, line, tree)


def python_tree_unflatten(function, filename, line, treedef, leaves):
    return tree_build(treedef_spec(function, filename, line, treedef, positional_len(leaves, function, filename,
                                                                                     line)), leaves)


def python_tree_structure(function, filename, line, tree):
    return tree_structure_of(function, filename, line, tree)


python_tree_leaves.sct_makes_list = True  # its call is a list, as a display is (see analysis.dataflow.list_targets)
FUNCTIONS = (python_tree_leaves, python_tree_map, python_tree_reduce, python_reduce, python_tree_flatten,
             python_tree_unflatten, python_tree_structure)  # the call's place first
CONSTANTS = (tree_layout, tree_structure_of, treedef_spec)  # found on values, not differentiated
READERS = (*FUNCTIONS, tree_build)  # they read their arguments and keep no reference


def replacement(obj, node: ast.Call) -> Callable | None:
    """The function that stands for the call ``node`` of ``obj`` (called with the user's function, file and
    line, then the call's arguments), or None."""
    n = len(node.args)
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    if obj in LEAVES and n == 1:
        return python_tree_leaves
    if obj in MAP and n >= 2:
        return python_tree_map
    if obj in REDUCE and n in (2, 3):
        return python_tree_reduce
    if obj is functools.reduce and n in (2, 3):
        return python_reduce
    return python_tree_flatten if obj in FLATTEN and n == 1 else python_tree_unflatten if obj in UNFLATTEN and \
        n == 2 else python_tree_structure if obj in STRUCTURE and n == 1 else None
