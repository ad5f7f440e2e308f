"""Sampled data: ``searchsorted`` and ``digitize`` (indices: constants), ``interp``, ``convolve``,
``correlate``, ``gradient`` and ``ediff1d``.

Each differentiable name is a composition of vocabulary functions written as JAX's ``jnp`` version
computes it (``interp``: the bracketing indices found on primal values, then gathers and one linear
step; ``convolve``: a gather of the padded signal into a Toeplitz matrix, times the kernel), so its
derivatives are JAX's; indices never depend on what is differentiated.
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.numpy.elementwise import abs, real_only, remainder, where
from adcompare.numpy.numerics import _along, _column, diff, greater, less, less_equal, take
from adcompare.numpy.padding import pad
from adcompare.numpy.products import matmul
from adcompare.numpy.reductions import cumsum
from adcompare.numpy.shapes import _axes, asarray, concatenate, flip, getitem, ndim, ravel, reshape, shape


def searchsorted(a, v, side="left", sorter=None):
    """Where ``v``'s entries would go in the sorted 1-d ``a`` (integer indices: a constant)."""
    pa, pv = _p.primal(_p.pack(a)), _p.primal(_p.pack(v))
    order = None if sorter is None else _p.primal(sorter)
    return _p.namespace((pa, pv)).searchsorted(pa, pv, side=side, sorter=order)


def digitize(x, bins, right=False):
    """The bin of each entry of ``x`` (integer indices: a constant)."""
    px, pb = _p.primal(_p.pack(x)), _p.primal(_p.pack(bins))
    return _p.namespace((px, pb)).digitize(px, pb, right=right)


def interp(x, xp, fp, left=None, right=None, period=None):
    """NumPy's ``interp``: piecewise-linear through ``(xp, fp)``, computed as JAX's ``interp`` computes it
    (differentiable in ``x``, ``xp``, ``fp``, ``left`` and ``right``; ``'extrapolate'`` as in JAX)."""
    if isinstance(left, str) and left != "extrapolate" or isinstance(right, str) and right != "extrapolate":
        raise ValueError("interp: the only valid string value of left and right is 'extrapolate'")
    x, xp, fp = asarray(x), asarray(xp), asarray(fp)
    if shape(xp) != shape(fp) or ndim(xp) != 1:
        raise ValueError("interp: xp and fp must be one-dimensional arrays of equal size")
    if period is not None:
        period = abs(period)
        x, xp = remainder(x, period), remainder(xp, period)
        order = _p.namespace((_p.primal(xp),)).argsort(_p.primal(xp), stable=True)
        xp, fp = take(xp, order), take(fp, order)
        xp = concatenate([_p.subtract_p(getitem(xp, slice(-1, None)), period), xp,
                          _p.add_p(getitem(xp, slice(None, 1)), period)])
        fp = concatenate([getitem(fp, slice(-1, None)), fp, getitem(fp, slice(None, 1))])
    n = shape(xp)[0]
    ns = _p.namespace((_p.primal(xp),))  # (its clip would read as the array method .clip to SCT)
    i = ns.minimum(ns.maximum(searchsorted(_p.primal(xp), _p.primal(x), side="right"), 1), n - 1)
    lo_x, lo_f = getitem(xp, i - 1), getitem(fp, i - 1)
    dx = _p.subtract_p(getitem(xp, i), lo_x)
    small = less_equal(abs(dx), _np.spacing(_np.finfo(_np.float64).eps))
    step = _p.multiply_p(_p.divide_p(_p.subtract_p(x, lo_x), where(small, 1.0, dx)),
                         _p.subtract_p(getitem(fp, i), lo_f))
    f = where(small, lo_f, _p.add_p(lo_f, step))
    if period is None and not isinstance(left, str):
        f = where(less(x, getitem(xp, 0)), getitem(fp, 0) if left is None else left, f)
    if period is None and not isinstance(right, str):
        f = where(greater(x, getitem(xp, -1)), getitem(fp, -1) if right is None else right, f)
    return f


def convolve(a, v, mode="full"):
    """The discrete linear convolution of two 1-d arrays (``mode``: ``'full'``, ``'same'``, ``'valid'``)."""
    a, v = asarray(a), asarray(v)
    if ndim(a) != 1 or ndim(v) != 1:
        raise ValueError("convolve: a and v must be one-dimensional")
    if shape(a)[0] == 0 or shape(v)[0] == 0:
        raise ValueError("convolve: inputs cannot be empty")
    if shape(v)[0] > shape(a)[0]:  # NumPy's: the longer one is the signal
        a, v = v, a
    n, m = shape(a)[0], shape(v)[0]
    floats = _p.INEXACT.get(_np.result_type(_p.result_dtype(a), _p.result_dtype(v)))
    if floats is not None:  # integers convolve in JAX's float of them (float32 for int32)
        a, v = _p.astype_p(a, dtype=floats), _p.astype_p(v, dtype=floats)
    # out[k] = sum_j a[k - j] v[j]: a padded by m - 1 zeros each side, gathered at k - j + m - 1
    windows = getitem(pad(a, (m - 1, m - 1)), _convolve_rows(n, m, mode)[:, None] - _np.arange(m)[None, :] + m - 1)
    return matmul(windows, v)


def _convolve_rows(n: int, m: int, mode: str):
    if mode == "full":
        return _np.arange(n + m - 1)
    if mode == "same":
        return _np.arange(n) + (m - 1) // 2
    if mode == "valid":
        return _np.arange(n - m + 1) + m - 1
    raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', not {mode!r}")


def correlate(a, v, mode="valid"):
    """NumPy's ``correlate`` of two real 1-d arrays: ``convolve(a, v[::-1])`` (complex ones, which it conjugates,
    are refused)."""
    a, v = asarray(a), asarray(v)
    real_only("correlate", a, v)
    if ndim(v) == 1 and ndim(a) == 1 and shape(v)[0] > shape(a)[0]:  # NumPy's: correlate(v, a) reversed
        return flip(convolve(v, flip(a, 0), mode), 0)
    return convolve(a, flip(v, 0), mode)


def _sliced(f, axis: int, start, stop):
    return getitem(f, _along(ndim(f), axis, slice(start, stop)))


def _gradient_along(f, h, axis: int):
    n = ndim(f)
    upper = _p.subtract_p(_sliced(f, axis, 1, 2), _sliced(f, axis, 0, 1))
    lower = _p.subtract_p(_sliced(f, axis, -1, None), _sliced(f, axis, -2, -1))
    if ndim(h) == 0:
        inner = _p.divide_p(_p.multiply_p(_p.subtract_p(_sliced(f, axis, 2, None), _sliced(f, axis, None, -2)), 0.5), h)
        return concatenate([_p.divide_p(upper, h), inner, _p.divide_p(lower, h)], axis=axis)
    if ndim(h) != 1 or shape(h)[0] != shape(f)[axis]:
        raise ValueError("gradient: spacing arrays must be 1-d, as long as the axis they are for")
    h = reshape(h, _column(n, axis))
    upper = _p.divide_p(upper, _p.subtract_p(_sliced(h, axis, 1, 2), _sliced(h, axis, 0, 1)))
    lower = _p.divide_p(lower, _p.subtract_p(_sliced(h, axis, -1, None), _sliced(h, axis, -2, -1)))
    dx1 = _p.subtract_p(_sliced(h, axis, 1, -1), _sliced(h, axis, 0, -2))
    dx2 = _p.subtract_p(_sliced(h, axis, 2, None), _sliced(h, axis, 1, -1))
    c0 = _p.divide_p(_p.negative_p(dx2), _p.multiply_p(dx1, _p.add_p(dx1, dx2)))
    c1 = _p.divide_p(_p.subtract_p(dx2, dx1), _p.multiply_p(dx1, dx2))
    c2 = _p.divide_p(dx1, _p.multiply_p(dx2, _p.add_p(dx1, dx2)))
    inner = _p.add_p(_p.add_p(_p.multiply_p(c0, _sliced(f, axis, 0, -2)), _p.multiply_p(c1, _sliced(f, axis, 1, -1))),
                     _p.multiply_p(c2, _sliced(f, axis, 2, None)))
    return concatenate([upper, inner, lower], axis=axis)


def _spacing(varargs, k: int):
    if len(varargs) == 0:
        return 1.0
    return varargs[0] if len(varargs) == 1 else varargs[k]


def _real(x):
    """The dtype a float result of ``x`` has, as JAX's: a float ``x``'s (float32 stays float32), else float64."""
    return _p.result_dtype(x) if _p.is_float(x) else _np.float64


def _spacing_array(f, h):
    """A Python number is weak, as in JAX (a float32 ``f``'s gradient with spacing 0.5 is float32)."""
    return _np.asarray(_p.primal(h), _real(_p.primal(f))) if type(h) in (int, float) else asarray(h)


def gradient(f, *varargs, axis=None, edge_order=None):
    """NumPy's ``gradient`` as JAX's: central differences inside, one-sided (first order) at the edges;
    the spacings (one number, or coordinates, per axis) may be active. Several axes give a list."""
    if edge_order is not None:
        raise NotImplementedError("gradient: edge_order is not supported (as in JAX: first-order edges)")
    f = asarray(f)
    axes = tuple(range(ndim(f))) if axis is None else _axes(axis, ndim(f))
    if len(varargs) not in (0, 1, len(axes)):
        raise TypeError(f"gradient: {len(varargs)} spacings for {len(axes)} axes")
    if _np.min(_np.asarray(shape(f))[list(axes)], initial=2) < 2:
        raise ValueError("gradient: the array is too small (each axis needs at least 2 entries)")
    out = [_gradient_along(f, _spacing_array(f, _spacing(varargs, k)), axes[k]) for k in range(len(axes))]
    return out[0] if len(axes) == 1 else out


def ediff1d(ary, to_end=None, to_begin=None):
    """The differences of the flattened ``ary``, with ``to_begin`` and ``to_end`` around them."""
    d = diff(ravel(ary))
    if to_begin is not None:
        d = concatenate([ravel(asarray(to_begin)), d])
    if to_end is not None:
        d = concatenate([d, ravel(asarray(to_end))])
    return d


def unwrap(p, discont=None, axis=-1, period=2 * _np.pi):
    """``p`` with jumps of more than ``discont`` along ``axis`` taken back by multiples of ``period``, as jnp's:
    the corrections are a cumulative sum of ``mod``'s, whose derivative cancels the differences' (JAX's too)."""
    p = asarray(p)
    axis = _axes(axis, ndim(p))[0]
    if shape(p)[axis] == 0:
        return p
    discont = period / 2 if discont is None else discont
    interval = period // 2 if not _p.is_float(p) else period / 2
    dd = diff(p, axis=axis)
    ddmod = _p.subtract_p(remainder(_p.add_p(dd, interval), period), interval)
    ddmod = where((_p.primal(ddmod) == -interval) & (_p.primal(dd) > 0), interval, ddmod)
    correct = where(_p.primal(abs(dd)) < discont, 0, _p.subtract_p(ddmod, dd))
    first = getitem(p, _along(ndim(p), axis, slice(0, 1)))
    rest = _p.add_p(getitem(p, _along(ndim(p), axis, slice(1, None))), cumsum(correct, axis))
    return concatenate([first, rest], axis)


__all__ = ["unwrap", "searchsorted", "digitize", "interp", "convolve", "correlate", "gradient", "ediff1d"]
