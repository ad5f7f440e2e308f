"""NumPy 2's array-API names and small compositions: ``concat``, ``permute_dims``, ``matrix_transpose``,
``cumulative_sum``, ``cumulative_prod``, ``vecdot``, ``matvec``, ``vecmat``, ``unstack``,
``broadcast_arrays``, ``diagflat``, ``positive``, ``divmod``; the constants ``logspace``, ``geomspace`` and
NumPy's window functions (``hamming``...). Each is a composition, so its derivatives are its parts'.
"""

from __future__ import annotations

import numpy as _np

from adcompare.numpy.assembly import diag
from adcompare.numpy.constants import _refuse_active
from adcompare.numpy.elementwise import floor_divide, multiply, remainder
from adcompare.numpy.linalg import matrix_transpose, vecdot
from adcompare.numpy.reductions import cumprod, cumsum, sum
from adcompare.numpy.shapes import (
    _axis,
    _owned,
    asarray,
    broadcast_to,
    concatenate,
    expand_dims,
    getitem,
    ndim,
    ravel,
    shape,
    transpose,
)

concat, permute_dims = concatenate, transpose
bartlett, blackman, hamming, hanning, kaiser = _np.bartlett, _np.blackman, _np.hamming, _np.hanning, _np.kaiser


def _cumulative(x, axis, include_initial: bool, scan, initial: float):
    x = asarray(x)
    if axis is None:
        if ndim(x) > 1:
            raise ValueError("cumulative_sum/cumulative_prod: axis is required for arrays of more than one dimension")
        axis = 0
    axis = _axis(axis, ndim(x))
    out = scan(x, axis)
    if not include_initial:
        return out
    first = _np.full(shape(x)[:axis] + (1,) + shape(x)[axis + 1:], initial)
    return concatenate([first, out], axis=axis)


def cumulative_sum(x, axis=None, include_initial=False):
    """NumPy 2's ``cumulative_sum``: ``cumsum`` along ``axis`` (optional for 1-d), a leading 0 if asked."""
    return _cumulative(x, axis, include_initial, cumsum, 0.0)


def cumulative_prod(x, axis=None, include_initial=False):
    return _cumulative(x, axis, include_initial, cumprod, 1.0)


def matvec(x1, x2):
    """Matrices times vectors, broadcast over the leading axes."""
    return sum(multiply(x1, expand_dims(x2, -2)), -1)


def vecmat(x1, x2):
    return sum(multiply(expand_dims(x1, -1), x2), -2)


def unstack(x, axis=0):
    """The slices along ``axis``, as a tuple."""
    axis = _axis(axis, ndim(x))
    return tuple(getitem(x, (slice(None),) * axis + (i,)) for i in range(shape(x)[axis]))


def broadcast_arrays(*args):
    """Each argument broadcast to their common shape (a list, as JAX's). As NumPy's, an argument of that shape is
    returned as it is (a write into it is a write into the argument), the others as read-only broadcast views."""
    common = ()
    for a in args:
        common = _np.broadcast_shapes(common, shape(a))
    out = []
    for a in args:
        a = asarray(a)
        out.append(a if shape(a) == common else broadcast_to(a, common))
    return out


def diagflat(v, k=0):
    return diag(ravel(v), k)


def positive(x):
    """``+x``: a new array of ``x``'s values, as NumPy's ufunc makes one (a write into it leaves ``x`` alone); a
    Python number stays one, as ``negative``'s does (weak in JAX's promotion: ``+2.0`` times float32 is float32)."""
    if isinstance(x, (int, float, complex)) and not isinstance(x, bool):
        return x  # (itself: +x would be SCT's call of this function again)
    return _owned(asarray(x), x)


def divmod(x1, x2):
    """``(floor_divide(x1, x2), remainder(x1, x2))``: the quotient is a constant, as JAX's."""
    return floor_divide(x1, x2), remainder(x1, x2)


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    _refuse_active("logspace", "write base ** (start + (stop - start) * anp.linspace(0.0, 1.0, num)) to "
                   "differentiate the ends", start, stop, base)
    return _np.logspace(start, stop, num, endpoint=endpoint, base=base, dtype=dtype, axis=axis)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    _refuse_active("geomspace", "write start * (stop / start) ** anp.linspace(0.0, 1.0, num) to differentiate "
                   "the ends", start, stop)
    return _np.geomspace(start, stop, num, endpoint=endpoint, dtype=dtype, axis=axis)


__all__ = ["concat", "permute_dims", "matrix_transpose", "cumulative_sum", "cumulative_prod", "vecdot", "matvec",
           "vecmat", "unstack", "broadcast_arrays", "diagflat", "positive", "divmod", "logspace", "geomspace",
           "bartlett", "blackman", "hamming", "hanning", "kaiser"]
