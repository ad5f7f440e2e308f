"""The rule of ``det``: d det(A) / dA is the cofactor matrix (the adjugate's transpose).

Where A is well conditioned the cofactor matrix is ``det(A) * inv(A)ᵀ``; where A
is singular or near it (no inverse, or an inaccurate one) it is made of the
determinants of A's minors, as JAX's gradient gives it, instead of failing
with ``LinAlgError``. Both are written with primitives, so the Hessian exists
at a singular matrix too (the minors' dets differentiate by this same rule).
Under ``jax.jit`` the values cannot be looked at: there it is ``det * inv``
(inf or nan at a singular matrix).
"""

from __future__ import annotations

import jax
import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal, shape
from adcompare.rules.base import defjvp, defvjp
from adcompare.rules.linalg import T, _col, _trace_with, mul


def _near_singular(a) -> bool:
    """Whether some matrix of the stack ``a`` is too near singular for ``det(a) * inv(a)``."""
    pa = primal(a)
    if isinstance(pa, jax.core.Tracer):
        return False  # not concrete under jax.jit: det * inv there (inf or nan at a singular matrix)
    pa = np.asarray(pa)
    if pa.size == 0:
        return False
    with np.errstate(all="ignore"):
        cond = np.linalg.cond(pa)
    return not bool(np.all(cond * np.finfo(pa.dtype).eps < 1e-8))


def _minors_cofactor(a):
    """The cofactor matrix of ``a`` (d det(a) / da) by the determinants of its minors: no inverse.

    C_ij = (-1)^(i+j) det(a without row i and column j); the minors' dets differentiate again by
    this same rule, so the Hessian exists at a singular matrix too.
    """
    n = shape(a)[-1]
    if n == 1:
        return anp.ones_like(a)
    dets = []
    for i in range(n):
        rows = np.array([k for k in range(n) if k != i])
        for j in range(n):
            cols = np.array([k for k in range(n) if k != j])
            dets.append(p.det_p(anp.getitem(a, (Ellipsis, rows[:, None], cols[None, :]))))
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return mul(anp.reshape(anp.stack(dets, axis=-1), shape(a)), signs)


def _det_cofactor(ans, a):
    """d det(a) / da: ``det(a) * inv(a)^T``, or by minors where ``a`` is (near) singular."""
    if _near_singular(a):
        return _minors_cofactor(a)
    return mul(_col(_col(ans)), T(p.inv_p(a)))


def _det_vjp(ans, a):
    cofactor = _det_cofactor(ans, a)
    return lambda g: mul(_col(_col(g)), cofactor)


defjvp(p.det_p, lambda t, ans, a: _trace_with(_det_cofactor(ans, a), t))
defvjp(p.det_p, _det_vjp)
