"""Reductions over axes (``axis``, ``keepdims`` as NumPy's), and cumulative sums and products."""

from __future__ import annotations

import numpy as np

from adcompare.primitives.core import Primitive
from adcompare.primitives.promotion import inexact


def _accumulated(xp, x, axis, name):
    """NumPy's cumulative sum or product in JAX's dtype: an integer keeps its own (NumPy's is int64)."""
    dtype = getattr(x, "dtype", None)
    if xp is np and isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return getattr(np, name)(x, axis=axis, dtype=dtype)
    return getattr(xp, name)(x, axis=axis)


def logsumexp_parts(xp, x, axis=None):
    """logsumexp's intermediates: ``e = exp(x - m)`` and its sum ``s`` (keepdims), m the finite max."""
    # -inf over no terms, as JAX's (NumPy's max of an empty array raises)
    m = xp.max(x, axis=axis, keepdims=True, initial=-np.inf) if xp is np else xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0.0)
    e = xp.exp(x - m)
    return e, xp.sum(e, axis=axis, keepdims=True), m


def logsumexp_from_parts(xp, s, m, axis=None, keepdims=False):
    out = xp.log(s) + m
    return out if keepdims else xp.squeeze(out, axis=axis)


def _logsumexp(xp, x, axis=None, keepdims=False):
    _, s, m = logsumexp_parts(xp, x, axis)
    return logsumexp_from_parts(xp, s, m, axis, keepdims)


sum_p = Primitive("sum", lambda xp, x, axis=None, keepdims=False: xp.sum(x, axis=axis, keepdims=keepdims))
mean_p = Primitive("mean", lambda xp, x, axis=None, keepdims=False: xp.mean(inexact(x) if xp is np else x, axis=axis,
                                                                           keepdims=keepdims))
max_p = Primitive("max", lambda xp, x, axis=None, keepdims=False: xp.max(x, axis=axis, keepdims=keepdims))
logsumexp_p = Primitive("logsumexp", _logsumexp)
min_p = Primitive("min", lambda xp, x, axis=None, keepdims=False: xp.min(x, axis=axis, keepdims=keepdims))
prod_p = Primitive("prod", lambda xp, x, axis=None, keepdims=False: xp.prod(x, axis=axis, keepdims=keepdims))
# Cumulative sums and products along one axis (an int; the vocabulary flattens for axis=None)
cumsum_p = Primitive("cumsum", lambda xp, x, axis: _accumulated(xp, x, axis, "cumsum"))
cumprod_p = Primitive("cumprod", lambda xp, x, axis: _accumulated(xp, x, axis, "cumprod"))
