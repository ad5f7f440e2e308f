"""Reductions over axes (``axis``, ``keepdims`` as NumPy's), and cumulative sums and products."""

from __future__ import annotations

from adcompare.primitives.core import Primitive


def _logsumexp(xp, x, axis=None, keepdims=False):
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0.0)
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=axis)


sum_p = Primitive("sum", lambda xp, x, axis=None, keepdims=False: xp.sum(x, axis=axis, keepdims=keepdims))
mean_p = Primitive("mean", lambda xp, x, axis=None, keepdims=False: xp.mean(x, axis=axis, keepdims=keepdims))
max_p = Primitive("max", lambda xp, x, axis=None, keepdims=False: xp.max(x, axis=axis, keepdims=keepdims))
logsumexp_p = Primitive("logsumexp", _logsumexp)
min_p = Primitive("min", lambda xp, x, axis=None, keepdims=False: xp.min(x, axis=axis, keepdims=keepdims))
prod_p = Primitive("prod", lambda xp, x, axis=None, keepdims=False: xp.prod(x, axis=axis, keepdims=keepdims))
# Cumulative sums and products along one axis (an int; the vocabulary flattens for axis=None)
cumsum_p = Primitive("cumsum", lambda xp, x, axis: xp.cumsum(x, axis=axis))
cumprod_p = Primitive("cumprod", lambda xp, x, axis: xp.cumprod(x, axis=axis))
