"""Pytree nodes SCT does not index, taken at the engine's boundary: registered classes, dataclasses, OrderedDicts.

Contract: generated code indexes tuples, named tuples, lists and plain dicts (:mod:`.emit.containers`). A
differentiated argument holding any other pytree node (``jax.tree_util.register_pytree_node_class``,
``register_dataclass``, ``register_pytree_with_keys``, an ``OrderedDict``) is converted where the engine takes
it, as JAX flattens it there: :func:`converted` gives the arguments with each such node replaced, the
conversion of the tangents, and the way back for outputs and cotangents.

* A registered node becomes an instance of a named tuple class made for it (cached per node class, field names
  and one-level structure): its fields are the node's children in JAX's order, named by their keys
  (``GetAttrKey``) or, where the registration gives none, by the one attribute of the object holding each child
  (``p.w is child``); it is also a subclass of the node's class, so ``isinstance`` and the class's methods
  still apply. The function reads ``p.w`` as a named tuple's field (SCT's ``field_index``); an attribute that
  is no child (a static field, a property) is refused there with the user's line. A node whose children
  cannot all be named so, or whose class cannot be joined with a tuple (``__slots__``), is refused here,
  naming the function.
* An ``OrderedDict`` becomes a plain dict (SCT orders its keys as JAX orders a dict's); leaves are handed back
  in the caller's order (JAX's order for an ``OrderedDict`` is its own) by a permutation found once. Inside,
  ``tree_leaves``, the other tree functions and ``.items()`` would order a dict's leaves otherwise: while the
  function runs (:meth:`Converted.running`), a dict with the keys of such an argument (not sorted) is refused.
* Outputs (and their tangents) holding such a named tuple get the original node back (its class and static
  data); the leaves' order is the same, so cotangents of outputs pass unchanged. A part of an output shaped as
  a converted argument holding an ``OrderedDict`` (a gradient, a Hessian's rows) gets the caller's structure.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from jax import tree_util

from adcompare.engines.sct.emit import python_checks
from adcompare.engines.sct.errors import SCTError, a_type
from adcompare.trees import is_array_like

_CLASSES: dict = {}  # (node class, field names, one-level treedef) -> the named tuple class standing for it


def _plain(x: Any) -> bool:
    """Does SCT index ``x`` as it is (all its nodes tuples, named tuples, lists, plain dicts or None)?"""
    if is_array_like(x):  # (the common leaves, without asking JAX's registry)
        return True
    if type(x) in (tuple, list) or (isinstance(x, tuple) and hasattr(type(x), "_fields")):
        return all(_plain(v) for v in x)
    if type(x) is dict:
        return all(_plain(v) for v in x.values())
    return x is None or tree_util.treedef_is_leaf(tree_util.tree_structure(x))


def _names(node: Any, keyed: list, children: list) -> list[str] | None:
    """The field name of each child: its key's attribute name, else the one attribute holding it."""
    names = [getattr(path[0], "name", None) for path, _ in keyed]
    if all(isinstance(n, str) and n.isidentifier() and not n.startswith("_") for n in names):
        return names if len(set(names)) == len(names) else None
    attributes = dict(getattr(node, "__dict__", {}))
    for cls in type(node).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if isinstance(slot, str) and hasattr(node, slot):
                attributes.setdefault(slot, getattr(node, slot))
    found = []
    for child in children:
        holders = [k for k, v in attributes.items() if v is child and not k.startswith("_")]
        if len(holders) != 1:
            return None
        found.append(holders[0])
    return found if len(set(found)) == len(found) else None


def _surrogate(node: Any, names: list[str], treedef: Any) -> type | None:
    key = (type(node), tuple(names), treedef)
    cls = _CLASSES.get(key)
    if cls is None:
        base = collections.namedtuple(type(node).__name__, names)
        body = {"__init__": lambda self, *a, **k: None, "__module__": type(node).__module__,
                "__qualname__": type(node).__qualname__, "sct_node": treedef}
        try:  # a subclass of the node's class too: isinstance and its methods hold
            cls = type(type(node).__name__, (base, type(node)), body)
        except TypeError:  # a layout Python cannot join with a tuple's (__slots__, a builtin base): no stand-in
            return None  # of which isinstance(x, its class) would be False
        _CLASSES[key] = cls
    return cls


def _convert(x: Any, fn: Any, made: list | None = None) -> Any:
    if type(x) in (tuple, list):
        return type(x)(_convert(v, fn, made) for v in x)
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return type(x)(*(_convert(v, fn, made) for v in x))
    if type(x) is dict or isinstance(x, collections.OrderedDict):
        d = {k: _convert(v, fn, made) for k, v in x.items()}
        if made is not None and type(x) is not dict and not _sorted(list(x)):
            made.append(frozenset(x))
        return d
    if x is None or tree_util.treedef_is_leaf(tree_util.tree_structure(x)):
        return x
    keyed, treedef = tree_util.tree_flatten_with_path(x, is_leaf=lambda v: v is not x)
    children = [v for _, v in keyed]
    names = _names(x, keyed, children)
    cls = None if names is None else _surrogate(x, names, treedef)
    if cls is None:
        code = getattr(fn, "__code__", None)
        raise SCTError(f"an argument that is {a_type(x)} (a pytree node) whose children are not each held by "
                       f"one attribute, or whose class cannot be joined with a tuple (__slots__)", getattr(
                           fn, "__qualname__", repr(fn)),
                       *((code.co_filename, code.co_firstlineno) if code else ("<unknown>", 0)),
                       "register it with keys (jax.tree_util.register_dataclass or register_pytree_with_keys), "
                       "or pass a tuple, named tuple, list or dict")
    return tuple.__new__(cls, [_convert(v, fn, made) for v in children])


def _sorted(keys: list) -> bool:
    try:
        return keys == sorted(keys)
    except TypeError:  # keys of several types: JAX's order is not a plain sort's
        return False


class _Position:
    """A leaf's position among the caller's leaves (an object of its own: named by identity, as a child is)."""

    def __init__(self, i: int):
        self.i = i


class Converted:
    """Differentiated arguments with their nodes converted, and the ways back (see the module's contract)."""

    def __init__(self, primals: Sequence, fn: Any):
        self.ordered: list = []  # key sets of OrderedDicts not in sorted order (tree functions refuse them)
        self.primals = tuple(_convert(x, fn, self.ordered) for x in primals)
        leaves, treedef = tree_util.tree_flatten(tuple(primals))
        self.n = len(leaves)
        self.structure = tree_util.tree_structure(self.primals)
        # where each leaf of the converted arguments sits among the caller's: the same conversion of positions
        positions = tree_util.tree_unflatten(treedef, [_Position(i) for i in range(self.n)])
        self.order = [p.i for p in tree_util.tree_leaves(tuple(_convert(x, fn) for x in positions))]
        self.parts = []  # (converted structure, caller's structure, order) of each argument holding an OrderedDict
        for x, c in zip(primals, self.primals):
            if _has_ordered(x):
                leaves = tree_util.tree_unflatten(tree_util.tree_structure(x), [_Position(i) for i in range(
                    len(tree_util.tree_leaves(x)))])
                self.parts.append((tree_util.tree_structure(c), tree_util.tree_structure(x),
                                   [p.i for p in tree_util.tree_leaves(_convert(leaves, fn))]))

    @contextlib.contextmanager
    def running(self):
        """While the function runs on :attr:`primals`: its OrderedDicts' keys known to the tree functions
        and loops over a dict's items (:func:`.emit.python_checks.check_not_ordered`)."""
        python_checks.ORDERED.extend(self.ordered)
        try:
            yield
        finally:
            for keys in self.ordered:
                python_checks.ORDERED.remove(keys)

    def restore(self, tree: Any) -> Any:
        """An output: each named tuple standing for a node (see :func:`_surrogate`) the node again, and each part
        shaped as a converted argument holding an OrderedDict (a gradient, a Hessian's row) shaped as the caller's."""
        for converted_def, callers, order in self.parts:
            try:
                subtrees = converted_def.flatten_up_to(tree)
            except (ValueError, TypeError):
                continue
            back: list = [None] * len(subtrees)
            for position, sub in zip(order, subtrees):
                back[position] = self.restore(sub)
            return callers.unflatten(back)
        if isinstance(tree, tuple):
            node = getattr(type(tree), "sct_node", None)
            if node is not None:
                return node.unflatten([self.restore(v) for v in tree])
            if hasattr(type(tree), "_fields"):
                return type(tree)(*(self.restore(v) for v in tree))
            return tuple(self.restore(v) for v in tree) if type(tree) is tuple else tree
        if type(tree) is list:
            return [self.restore(v) for v in tree]
        if type(tree) is dict:
            return {k: self.restore(v) for k, v in tree.items()}
        return tree

    def output_order(self, y: Any) -> list[int]:
        """Where each leaf of ``restore(y)`` sits among ``y``'s own leaves (an OrderedDict restored orders its
        leaves as the caller's: a cotangent of the restored output comes in that order)."""
        spots = tree_util.tree_unflatten(tree_util.tree_structure(y), [_Position(i) for i in range(
            tree_util.tree_structure(y).num_leaves)])
        return [p.i for p in tree_util.tree_leaves(self.restore(spots))]

    def like(self, tangents: Sequence) -> tuple:
        """Tangents of the caller's arguments (their structure) as tangents of the converted ones."""
        leaves = tree_util.tree_leaves(tuple(tangents))
        return tuple(tree_util.tree_unflatten(self.structure, [leaves[i] for i in self.order]))

    def back(self, bars: list) -> list:
        """Cotangents, one per leaf of the converted arguments, in the caller's order of leaves."""
        out: list = [None] * self.n
        for position, bar in zip(self.order, bars):
            out[position] = bar
        return out


def _has_ordered(x: Any) -> bool:
    if isinstance(x, collections.OrderedDict):
        return True
    return not tree_util.treedef_is_leaf(tree_util.tree_structure(x)) and any(
        _has_ordered(v) for v in tree_util.tree_flatten(x, is_leaf=lambda v: v is not x)[0])


def converted(primals: Sequence, fn: Any) -> Converted | None:
    """The conversion of ``primals`` (``fn``'s differentiated arguments), or None where none is needed."""
    return None if all(_plain(x) for x in primals) else Converted(primals, fn)


def wrap_pullback(pull: Callable, conv: Converted, order: list[int]) -> Callable:
    """``pull`` (cotangents of the function's own output's leaves) taking those of the restored output, whose
    leaves sit at ``order`` (:meth:`Converted.output_order`) among the function's, and giving the caller's."""
    def pullback(y_bars: list) -> list:
        own: list = [None] * len(order)
        for position, bar in zip(order, y_bars):
            own[position] = bar
        return conv.back(pull(own))

    return pullback
