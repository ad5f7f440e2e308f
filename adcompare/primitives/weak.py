"""Python numbers are weakly typed, as in JAX: in a packed list (``jnp.asarray([x32, 2.0])`` is float32), and in
``anp.full(shape, 0.5)`` (:class:`WeakArray`, as ``jnp.full``'s).

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
    """A Python number or a :class:`WeakArray`, or a non-empty list or tuple of only such, at any depth."""
    if type(e) in _NUMBERS or type(e) is WeakArray:
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


class WeakArray(np.ndarray):
    """An array of a Python number's weak type, as ``jnp.full(shape, 0.5)`` is (``anp.full`` makes it).

    Beside an operand of a dtype of its own (an array, a NumPy scalar) it takes that dtype as the Python number
    would (NumPy 2's promotion of a Python number, NEP 50, is JAX's weak one: float32 with 0.5 is float32), in a
    NumPy ufunc (so every operator and elementwise primitive) and beside a JAX array (``__jax_array__``: a weakly
    typed JAX array); alone, or beside Python numbers and other weak arrays, an elementwise result stays weak (its
    NumPy dtype, float64 or int64, JAX's default). A reduction (``sum``, ``max``) is typed, as JAX's, and so are
    comparisons; NumPy functions that are not ufuncs (``concatenate``, ``dot``) see a plain array of its dtype.
    """

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if any(hasattr(i, "__array_ufunc__") and not isinstance(i, (np.ndarray, np.generic)) for i in inputs):
            return NotImplemented  # an active value: its own operators (which call the vocabulary)
        plain = [i.view(np.ndarray) if isinstance(i, WeakArray) else i for i in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, WeakArray) else o for o in out)
        strong = [np.result_type(i) for i, o in zip(plain, inputs)
                  if not isinstance(o, WeakArray) and type(o) not in _NUMBERS and hasattr(i, "dtype")]
        if strong:
            plain = [p.astype(np.result_type(*strong, p.dtype.type(0).item())) if isinstance(o, WeakArray) else p
                     for p, o in zip(plain, inputs)]
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if strong or method != "__call__" or not isinstance(result, (np.ndarray, np.generic)) \
                or result.dtype.kind not in "iuf":  # (JAX's reductions are typed: sum, max, cumsum)
            return result
        return np.asarray(result).view(WeakArray)

    def __jax_array__(self):
        import jax.numpy as jnp

        typed = jnp.asarray(self.view(np.ndarray))
        try:  # JAX's own way to make an array weakly typed is private: a JAX without it gets the typed array
            from jax._src.lax.lax import _convert_element_type
        except ImportError:  # (the values are the same; only a float32 partner's result is float64 then)
            return typed
        return _convert_element_type(typed, weak_type=True)


def weak_full(shape: tuple, fill: Any) -> WeakArray:
    """``fill`` (a Python int or float) everywhere, weakly typed as ``jnp.full(shape, fill)`` is."""
    return np.full(shape, fill).view(WeakArray)


def on_jax(args: tuple) -> tuple:
    """``args`` with each weak array a weakly typed JAX array (``jnp``'s functions read a NumPy array as typed)."""
    return tuple(a.__jax_array__() if isinstance(a, WeakArray) else a for a in args)
