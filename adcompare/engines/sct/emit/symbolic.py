"""Symbolic zeros: the zero tangents generated code makes where the transform knows one statically.

Contract: :func:`mark` registers an array made by :func:`.runtime.zeros` (the
tangent of an inactive value, a constant helper's tangent) and returns it;
:func:`is_symbolic_zero` says whether a value is such an array (or the ``0.0``
placeholder). A primitive's rule then leaves that operand out of its JVP, as JAX
leaves out a symbolic zero and as the boxes leave out a constant, so ``0 * inf``
at a pole (``sqrt``'s second derivative at 0) does not turn the sum into nan.
An array is known by identity while it lives; arithmetic on it makes a new,
unmarked array (a real zero, as in JAX once a zero is instantiated); a marked NumPy
array is read-only, so nothing can add into it in place and leave it marked.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

_marked: dict[int, weakref.ref] = {}


def mark(z: Any) -> Any:
    if isinstance(z, np.ndarray):  # never added into in place (``getitem_bar_into`` checks): it stays zero
        z.flags.writeable = False
    try:
        key = id(z)
        _marked[key] = weakref.ref(z, lambda _, key=key: _marked.pop(key, None))
    except TypeError:  # a number or scalar without weak references: not marked
        pass
    return z


def is_symbolic_zero(g: Any) -> bool:
    if g is None or (type(g) is float and g == 0.0):
        return True
    ref = _marked.get(id(g))
    return ref is not None and ref() is g
