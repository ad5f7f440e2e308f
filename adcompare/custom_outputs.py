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

from adcompare import numpy as anp
from adcompare.primitives import shape

_last = threading.local()  # the shapes of the tuple output packed last on this thread


def pack(out: Any) -> Any:
    """A tuple output as one flat vector (anything else as it is).

    The shapes that unpack it are left for :func:`unpacked` (per thread: they
    depend only on the operands' shapes, so a nested call leaves the same).
    """
    if not isinstance(out, tuple):
        _last.shapes = None
        return out
    shapes = tuple(shape(o) for o in out)
    flat = anp.concatenate([anp.reshape(o, (-1,)) for o in out])
    _last.shapes = shapes
    return flat


def unpack(flat: Any, shapes: tuple | None) -> Any:
    """The tuple that :func:`pack` made ``flat`` from (``flat`` itself if it was not a tuple)."""
    if shapes is None:
        return flat
    parts, start = [], 0
    for s in shapes:
        size = math.prod(s)
        parts.append(anp.reshape(anp.getitem(flat, slice(start, start + size)), s))
        start += size
    return tuple(parts)


def packed_shapes() -> tuple | None:
    """The shapes of the tuple output :func:`pack` packed last on this thread (None: not a tuple)."""
    return getattr(_last, "shapes", None)


def unpacked(flat: Any) -> Any:
    """``flat`` unpacked by the shapes :func:`pack` left last on this thread."""
    return unpack(flat, packed_shapes())
