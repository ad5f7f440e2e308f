"""Products of arrays: ``matmul``, ``dot`` (NumPy's, N-d included) and ``einsum`` (explicit subscripts)."""

from __future__ import annotations

from adcompare.primitives.core import Primitive

dot_p = Primitive("dot", lambda xp, x, y: xp.dot(x, y))
matmul_p = Primitive("matmul", lambda xp, x, y: xp.matmul(x, y))

# ``einsum_p(*operands, subscripts="ij,jk->ik")``: subscripts always explicit (``->``), no ``...``
# (the vocabulary's ``anp.einsum`` checks them), so that every rule can name each operand's axes.
einsum_p = Primitive("einsum", lambda xp, *xs, subscripts: xp.einsum(subscripts, *xs))
