"""Statistics that skip nans (``nanmax``, ``nanmin``, ``nanprod``, ``nanvar``, ``nanstd``, ``nancumsum``,
``nancumprod``; ``nanargmax``/``nanargmin`` are constants), ``cov``, ``corrcoef``, ``histogram``, ``histogram2d``,
``histogramdd`` and ``bincount``, and the constants ``nonzero``, ``argwhere``, ``flatnonzero`` and ``unique`` (its
values too, as JAX's).

Each differentiable name is a composition written as JAX's ``jnp`` version computes it, so its derivatives
are JAX's: a nan entry is replaced before the reduction (its derivative is zero), ``histogram``'s counts
are sums of the weights (differentiable in them; without weights, integer counts as NumPy's) and its
edges are ``linspace`` of the data's range (differentiable in the data, as in JAX). Bins and indices are
found on primal values.
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.numpy.assembly import diag
from adcompare.numpy.constants import full
from adcompare.numpy.elementwise import clip, equal, isnan, nonzero, real_only, sqrt, where
from adcompare.numpy.elementwise import where as _where  # (beside nanvar's where= keyword)
from adcompare.numpy.numerics import _merged_axes, all, nanmean, take_along_axis
from adcompare.numpy.products import dot, matmul
from adcompare.numpy.quantile_methods import check_method, method_bounds
from adcompare.numpy.reductions import _index_of, _squared_modulus, cumprod, cumsum, max, mean, min, prod, sum
from adcompare.numpy.shapes import (
    _axis,
    asarray,
    astype,
    concatenate,
    getitem,
    moveaxis,
    ndim,
    ravel,
    reshape,
    shape,
    sort,
    stack,
)
from adcompare.numpy.signal import _real


def _filled(a, fill):
    """``a`` with its nans replaced by ``fill``; an integer (or bool) ``a``, which has none, as it is (the float
    ``fill`` would make it float64, where JAX's ``nanmax``, ``nanprod``, ``nancumsum`` of integers are integers)."""
    if not _p.is_float(a):
        return a
    return where(isnan(a), fill, a)


def _nan_reduction(a, reduce, fill, axis, keepdims):
    a = asarray(a)
    out = reduce(_filled(a, fill), axis, keepdims)
    if not _p.is_float(a):
        return out
    return where(all(isnan(a), axis, keepdims), _np.nan, out)


def nanmax(a, axis=None, keepdims=False):
    """The largest entry that is not nan (nan where all are), as JAX's."""
    return _nan_reduction(a, max, -_np.inf, axis, keepdims)


def nanmin(a, axis=None, keepdims=False):
    return _nan_reduction(a, min, _np.inf, axis, keepdims)


def nanprod(a, axis=None, keepdims=False):
    return prod(_filled(asarray(a), 1.0), axis, keepdims)


def nancumsum(a, axis=None):
    return cumsum(_filled(asarray(a), 0.0), axis)


def nancumprod(a, axis=None):
    return cumprod(_filled(asarray(a), 1.0), axis)


def nanvar(a, axis=None, ddof=0, keepdims=False, *, where=None):
    """The variance of the entries that are not nan (and that ``where=`` keeps), as JAX's (nan where fewer than
    ``ddof + 1``)."""
    a, mask = asarray(a), where
    if not _p.is_float(a):  # integers in JAX's float of them (float32 for int32), as jnp's
        a = _p.astype_p(a, dtype=_p.inexact_dtype(_p.primal(a)) or _np.float64)
    centered = _where(isnan(a), 0.0, _p.subtract_p(a, nanmean(a, axis, True, where=mask)))
    total = sum(_squared_modulus(centered), axis, keepdims, where=mask)
    # the count in total's dtype, as nanmean's (NumPy's float32 / int64 would make a float32 a's variance float64)
    ones = _p.astype_p(_p.primal(a) * 0 + 1, dtype=_p.result_dtype(total))
    n = _p.subtract_p(sum(_where(isnan(a), 0.0, ones), axis, keepdims, where=mask), ddof)
    none = _p.primal(n) <= 0
    return _where(none, _np.nan, _p.divide_p(total, _where(none, 1, n)))


def nanstd(a, axis=None, ddof=0, keepdims=False, *, where=None):
    return _p.sqrt_p(nanvar(a, axis, ddof, keepdims, where=where))


def nanargmax(a, axis=None, out=None, keepdims=False):
    """The index of the largest entry that is not nan: a constant."""
    return _index_of("nanargmax", a, axis, keepdims, out)


def nanargmin(a, axis=None, out=None, keepdims=False):
    return _index_of("nanargmin", a, axis, keepdims, out)


def cov(m, y=None, rowvar=True, bias=False, ddof=None):
    """NumPy's ``cov`` (without weights), as JAX's: variables in rows (columns if not ``rowvar``); a 1-d ``m`` or ``y``
    is one variable (a row) whatever ``rowvar`` says, and a one-row ``y`` is not transposed (NumPy's and JAX's)."""
    m = real_only("cov", asarray(m), y)[0]  # (NumPy's conjugates a complex one: refused)
    rows = _rows(m) if rowvar or ndim(m) == 1 else _p.transpose_p(_rows(m), axes=None)
    if y is not None:
        y = _rows(asarray(y))
        rows = concatenate([rows, y if rowvar or shape(y)[0] == 1 else _p.transpose_p(y, axes=None)], 0)
    if shape(rows)[1] == 0:  # no observations: nan, as NumPy's and JAX's
        return full(() if shape(rows)[0] == 1 else (shape(rows)[0],) * 2, _np.nan)
    ddof = (0 if bias else 1) if ddof is None else ddof
    centered = _p.subtract_p(rows, mean(rows, 1, True))
    c = _p.divide_p(dot(centered, _p.transpose_p(centered, axes=None)), float(shape(rows)[1] - ddof))
    return getitem(c, (0, 0)) if shape(c) == (1, 1) else c


def _rows(a):
    return reshape(a, (1, -1)) if ndim(a) < 2 else a


def corrcoef(x, y=None, rowvar=True):
    """Pearson correlation coefficients, as JAX computes them: ``cov`` scaled by its diagonal, clipped to [-1, 1]."""
    c = cov(x, y, rowvar)
    if len(shape(c)) == 0:
        return _p.divide_p(c, c)
    d = sqrt(diag(c))
    c = _p.divide_p(_p.divide_p(c, reshape(d, (-1, 1))), reshape(d, (1, -1)))
    return clip(c, -1, 1)


def _edges(a, bins, range):
    """JAX's ``histogram_bin_edges``: ``bins + 1`` edges from ``range`` (the data's min and max if None)."""
    if _np.ndim(bins) == 1:
        return asarray(bins)
    dtype = _real(_p.primal(a))  # a float32 a's edges are float32, as JAX's (NumPy's float64 steps made them float64)
    if range is None:
        lo, hi = min(a), max(a)
    else:  # Python numbers are weak, as in JAX
        lo, hi = (_np.asarray(r, dtype) if type(r) in (int, float) else r for r in range)
    same = equal(_p.primal(lo), _p.primal(hi))  # (an array on JAX tracers: where takes it)
    lo, hi = where(same, _p.subtract_p(lo, 0.5), lo), where(same, _p.add_p(hi, 0.5), hi)
    steps = (_np.arange(int(bins), dtype=_np.float64) / int(bins)).astype(dtype)
    return concatenate([_p.add_p(lo, _p.multiply_p(steps, _p.subtract_p(hi, lo))), reshape(hi, (1,))])


def histogram(a, bins=10, range=None, weights=None, density=None):
    """``(counts, edges)`` as JAX's ``histogram``: the last bin is closed; counts are weight sums (a matrix of
    bin memberships times the weights: differentiable in them) or, without weights, NumPy's integer counts."""
    if isinstance(bins, str):
        raise NotImplementedError(f"histogram: bins={bins!r} (a rule's name) is not supported; pass a count or edges")
    a = ravel(asarray(a))
    edges = _edges(a, bins, range)
    pe, pa = _p.primal(edges), _p.primal(a)
    xp = _p.namespace((pe, pa))
    index = xp.where(pa == pe[-1], shape(pe)[0] - 1, xp.searchsorted(pe, pa, side="right"))
    member = (xp.arange(1, shape(pe)[0])[:, None] == index[None, :]).astype(pe.dtype)
    if weights is None:
        counts = member.sum(axis=1) if density else member.sum(axis=1).astype(_np.int64)
    else:
        counts = matmul(member, ravel(asarray(weights)))
    if density:
        widths = _p.subtract_p(getitem(edges, slice(1, None)), getitem(edges, slice(None, -1)))
        counts = _p.divide_p(_p.divide_p(counts, widths), sum(counts))
    return counts, edges


def histogramdd(sample, bins=10, range=None, weights=None, density=None):
    """``(counts, [edges of each dimension])`` of ``sample`` (N, D) as JAX's: each dimension binned as ``histogram``
    bins it (its last bin closed; values outside are dropped); counts are weight sums (differentiable in them) or,
    without weights, integer counts; the edges differentiable in the data as ``histogram``'s."""
    sample = asarray(sample)
    dims = shape(sample)[1]
    bins = list(bins) if isinstance(bins, (list, tuple)) or _np.ndim(bins) else [bins] * dims
    ranges = [None] * dims if range is None else list(range)
    if len(bins) != dims or len(ranges) != dims:
        raise ValueError(f"histogramdd: bins and range must have one entry per dimension ({dims})")
    edges = _edges_of_columns(sample, bins, ranges)
    return _cell_counts(sample, edges, _cell_sizes(bins), weights, density), edges


def _cell_counts(sample, edges: list, sizes: tuple, weights, density):
    """histogramdd's counts (in a function without a parameter named ``range``: SCT's loops would read it)."""
    flat = 0
    for i, e in enumerate(edges):
        flat = _cell_index(flat, _p.primal(sample), _p.primal(e), i, sizes[i])
    member = _cell_members(flat, sizes, _p.primal(e))
    if weights is None:
        counts = member.sum(axis=1) if density else member.sum(axis=1).astype(_np.int64)
    else:
        counts = matmul(member, ravel(asarray(weights)))
    counts = getitem(reshape(counts, sizes), (slice(1, -1),) * len(sizes))
    if density:
        counts = _p.divide_p(counts, sum(counts))
        for i, e in enumerate(edges):
            widths = _p.subtract_p(getitem(e, slice(1, None)), getitem(e, slice(None, -1)))
            counts = _p.divide_p(counts, reshape(widths, (1,) * i + (-1,) + (1,) * (len(sizes) - i - 1)))
    return counts


def _edges_of_columns(sample, bins: list, ranges: list) -> list:
    return [_edges(getitem(sample, (slice(None), i)), bins[i], ranges[i]) for i in range(len(bins))]


def _cell_index(flat, ps, pe, i: int, size: int):
    """``flat`` (the cells of the dimensions before) and dimension ``i``'s bin: 0 below, ``size - 1`` above."""
    column = ps[:, i]
    index = _p.namespace((ps, pe)).where(column == pe[-1], shape(pe)[0] - 1,
                                         _p.namespace((ps, pe)).searchsorted(pe, column, side="right"))
    return flat * size + index


def _cell_members(flat, sizes: tuple, pe):
    """The matrix of the sample's rows' cells (a constant), in ``pe``'s dtype."""
    return (_p.namespace((flat, pe)).arange(int(_np.prod(sizes)))[:, None] == flat[None, :]).astype(pe.dtype)


def _cell_sizes(bins: list) -> tuple:
    """Each dimension's bins and one more on each side."""
    return tuple(int(b) + 2 if _np.ndim(b) == 0 else len(b) + 1 for b in bins)


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):
    """``(counts, x_edges, y_edges)``: ``histogramdd`` of the points (x, y); one array of edges serves both."""
    if not isinstance(bins, (list, tuple)) and _np.ndim(bins) == 1 and len(bins) not in (1, 2):
        bins = [bins, bins]
    counts, edges = histogramdd(stack([ravel(asarray(x)), ravel(asarray(y))], axis=1), bins, range, weights, density)
    return counts, edges[0], edges[1]


def bincount(x, weights=None, minlength=0):
    """The count (or the sum of ``weights``) of each value of the non-negative integers ``x``."""
    px = _np.asarray(_p.primal(_p.pack(x)))
    if px.ndim != 1 or px.size and (px.min() < 0 or not _np.issubdtype(px.dtype, _np.integer)):
        raise ValueError("bincount: x must be a 1-d array of non-negative integers")
    length = _np.maximum(int(px.max()) + 1 if px.size else 0, int(minlength))
    if weights is None:
        return _np.bincount(px, minlength=length)
    member = (_np.arange(length)[:, None] == px[None, :]).astype(_np.float64)
    return matmul(member, asarray(weights))


def argwhere(a):
    pa = _p.primal(_p.pack(a))
    return _p.namespace((pa,)).argwhere(pa)


def flatnonzero(a):
    pa = _p.primal(_p.pack(a))
    return _p.namespace((pa,)).flatnonzero(pa)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None):
    """The sorted distinct values (and NumPy's optional indices and counts): constants, as JAX's ``unique``
    (whose derivative is zero: jax.grad of ``jnp.unique(x)``'s values is 0, not the gather's 1)."""
    pa = _p.primal(_p.pack(ar))
    return _p.namespace((pa,)).unique(pa, return_index=return_index, return_inverse=return_inverse,
                                      return_counts=return_counts, axis=axis)

def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """The quantile of the entries that are not nan, as JAX's: each slice's sorted values (nans last) at
    ``q (count - 1)``, interpolated; nan for an all-nan slice. ``q`` (scalar or 1-d) is differentiated too, as
    JAX's (``linear``'s weight ``q (count - 1) - low``)."""
    method = check_method("nanquantile", method)
    if out is not None:
        raise NotImplementedError("nanquantile: out= is not supported (arrays are not written in place, as jnp's)")
    a, qs, flat = asarray(a), _np.asarray(_p.primal(q), dtype=float), ravel(asarray(q))
    if _np.any((qs < 0) | (qs > 1)):
        raise ValueError("nanquantile: q must be in [0, 1]")
    if axis is None or isinstance(axis, tuple):
        axes = tuple(range(ndim(a))) if axis is None else axis
        perm, merged, kept = _merged_axes(shape(a), axes)
        res = nanquantile(reshape(_p.transpose_p(a, axes=perm), merged), q, -1, method=method)
        return reshape(res, qs.shape + kept) if keepdims else res
    axis = _axis(axis, ndim(a))
    s = sort(moveaxis(a, axis, -1), -1)
    ps = _p.primal(s)
    xp = _p.namespace((ps,))
    counts = xp.sum(~xp.isnan(ps), -1) if _p.is_float(s) else xp.full(ps.shape[:-1], ps.shape[-1])
    parts = []
    for j, qj in enumerate(qs.reshape(-1)):
        pos = qj * (counts - 1)
        low, high, w = method_bounds(xp, pos, method)
        if method == "linear":  # the weight of q itself (the positions low, high are constants)
            w = _p.subtract_p(_p.multiply_p(getitem(flat, j), counts - 1), low)
        w = astype(w, _p.result_dtype(ps)) if w is not None and _p.is_float(s) else w
        at = [xp.clip(xp.minimum(i, counts - 1), 0, None).astype(int)[..., None] for i in (low, high)]
        below, above = take_along_axis(s, at[0], -1), take_along_axis(s, at[1], -1)
        below, above = getitem(below, (Ellipsis, 0)), getitem(above, (Ellipsis, 0))
        parts.append(below if w is None else _p.add_p(_p.multiply_p(below, 1.0 - w), _p.multiply_p(above, w)))
    res = reshape(stack(parts, 0), qs.shape + shape(s)[:-1])
    return reshape(res, shape(res)[:qs.ndim + axis] + (1,) + shape(res)[qs.ndim + axis:]) if keepdims else res


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """:func:`histogram`'s edges (differentiable in the data through its range, as JAX's)."""
    return _edges(asarray(a), bins, range)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    return nanquantile(a, _p.divide_p(asarray(q), 100.0), axis, out, method=method, keepdims=keepdims)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return nanquantile(a, 0.5, axis, out, keepdims=keepdims)


__all__ = ["cov", "nanquantile", "nanpercentile", "nanmedian", "histogram_bin_edges",
           "nanmax", "nanmin", "nanprod", "nancumsum", "nancumprod", "nanvar", "nanstd", "nanargmax", "nanargmin",
           "corrcoef", "histogram", "histogram2d", "histogramdd", "bincount", "nonzero", "argwhere", "flatnonzero",
           "unique"]
