"""Reductions (``axis``, ``keepdims``), cumulative sums and products, and ``argmax``/``argmin`` (constants)."""

from __future__ import annotations

from adcompare import primitives as _p
from adcompare.numpy.shapes import asarray, reshape, shape, size


def sum(x, axis=None, keepdims=False):
    return _p.sum_p(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return _p.mean_p(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return _p.max_p(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    return _p.logsumexp_p(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    return _p.min_p(x, axis=axis, keepdims=keepdims)


amax, amin = max, min


def prod(x, axis=None, keepdims=False):
    return _p.prod_p(x, axis=axis, keepdims=keepdims)


def cumsum(x, axis=None):
    """NumPy's ``cumsum``: along ``axis``, or over the flattened array for ``axis=None``."""
    if axis is None:
        return _p.cumsum_p(reshape(x, (-1,)), axis=0)
    return _p.cumsum_p(x, axis=axis)


def cumprod(x, axis=None):
    if axis is None:
        return _p.cumprod_p(reshape(x, (-1,)), axis=0)
    return _p.cumprod_p(x, axis=axis)


def var(x, axis=None, ddof=0, keepdims=False):
    """NumPy's ``var``, as JAX computes it: the mean of squared deviations, divided by ``N - ddof``."""
    x = asarray(x)  # a list or tuple is packed once, as jnp.asarray packs it (its deviations are an array's)
    centered = _p.subtract_p(x, mean(x, axis, True))
    n = _reduced_count(shape(x), shape(sum(centered, axis, True)))
    total = sum(_p.square_p(centered), axis, keepdims)
    if n - ddof <= 0:  # no degree of freedom left: nan, as JAX's where(N - ddof > 0, total / (N - ddof), nan), whose
        # VJP is the division's of a zero cotangent: nan at N == ddof (0 / 0), zero past it; its JVP zero
        return _p.where_p(False, _p.divide_p(total, float(n - ddof)), float("nan"))
    return _p.divide_p(total, float(n - ddof))


def _reduced_count(before: tuple, kept: tuple) -> int:
    """The number of elements a reduction took together: the product of the lengths of the axes it reduced (those
    ``keepdims`` made 1). It may be 0, where ``size(x) // size(kept)`` divided by zero (var of an empty axis: nan)."""
    n = 1
    for b, k in zip(before, kept):
        n = n * (b if b != k else 1)
    return n


def std(x, axis=None, ddof=0, keepdims=False):
    return _p.sqrt_p(var(x, axis, ddof, keepdims))


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """NumPy's ``average``: ``sum(a * w) / sum(w)`` over ``axis`` (1-d weights lie along ``axis``)."""
    if weights is None:
        avg = mean(a, axis, keepdims)
        total = _p.divide_p(float(size(a)), float(size(avg)))
    else:
        if shape(weights) != shape(a):
            if axis is None or not isinstance(axis, _p.INTEGERS) or len(shape(weights)) != 1:
                raise TypeError("average: weights of a shape other than a's need an int axis and one dimension")
            before = axis % len(shape(a))
            weights = reshape(weights, (1,) * before + shape(weights) + (1,) * (len(shape(a)) - 1 - before))
        total = sum(weights, axis, keepdims)
        avg = _p.divide_p(sum(_p.multiply_p(a, weights), axis, keepdims), total)
    if returned:
        return avg, _p.broadcast_to_p(total, shape=shape(avg)) if shape(total) != shape(avg) else total
    return avg


def _index_of(method: str, x, axis, keepdims):
    """NumPy's (or JAX's) ``method`` (``argmax``...) of ``x``'s primal value: an index, a constant."""
    x = _p.primal(_p.pack(x))
    return getattr(_p.namespace((x,)), method)(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    """The index of the largest entry: a constant (an index is never differentiated)."""
    return _index_of("argmax", x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return _index_of("argmin", x, axis, keepdims)
