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
    dtype = _with_numbers([dtype_of(p) for p, w in zip(parts, weak) if not w], numbers)
    if dtype is None:
        return parts  # JAX's complex64: the backend's own promotion
    return [np.asarray(p, dtype=dtype) if w else p for p, w in zip(parts, weak)]


def _with_numbers(strong: list, numbers: set) -> Any:
    """The dtype the ``strong`` dtypes promote to with Python numbers of the kinds of ``numbers``, as JAX's (None:
    an extension float beside a complex number, left to the backend)."""
    strong = np.result_type(*strong)
    if strong.kind == "V":  # an extension float (bfloat16, float8): NumPy promotes it with 2.0 to float64
        return None if any(type(v) is complex for v in numbers) else strong  # JAX's: it keeps its dtype
    return np.result_type(strong, *numbers)


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
        if method != "__call__" or not isinstance(result, (np.ndarray, np.generic)) \
                or result.dtype.kind not in "iuf" or not _stays_weak(result.dtype, strong):  # (reductions: typed)
            return result
        return np.asarray(result).view(WeakArray)

    def __getitem__(self, index):  # an element is weak too, as jnp.full(3, 0.5)[0] is
        out = super().__getitem__(index)
        return np.asarray(out).view(WeakArray) if isinstance(out, np.generic) and out.dtype.kind in "iuf" else out

    def astype(self, dtype, *args, **kwargs):  # typed, as JAX's astype
        return self.view(np.ndarray).astype(dtype, *args, **kwargs)

    def argsort(self, *args, **kwargs):  # indices are typed (np.argsort calls the method)
        return self.view(np.ndarray).argsort(*args, **kwargs)

    def __jax_array__(self):
        import jax.numpy as jnp

        typed = jnp.asarray(self.view(np.ndarray))
        try:  # JAX's own way to make an array weakly typed is private: a JAX without it gets the typed array
            from jax._src.lax.lax import _convert_element_type
        except ImportError:  # (the values are the same; only a float32 partner's result is float64 then)
            return typed
        return _convert_element_type(typed, weak_type=True)


_RANKS = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _stays_weak(result: np.dtype, strong: list) -> bool:
    """Is a result of dtype ``result`` weak beside the typed operands' dtypes ``strong``? Where its kind is above
    all of theirs, as JAX's: int32 + full(3, 0.5) is a weak float64 (float32 beside float32 data), bool too."""
    return all(_RANKS.get(result.kind, 9) > _RANKS.get(np.dtype(d).kind, 9) for d in strong)


def weak_full(shape: tuple, fill: Any) -> WeakArray:
    """``fill`` (a Python int or float) everywhere, weakly typed as ``jnp.full(shape, fill)`` is."""
    return np.full(shape, fill).view(WeakArray)


def on_jax(args: tuple) -> tuple:
    """``args`` with each weak array a weakly typed JAX array (``jnp``'s functions read a NumPy array as typed)."""
    return tuple(a.__jax_array__() if isinstance(a, WeakArray) else a for a in args)


# JAX keeps these weak where every operand is (a reduction, sum or max, and the linear algebra are typed)
_KEEPS = frozenset({"getitem", "reshape", "broadcast_to", "transpose", "diagonal", "concatenate", "stack", "where",
                    "dot", "einsum", "index_update", "index_add", "asarray"})


def weak_call(prim: Any, args: tuple, params: dict, dtype_of: Callable) -> Any:
    """``prim(*args, **params)`` where a :class:`WeakArray` is among ``args`` (no lists), with JAX's dtype for
    every primitive, not only the ufuncs: beside an operand of a dtype of its own (an array, a box; ``where``'s
    condition is none) each weak array is first an array of the dtype they promote to (``dot(full(3, 0.5), x32)``
    is float32); with none, a structural result (a getitem, a dot, a stack) stays weak, a reduction is typed."""
    strong = [dtype_of(a) for i, a in enumerate(args) if i not in prim.nondiff and not is_weak(a)]
    if strong:
        dtype = _with_numbers(strong, {a.dtype.type(0).item() for a in args if type(a) is WeakArray})
        out = prim(*(np.asarray(a, dtype=dtype) if type(a) is WeakArray else a for a in args), **params)
        keeps = dtype is not None and _stays_weak(dtype, strong) and (prim.name in _KEEPS or prim.derivatives)
    else:
        out = prim.apply(*args, **params)
        keeps = prim.name in _KEEPS
    if keeps and isinstance(out, (np.ndarray, np.generic)) and out.dtype.kind in "iuf":
        return np.asarray(out).view(WeakArray)
    return out
