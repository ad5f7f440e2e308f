"""Python numbers in a packed list are weakly typed, as in JAX: ``jnp.asarray([x32, 2.0])`` is float32.

NumPy's ``np.asarray([x32, 2.0])`` is float64 (and ``np.stack`` too), so :func:`core.pack` makes its Python
numbers arrays of the dtype the other elements promote to with them (NumPy 2's promotion of a Python
number, NEP 50, is JAX's weak one: float32 with 2.0 is float32, int32 with 2.0 is float64; an
extension float, bfloat16, keeps its dtype, as in JAX).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from adcompare.primitives.promotion import promoted

_NUMBERS = (bool, int, float, complex)


def is_weak(e: Any) -> bool:
    """A Python number, or a non-empty list or tuple of only such, at any depth."""
    if type(e) in _NUMBERS:
        return True
    return type(e) in (list, tuple) and len(e) > 0 and all(is_weak(i) for i in e)


def strengthen(parts: list, items: Any, dtype_of: Callable) -> list:
    """``parts`` (the packed ``items``, one by one) with each weak one an array of the dtype that the
    others' dtypes promote to with it, and integer arrays beside float ones in that float (JAX's lattice)."""
    weak = [is_weak(e) for e in items]
    if all(weak) or not any(weak):
        return list(promoted(tuple(parts)))
    numbers = {np.asarray(p).dtype.type(0).item() for p, w in zip(parts, weak) if w}  # one per kind
    strong = np.result_type(*(dtype_of(p) for p, w in zip(parts, weak) if not w))
    if strong.kind == "V":  # an extension float (bfloat16, float8): NumPy promotes it with 2.0 to float64
        if any(type(v) is complex for v in numbers):
            return parts  # JAX's complex64: the backend's own promotion
        dtype = strong  # JAX's: the extension float keeps its dtype with a Python int or float
    else:
        dtype = np.result_type(strong, *numbers)
    return [np.asarray(p, dtype=dtype) if w else p for p, w in zip(parts, weak)]
