"""Products of arrays: ``matmul``, ``dot`` (NumPy's, N-d included) and ``einsum`` (explicit subscripts)."""

from __future__ import annotations

import numpy as np

from adcompare.primitives.core import Primitive
from adcompare.primitives.promotion import promoted


def _jax_dtypes(xp, xs: tuple) -> tuple:
    """``xs`` cast so that NumPy computes in JAX's dtype: int32 with float32 is float32, and a Python number is
    weak (``dot(2.0, x32)`` is float32; NumPy's products, not ufuncs, take it as float64)."""
    if xp is not np:
        return xs
    xs = promoted(xs)
    if any(type(a) in _NUMBERS for a in xs) and not all(type(a) in _NUMBERS for a in xs):
        dtype = np.result_type(*xs)  # NumPy 2's promotion of a Python number (NEP 50) is JAX's weak one
        return tuple(np.asarray(a, dtype) if type(a) in _NUMBERS else a for a in xs)
    return xs


_NUMBERS = (bool, int, float, complex)


dot_p = Primitive("dot", lambda xp, x, y: xp.dot(*_jax_dtypes(xp, (x, y))))
matmul_p = Primitive("matmul", lambda xp, x, y: xp.matmul(*_jax_dtypes(xp, (x, y))))

# ``einsum_p(*operands, subscripts="ij,jk->ik")``: subscripts always explicit (``->``), no ``...``
# (the vocabulary's ``anp.einsum`` checks them), so that every rule can name each operand's axes.
einsum_p = Primitive("einsum", lambda xp, *xs, subscripts: xp.einsum(subscripts, *_jax_dtypes(xp, xs)))
