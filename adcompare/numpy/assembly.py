"""Assembly: stacks, splits, diagonals, triangles, ``select`` and ``atleast_*d`` (``pad`` is :mod:`.padding`'s).

Each name is a composition of primitives (``diagonal`` is one: NumPy's is a view):
stacks are concatenations, splits are getitems, ``diag`` of a vector writes the values
into a constant array (``index_update``), ``tril``/``triu``/``select`` are
``where`` with constant conditions. So each derivative is exactly that of its
parts. Index arithmetic happens on shapes, in private helpers.
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.numpy.constants import arange, linspace, zeros
from adcompare.numpy.elementwise import where
from adcompare.numpy.reductions import sum as _sum
from adcompare.numpy.shapes import _axis, asarray, concatenate, ndim, shape


def _grown(tup, grow) -> list:
    out = []
    for a in tup:
        out.append(_p.reshape_p(a, shape=grow(shape(a))))
    return out


def atleast_1d(*arys):
    return _atleast(arys, _one_d)


def atleast_2d(*arys):
    return _atleast(arys, _two_d)


def atleast_3d(*arys):
    return _atleast(arys, _three_d)


def _atleast(arys, grow):
    out = _grown(arys, grow)
    if len(out) == 1:
        return out[0]
    return out


def _one_d(s: tuple) -> tuple:
    return s if len(s) >= 1 else (1,)


def _two_d(s: tuple) -> tuple:
    return s if len(s) >= 2 else (1,) * (2 - len(s)) + s


def _three_d(s: tuple) -> tuple:
    if len(s) >= 3:
        return s
    return {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)]


def hstack(tup):
    arrays = _grown(tup, _one_d)
    return concatenate(arrays, axis=0 if ndim(arrays[0]) == 1 else 1)


def vstack(tup):
    return concatenate(_grown(tup, _two_d), axis=0)


def column_stack(tup):
    return concatenate(_grown(tup, _column), axis=1)


def _column(s: tuple) -> tuple:
    return (s[0], 1) if len(s) == 1 else (1, 1) if len(s) == 0 else s


# --------------------------------------------------------------------------
# Splits: getitems of consecutive blocks


def _bounds(n: int, indices_or_sections, equal: bool) -> list:
    if isinstance(indices_or_sections, int) or _np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0")
        if equal and n % sections:
            raise ValueError("array split does not result in an equal division")
        each, extra = divmod(n, sections)
        sizes = [each + 1] * extra + [each] * (sections - extra)
        return [sum(sizes[:i]) for i in range(sections + 1)]
    return [0] + [int(i) for i in indices_or_sections] + [n]


def _blocks(s: tuple, indices_or_sections, axis: int, equal: bool) -> list:
    b = _bounds(s[axis], indices_or_sections, equal)
    return [(slice(None),) * axis + (slice(b[i], b[i + 1]),) for i in range(len(b) - 1)]


def array_split(x, indices_or_sections, axis=0):
    out = []
    for idx in _blocks(shape(x), indices_or_sections, _axis(axis, ndim(x)), False):
        out.append(_p.getitem_p(x, idx=idx))
    return out


def split(x, indices_or_sections, axis=0):
    out = []
    for idx in _blocks(shape(x), indices_or_sections, _axis(axis, ndim(x)), True):
        out.append(_p.getitem_p(x, idx=idx))
    return out


def hsplit(x, indices_or_sections):
    if ndim(x) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(x, indices_or_sections, 1 if ndim(x) > 1 else 0)


def vsplit(x, indices_or_sections):
    if ndim(x) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(x, indices_or_sections, 0)


# --------------------------------------------------------------------------
# Diagonals and triangles


def _diagonal_index(n1: int, n2: int, offset: int) -> tuple:
    count = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    rows = _np.arange(count) + max(-offset, 0)
    return rows, rows - max(-offset, 0) + max(offset, 0)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """NumPy's ``diagonal``: on a NumPy array a read-only view (a write into ``x`` shows in it)."""
    if ndim(x) < 2:
        raise ValueError("diagonal requires an array of at least two dimensions")
    n = ndim(x)
    a1, a2 = _axis(axis1, n, "axis1"), _axis(axis2, n, "axis2")
    if a1 == a2:
        raise ValueError("axis1 and axis2 cannot be the same")
    return _p.diagonal_p(x, offset=offset, axis1=a1, axis2=a2)


def trace(x, offset=0, axis1=0, axis2=1, dtype=None):
    return _sum(diagonal(x, offset, axis1, axis2), axis=-1, dtype=dtype)


def diag(v, k=0):
    """The diagonal of a matrix, or the square matrix with the vector ``v`` on its k-th diagonal."""
    if ndim(v) == 2:
        return diagonal(v, k)
    if ndim(v) != 1:
        raise ValueError("diag: input must be 1- or 2-d")
    n = shape(v)[0] + abs(k)
    return _p.index_update_p(zeros((n, n), like=v), v, idx=_diagonal_index(n, n, k))


def _triangle(x, k, upper: bool):
    if ndim(x) < 2:
        raise ValueError(f"{'triu' if upper else 'tril'}: input must be at least 2-d")
    s, x = shape(x), asarray(x)
    below = _np.tri(s[-2], s[-1], k - 1 if upper else k, dtype=bool)
    return where(~below if upper else below, x, _np.zeros((), _p.result_dtype(_p.primal(x))))  # in x's dtype


def tril(x, k=0):
    return _triangle(x, k, False)


def triu(x, k=0):
    return _triangle(x, k, True)


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, elementwise (``default`` where none does)."""
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    out = default
    for i in range(len(condlist) - 1, -1, -1):
        out = where(condlist[i], choicelist[i], out)
    return out


class _Concatenator:
    """NumPy's ``r_`` (the items joined along the first axis, a scalar as one entry) and ``c_`` (along the last,
    a scalar or a 1-d item as a column). An item is an array, a scalar or a slice, ``a:b:s`` an ``arange`` and
    ``a:b:nj`` a ``linspace`` of n points (constants); NumPy's directive strings (``r_['0,2', ...]``) are refused."""

    def __init__(self, columns: bool):
        self.columns = columns

    def __getitem__(self, items):
        parts = []
        for item in items if isinstance(items, tuple) else (items,):
            if isinstance(item, str):
                raise NotImplementedError(f"{'c_' if self.columns else 'r_'}[{item!r}, ...] (at {user_location()}): "
                                          "directive strings are not supported; use concatenate with axis=")
            a = asarray(_span(item) if isinstance(item, slice) else item)
            grow = (-1, 1) if self.columns and ndim(a) <= 1 else (1,) if ndim(a) == 0 else None
            parts.append(a if grow is None else _p.reshape_p(a, shape=grow))
        return concatenate(parts, -1 if self.columns else 0)


def _span(s: slice):
    start, step = 0 if s.start is None else s.start, 1 if s.step is None else s.step
    if isinstance(step, complex):  # a:b:nj, n points from a to b
        return linspace(start, s.stop, int(abs(step)))
    return arange(start, s.stop, step)


r_, c_ = _Concatenator(False), _Concatenator(True)
