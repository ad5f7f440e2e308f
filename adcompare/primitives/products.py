"""Products of arrays: ``matmul``, ``dot`` (NumPy's, N-d included) and ``einsum`` (explicit subscripts)."""

from __future__ import annotations

import numpy as np

from adcompare.primitives.core import Primitive
from adcompare.primitives.promotion import promoted


def _jax_dtypes(xp, xs: tuple) -> tuple:
    return promoted(xs) if xp is np else xs  # int32 with float32 is float32, as JAX's


dot_p = Primitive("dot", lambda xp, x, y: xp.dot(*_jax_dtypes(xp, (x, y))))
matmul_p = Primitive("matmul", lambda xp, x, y: xp.matmul(*_jax_dtypes(xp, (x, y))))

# ``einsum_p(*operands, subscripts="ij,jk->ik")``: subscripts always explicit (``->``), no ``...``
# (the vocabulary's ``anp.einsum`` checks them), so that every rule can name each operand's axes.
einsum_p = Primitive("einsum", lambda xp, *xs, subscripts: xp.einsum(subscripts, *_jax_dtypes(xp, xs)))
