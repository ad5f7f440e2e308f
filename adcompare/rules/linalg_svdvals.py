"""The rule of ``svdvals``, the singular values alone (``anp.linalg.svd(a, compute_uv=False)``, ``svdvals``, and so
the matrix norms ``2``, ``-2``, ``'nuc'`` and ``cond``): ds = diag(Uᵀ dA V), Ā = U diag(s̄) Vᵀ (U, V thin).

At repeated singular values the values one by one are not differentiable (which of two equal values moves up
depends on the direction), and U, V inside a cluster of equal values are any rotation of each other, so
diag(Uᵀ dA V) there depends on the basis LAPACK happens to return. Every symmetric function of a cluster is
differentiable, though (its sum: the nuclear norm's gradient U Vᵀ). The rule therefore averages over each cluster
of values equal to rounding: ds = P diag(Uᵀ dA V) and Ā = U diag(P s̄) Vᵀ, with P the mean over each cluster (P = I
where the values are distinct: the usual rule). These do not depend on the basis inside a cluster, and:

* where the derivative exists (s̄ equal across each cluster: ``norm(x, 'nuc')``, ``sum(svdvals(x) ** 2)``, and
  ``norm(x, 2)`` at values equal exactly, whose ``max`` JAX splits evenly) it is that derivative, JAX's;
* where it does not (``norm(x, 2)`` of a matrix whose two largest singular values are equal to rounding but not
  exactly; ``cond(x)`` at a repeated largest or smallest value), it is the derivative of the cluster's mean: for
  the 2-norm (1/k) Σ u_i v_iᵀ over the k largest, the centre of its subdifferential, a subgradient; for ``cond`` of a
  multiple of the identity, zero (its minimum). JAX gives diag(Uᵀ dA V) of its own U, V there, a number that
  depends on the basis its LAPACK returns (u_0 v_0ᵀ for the 2-norm, also a subgradient; diag(1, 0, -1) for
  ``cond(eye(3))``), so the two differ at such points, by this choice.

A second derivative goes through ``svd``'s rule, which refuses repeated values. Zero singular values of a
rectangular matrix are refused, as ``svd``'s (not differentiable there). Under ``jax.jit`` the values cannot be
looked at: the usual rule, JAX's.
"""

from __future__ import annotations

import jax
import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal, shape
from adcompare.rules.base import append_axis, defjvp, defvjp, swap_last
from adcompare.rules.linalg import _diag_of, _gaps, rounding

mul, mm = anp.multiply, anp.matmul


def _cluster_mean(s):
    """P (..., k, k): the mean over each run of values of ``s`` equal to rounding (a constant), or None where the
    values are distinct (or not concrete, under ``jax.jit``)."""
    ps = primal(s)
    if isinstance(ps, jax.core.Tracer) or shape(ps)[-1] < 2:
        return None
    pv = np.asarray(ps)
    close = np.abs(np.diff(pv, axis=-1)) <= rounding(pv)  # s is sorted: equal values are neighbours
    if not close.any():
        return None
    labels = np.concatenate([np.zeros(pv.shape[:-1] + (1,), int), np.cumsum(~close, axis=-1)], axis=-1)
    same = (labels[..., :, None] == labels[..., None, :]).astype(pv.dtype)
    return p.namespace((ps,)).asarray(same / same.sum(axis=-1, keepdims=True))


def _averaged(v, mean):
    return v if mean is None else anp.sum(mul(mean, append_axis(v, -2)), axis=-1)


def _factors(ans, a):
    m, n = shape(a)[-2:]
    _gaps(ans, "svd", "singular values", nonzero=m != n, distinct=False)
    u, _, vh = anp.linalg.svd(a, full_matrices=False)
    return u, vh, _cluster_mean(ans)


def _svdvals_jvp(t, ans, a):
    u, vh, mean = _factors(ans, a)
    return _averaged(_diag_of(mm(swap_last(u), mm(t, swap_last(vh)))), mean)


def _svdvals_vjp(ans, a):
    u, vh, mean = _factors(ans, a)
    return lambda g: mm(mul(u, append_axis(_averaged(g, mean), -2)), vh)


defjvp(p.svdvals_p, _svdvals_jvp)
defvjp(p.svdvals_p, _svdvals_vjp)
