"""Numerical helpers that scientific NumPy code calls: differences and integrals, polynomials,
statistics, index constants. Each is a composition of vocabulary functions (slices, products,
sums, a sort's gather), so its derivative is exactly that of its parts, as JAX's ``jnp`` versions
are compositions of ``lax`` primitives; the index arithmetic sees shapes only.
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.numpy import elementwise as _elementwise  # (its where, beside the where= keyword)
from adcompare.numpy.assembly import _three_d
from adcompare.numpy.constants import full, zeros, zeros_like
from adcompare.numpy.elementwise import _constant, equal, isnan, logical_not, real_only, where
from adcompare.numpy.products import dot
from adcompare.numpy.quantile_methods import check_method, method_bounds
from adcompare.numpy.reductions import max as _max
from adcompare.numpy.reductions import mean, sum
from adcompare.numpy.reductions import min as _min
from adcompare.numpy.shapes import (
    _axis,
    _owned,
    _sorted_index,
    asarray,
    astype,
    broadcast_to,
    concatenate,
    getitem,
    moveaxis,
    ndim,
    ravel,
    reshape,
    shape,
    size,
    sort,
)
from adcompare.numpy.take_modes import take_indices
from adcompare.primitives.weak import WeakArray as _WeakArray


def _along(n: int, axis: int, index) -> tuple:
    return (slice(None),) * axis + (index,) + (slice(None),) * (n - axis - 1)


def _column(n: int, axis: int) -> tuple:
    return (1,) * axis + (-1,) + (1,) * (n - axis - 1)


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """NumPy's ``diff``: ``a[1:] - a[:-1]`` along ``axis``, ``n`` times, after joining ``prepend`` and ``append``
    to ``a`` along ``axis`` (a scalar one is one slice of ``a``'s other lengths, as NumPy's and JAX's)."""
    a = asarray(a)
    axis = _axis(axis, ndim(a))
    if prepend is not None:
        a = concatenate([_slice_of(prepend, a, axis), a], axis)
    if append is not None:
        a = concatenate([a, _slice_of(append, a, axis)], axis)
    for _ in range(n):
        a = _p.subtract_p(getitem(a, _along(ndim(a), axis, slice(1, None))),
                          getitem(a, _along(ndim(a), axis, slice(None, -1))))
    return a


def _slice_of(v, a, axis: int):
    v = asarray(v)
    return broadcast_to(v, shape(a)[:axis] + (1,) + shape(a)[axis + 1:]) if ndim(v) == 0 else v


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """NumPy's ``trapezoid`` (``trapz`` before NumPy 2): the trapezoid rule along ``axis``. A 1-d ``x``'s spacings lie
    along ``y``'s ``axis``; a larger ``x``'s are its differences along ``axis``, that axis moved last with ``y``'s and
    broadcast with it, as JAX's."""
    y = asarray(y)
    if x is not None and ndim(x) > 1:
        return _trapezoid(moveaxis(y, axis, -1), moveaxis(diff(x, axis=axis), axis, -1), ndim(y) - 1)
    axis, n = _axis(axis, ndim(y)), ndim(y)
    if x is None and ndim(dx) == 0:  # JAX's: dx (sum(y) - (y_0 + y_n) / 2) (its tangent at inf - inf is nan)
        ends = _p.add_p(getitem(y, _along(n, axis, 0)), getitem(y, _along(n, axis, -1)))
        return _p.multiply_p(dx, _p.subtract_p(sum(y, axis), _p.multiply_p(0.5, ends)))
    widths = dx if x is None else diff(x)
    return _trapezoid(y, reshape(widths, _column(n, axis)) if x is not None and n > 1 else widths, axis)


def _trapezoid(y, widths, axis: int):
    """The rule along ``y``'s ``axis``, summed along that axis counted from the end (``widths`` may add axes)."""
    heads, tails = getitem(y, _along(ndim(y), axis, slice(1, None))), getitem(y, _along(ndim(y), axis, slice(None, -1)))
    return _p.divide_p(sum(_p.multiply_p(widths, _p.add_p(heads, tails)), axis - ndim(y)), 2.0)


trapz = trapezoid


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix: columns ``x ** (N - 1), ..., x ** 0`` (reversed if ``increasing``)."""
    x = asarray(x)
    N = shape(x)[0] if N is None else N
    px = _p.primal(x)  # the powers in x's dtype (float64 ones made a float32 x's matrix float64), as JAX's
    powers = _np.arange(N, dtype=_p.result_dtype(px) if _p.is_float(px) else _np.int64)
    powers = powers if increasing else powers[::-1]
    return _p.power_p(reshape(x, shape(x) + (1,)), powers)


def polyval(p, x):
    """NumPy's ``polyval``: ``p[0] * x ** (n-1) + ... + p[n-1]`` by Horner's scheme, as JAX's."""
    p = asarray(p)
    y = zeros_like(x)
    for k in range(shape(p)[0]):
        y = _p.add_p(_p.multiply_p(y, x), getitem(p, k))
    return y


def ptp(a, axis=None, keepdims=False):
    return _p.subtract_p(_max(a, axis, keepdims), _min(a, axis, keepdims))


def median(a, axis=None, keepdims=False):
    """NumPy's ``median``: the middle of the sorted values (the mean of the two middle ones)."""
    a = asarray(a)
    if axis is None:
        return reshape(median(ravel(a), 0), (1,) * ndim(a)) if keepdims else median(ravel(a), 0)
    if isinstance(axis, tuple):  # over several axes: over those axes moved last and merged into one
        perm, merged, kept = _merged_axes(shape(a), axis)
        out = median(reshape(_p.transpose_p(a, axes=perm), merged), -1)
        return reshape(out, kept) if keepdims else out
    axis = _axis(axis, ndim(a))
    n = shape(a)[axis]
    s = sort(_nan_if_any(a, axis), axis)
    middle = getitem(s, _along(ndim(a), axis, slice((n - 1) // 2, n // 2 + 1)))
    return mean(middle, axis, keepdims)


def quantile(a, q, axis=None, method="linear", keepdims=False):
    """NumPy's ``quantile``: sorted values at ``q (n - 1)``, interpolated between the two nearest as ``method``
    says (:mod:`.quantile_methods`); differentiated in ``q`` too, as JAX's (``linear``'s weight ``q (n - 1) - low``)."""
    method = check_method("quantile", method)
    a = asarray(a)
    if axis is None:
        out = quantile(ravel(a), q, 0, method)
        return reshape(out, shape(q) + (1,) * ndim(a)) if keepdims else out
    if isinstance(axis, tuple):
        perm, merged, kept = _merged_axes(shape(a), axis)
        out = quantile(reshape(_p.transpose_p(a, axes=perm), merged), q, -1, method)
        return reshape(out, shape(q) + kept) if keepdims else out
    axis = _axis(axis, ndim(a))
    lo, hi, w = _quantile_plan(_np.asarray(_p.primal(q), dtype=float), shape(a)[axis], method)
    if method == "linear":  # the weight of q itself (the positions lo, hi are constants)
        w = _p.subtract_p(_p.multiply_p(asarray(q), float(shape(a)[axis] - 1)), lo)
    s = sort(_nan_if_any(a, axis), axis)
    below = getitem(s, _along(ndim(a), axis, lo))
    above = getitem(s, _along(ndim(a), axis, hi))
    w = astype(w, _p.result_dtype(below)) if w is not None and _p.is_float(below) else w  # a's, as JAX's
    w = reshape(w, _column(ndim(below), axis)) if w is not None and ndim(w) else w
    out = below if w is None else _p.add_p(_p.multiply_p(below, 1.0 - w), _p.multiply_p(above, w))
    if ndim(q):
        out = _p.transpose_p(out, axes=_front(ndim(out), axis))
        return reshape(out, shape(out)[:axis + 1] + (1,) + shape(out)[axis + 1:]) if keepdims else out
    return reshape(out, shape(out)[:axis] + (1,) + shape(out)[axis:]) if keepdims else out


def percentile(a, q, axis=None, method="linear", keepdims=False):
    return quantile(a, _p.divide_p(asarray(q), 100.0), axis, method, keepdims)


def _merged_axes(sa: tuple, axes: tuple) -> tuple:
    """For a reduction over ``axes`` of an array of shape ``sa``: the transposition that moves them last, the
    shape that merges them into one last axis, and the shape ``keepdims`` gives the result (them as 1)."""
    axes = tuple(_axis(ax, len(sa)) for ax in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in {axes}")
    rest = tuple(i for i in range(len(sa)) if i not in axes)
    return rest + axes, tuple(sa[i] for i in rest) + (int(_np.prod([sa[i] for i in axes])),), tuple(
        1 if i in axes else sa[i] for i in range(len(sa)))


def _nan_if_any(a, axis: int):
    """``a`` with each slice along ``axis`` that holds a nan made all nan, as JAX's (and NumPy's) quantiles: a
    sort puts nans last, so the middle of such a slice would be a number; its derivative is then zero, as JAX's."""
    return where(any(isnan(a), axis, True), _np.nan, a) if _p.is_float(a) else a


def _quantile_plan(q, n: int, method: str) -> tuple:
    if _np.any((q < 0) | (q > 1)):
        raise ValueError("quantile: q must be in [0, 1]")
    lo, hi, w = method_bounds(_np, q * (n - 1), method)
    return lo.astype(int), hi.astype(int), w


def _front(n: int, axis: int) -> tuple:
    return (axis,) + tuple(i for i in range(n) if i != axis)


def count_nonzero(a, axis=None, keepdims=False):
    """The number of nonzero entries (an integer: a constant)."""
    return sum(logical_not(equal(a, 0)), axis, keepdims)


# x1 > x2 and the others of the primal values, in their dtypes and backend (constants): a difference would wrap on
# unsigned or narrow integers, and NumPy refuses a difference of bools
greater, less = _constant("greater"), _constant("less")
greater_equal, less_equal = _constant("greater_equal"), _constant("less_equal")


def not_equal(x1, x2):
    return logical_not(equal(x1, x2))


def any(a, axis=None, keepdims=False):
    return greater(count_nonzero(a, axis, keepdims), 0)


def all(a, axis=None, keepdims=False):
    return equal(count_nonzero(logical_not(a), axis, keepdims), 0)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """NumPy's ``isclose`` (a constant), as JAX's: ``a == b``, or a finite ``b`` with ``|a - b| <= atol + rtol |b|``
    (an infinity is close only to an equal one); integers and bools in JAX's float of them (no wrapping)."""
    a, b = _p.primal(_p.pack(a)), _p.primal(_p.pack(b))
    xp, inexact = _p.namespace((a, b)), _p.inexact_dtype(a, b)
    if inexact is not None:
        a, b = xp.asarray(a, dtype=inexact), xp.asarray(b, dtype=inexact)
    with _np.errstate(invalid="ignore"):  # (inf - inf, as NumPy's own isclose)
        near = xp.logical_and(xp.isfinite(b), xp.abs(a - b) <= atol + rtol * xp.abs(b))
    close = xp.logical_or(xp.equal(a, b), near)
    return xp.logical_or(close, xp.logical_and(xp.isnan(a), xp.isnan(b))) if equal_nan else close


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(all(isclose(_p.primal(a), _p.primal(b), rtol, atol, equal_nan)))  # (a plain bool, as NumPy's)


def nansum(a, axis=None, keepdims=False, *, where=None):
    return sum(_elementwise.where(isnan(a), 0, a), axis, keepdims, where=where)  # (an int 0: an int a's sum is int)


def nanmean(a, axis=None, keepdims=False, *, where=None):
    """The mean of the values that are not nan (and that ``where=`` keeps), in their dtype (a float32 ``a``'s is
    float32, as JAX's): the count is summed in ``a``'s dtype (NumPy's float32 / int64 would be float64)."""
    if not _p.is_float(a):  # no nan: jnp's mean (of int32, float32)
        return mean(a, axis, keepdims, where=where)
    count = sum(_elementwise.where(isnan(a), 0.0, _p.primal(a) * 0.0 + 1.0), axis, keepdims, where=where)
    return _p.divide_p(nansum(a, axis, keepdims, where=where), count)


def take(a, indices, axis=None, mode=None):
    """``a``'s entries at ``indices`` along ``axis`` (of the flat ``a`` if None), a gather; ``mode``: take_modes."""
    if axis is None:
        return getitem(ravel(a), take_indices(indices, size(a), mode))
    k = _axis(axis, ndim(a))
    return getitem(a, _along(ndim(a), k, take_indices(indices, shape(a)[k], mode)))


def take_along_axis(arr, indices, axis):
    """NumPy's ``take_along_axis``: the gather that ``sort`` is, with the caller's indices."""
    if axis is None:
        if _np.ndim(indices) != 1:  # as NumPy and JAX refuse it (a gather of another shape, silently, otherwise)
            raise ValueError(f"take_along_axis: indices must be 1-d where axis=None, not of shape {_np.shape(indices)}")
        return getitem(ravel(arr), indices)
    return getitem(arr, _sorted_index(shape(arr), indices, _axis(axis, ndim(arr))))


def meshgrid(*xi, indexing="xy"):
    """Coordinate grids, each a broadcast of one 1-d input (``indexing='xy'``: the first two axes swapped)."""
    sizes = ()
    for x in xi:
        sizes = sizes + (shape(x)[0],)
    grid = _grid(sizes, indexing)
    return [_owned(broadcast_to(reshape(xi[i], _grid_shape(len(xi), i, indexing)), grid), xi[i])  # (new, as NumPy's)
            for i in range(len(xi))]


def _grid_shape(n: int, i: int, indexing: str) -> tuple:
    if indexing == "xy" and n >= 2 and i < 2:
        i = 1 - i
    return (1,) * i + (-1,) + (1,) * (n - i - 1)


def _grid(sizes: tuple, indexing: str) -> tuple:
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', not {indexing!r}")
    return (sizes[1], sizes[0]) + sizes[2:] if indexing == "xy" and len(sizes) >= 2 else sizes


def append(arr, values, axis=None):
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


def dstack(tup):
    """Stacked along a third axis (1-d ``(n,)`` as ``(1, n, 1)``, 2-d ``(m, n)`` as ``(m, n, 1)``), as NumPy's."""
    out = []
    for a in tup:
        out.append(reshape(a, _three_d(shape(a))))
    return concatenate(out, 2)


def empty(shape, dtype=None, like=None):
    """NumPy leaves the entries unset; these are :func:`zeros` (a constant, on ``like``'s backend), a value it may
    give."""
    return zeros(shape, dtype, like)


def empty_like(a, dtype=None):
    return zeros_like(a, dtype)


def tri(N, M=None, k=0, dtype=float):
    return _np.tri(N, M, k, dtype=dtype)


def vdot(a, b):
    a, b = real_only("vdot", a, b)  # (NumPy's conjugates a complex a: refused)
    return dot(ravel(a), ravel(b))


def full_like(a, fill_value, dtype=None):
    if dtype is None and isinstance(a, _WeakArray):  # weak, as jnp.full_like of a weak array
        return full(shape(a), fill_value)
    return full(shape(a), fill_value, dtype=dtype if dtype is not None else _p.result_dtype(_p.primal(asarray(a))))


__all__ = ["diff", "trapezoid", "trapz", "vander", "polyval", "ptp", "median", "quantile", "percentile",
           "vdot", "full_like", "count_nonzero", "greater", "less", "greater_equal", "less_equal", "not_equal", "any",
           "all", "isclose", "allclose", "nansum", "nanmean", "take", "take_along_axis", "meshgrid", "append",
           "dstack", "empty", "empty_like", "tri"]
