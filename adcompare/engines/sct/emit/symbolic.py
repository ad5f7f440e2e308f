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
    if not _marked:  # nothing marked lives (first-order code that is run): no look-up
        return False
    ref = _marked.get(id(g))
    return ref is not None and ref() is g


class SkippingZeros:
    """``prim.jvps`` as forward-mode generated code calls it: operand ``i``'s rule is left out (a
    symbolic zero of the result's shape) when its tangent is a symbolic zero, as a primitive's joint
    rule leaves it out. The tangent of a value the transform took as active but which is a constant
    (a non-differentiated argument or a constant among the residuals that a second-order program
    hands from its forward sweep to its backward sweep) is such a zero: ``y``'s rule in ``x ** y``,
    ``log(x) * ans * t``, would make 0 * nan = nan at x < 0 (JAX leaves a symbolic zero out too)."""

    def __init__(self, prim: Any, zeros: Any):
        self.prim, self._zeros, self._views = prim, zeros, {}

    def __getitem__(self, i: int) -> Any:
        view = self._views.get(i)
        if view is None:
            rule, zeros = self.prim.jvps[i], self._zeros

            def view(t, ans, *xs, **params):
                return zeros(ans) if is_symbolic_zero(t) else rule(t, ans, *xs, **params)

            self._views[i] = view
        return view
