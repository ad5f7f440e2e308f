"""Tuple outputs of custom functions (:mod:`adcompare.custom`, :mod:`adcompare.checkpoint`): one flat vector.

Contract: a custom function is one primitive with one output, so a tuple output is packed into one flat vector
(:func:`pack`) and unpacked with ``getitem`` and ``reshape`` (:func:`unpack`); the shapes that unpack it are
left per thread by the last :func:`pack` (they depend only on the operands' shapes, so a nested call leaves the
same) for :func:`unpacked`.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from jax import tree_util
from jax.tree_util import tree_flatten

from adcompare import numpy as anp
from adcompare.primitives import shape

_last = threading.local()  # the shapes of the tuple output packed last on this thread


class Shapes(tuple):
    """The shapes of a packed output's leaves, and its structure (``tree``: a tuple's, a dict's, ...)."""

    tree: Any = None


def pack(out: Any) -> Any:
    """A tuple output (or any container of arrays: a dict, a list, nested) as one flat vector of its leaves
    (an array as it is).

    The shapes that unpack it are left for :func:`unpacked` (per thread: they
    depend only on the operands' shapes, so a nested call leaves the same).
    """
    leaves, tree = tree_flatten(out)
    if tree_util.treedef_is_leaf(tree):
        _last.shapes = None
        return out
    shapes = Shapes(shape(o) for o in leaves)
    shapes.tree = tree
    flat = anp.concatenate([anp.reshape(o, (-1,)) for o in leaves])
    _last.shapes = shapes
    return flat


def unpack(flat: Any, shapes: tuple | None) -> Any:
    """The container that :func:`pack` made ``flat`` from (``flat`` itself if it was an array)."""
    if shapes is None:
        return flat
    parts, start = [], 0
    for s in shapes:
        size = math.prod(s)
        parts.append(anp.reshape(anp.getitem(flat, slice(start, start + size)), s))
        start += size
    tree = getattr(shapes, "tree", None)
    return tuple(parts) if tree is None else tree.unflatten(parts)


def packed_shapes() -> tuple | None:
    """The shapes of the tuple output :func:`pack` packed last on this thread (None: not a tuple)."""
    return getattr(_last, "shapes", None)


def unpacked(flat: Any) -> Any:
    """``flat`` unpacked by the shapes :func:`pack` left last on this thread."""
    return unpack(flat, packed_shapes())
