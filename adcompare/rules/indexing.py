"""getitem's VJP on NumPy cotangents, for the SCT runtime's fast paths (no boxes, no tracers, no
primitive dispatch): the same sums as ``index_add`` (:func:`adcompare.primitives.index_add_numpy`, the
primitive's NumPy implementation, and :func:`adcompare.primitives.index_add_into`, its in-place form).

``getitem_vjp_numpy(g, idx, xshape)`` is ``index_add`` of a NumPy ``g`` for an operand of shape
``xshape`` (fresh zeros, ``g`` written at ``idx``); ``getitem_vjp_into(g, idx, into)`` adds it into
``into`` in place and returns ``into``: for an accumulating cotangent, a NumPy array of the result's
shape and dtype that nothing else holds (the caller checks); ``getitem_vjp_tiled(gs)`` is the sum of
the pull-backs of slices that tile the first axis.

NumPy's in-place ufunc sets up an iterator (~0.7 us, more than a small sum) for an operand of one
element or a non-contiguous one of two or more dimensions (det's minors, cut from a concatenation's
cotangent); one-dimensional operands, strided or not, and contiguous ones take its cheap loop. So a
view of one element takes Python's sum, a view that is a line (one axis longer than 1: a column of a
minor) is added as the one-dimensional view it is, and another small non-contiguous view is summed
in a contiguous copy and copied back: each the same IEEE sums, element by element.
"""

from __future__ import annotations

import numpy as np

from adcompare import primitives as p

getitem_vjp_numpy = p.index_add_numpy
_ND, _F64, _F64_T = np.ndarray, np.dtype(np.float64), np.float64
_SMALL = 4096  # elements: up to here two copies of a view cost less than NumPy's iterator set-up (~0.7 us)


def getitem_vjp_into(g, idx, into: np.ndarray) -> np.ndarray:
    """``p.index_add_into(g, idx, into)``, the same sums, telling basic from advanced indexing by
    what ``into[idx]`` gave instead of by walking ``idx``: a view of ``into`` (basic indexing names
    each position once) takes ``g`` in place; one element (a NumPy scalar) is added to; anything
    else (integer or boolean arrays, which may repeat a position) goes through ``np.add.at``."""
    view = into[idx]
    if type(view) is not _ND:
        into[idx] = view + g  # one element: ``into[idx] += g`` without indexing twice
        return into
    if view.base is not into:
        np.add.at(into, idx, g)
        return into
    n = view.size
    if n == 1:
        if type(g) is not _ND or g.ndim <= view.ndim:  # else ``+=`` raises: g does not fit
            tg = type(g)  # float64 numbers: Python's sum is the same IEEE sum, without a ufunc (~0.6 us)
            if view.dtype is _F64 and (tg is float or tg is _F64_T or tg is _ND and g.dtype is _F64 and g.size == 1):
                view.fill(view.item() + (g if tg is float else g.item()))
            else:
                view[...] = view + g  # of view's dtype: g's fits it, as the caller checks
            return into
    elif view.ndim > 1 and n <= _SMALL and not view.flags.c_contiguous:
        shape = view.shape
        if n in shape and type(g) is _ND and g.shape == shape:  # a line: one axis of n, the others 1
            line = view.reshape(n)  # a view of ``into`` (one axis longer than 1), whatever the strides
            if line.base is into:
                line += g.reshape(n)  # one-dimensional operands (strided or not): NumPy's cheap loop
                return into
        summed = view.copy()
        summed += g.copy() if type(g) is _ND and g.ndim > 1 and not g.flags.c_contiguous else g
        view[...] = summed
        return into
    view += g
    return into


def getitem_vjp_tiled(gs: list) -> np.ndarray:
    """The sum of ``getitem_vjp_numpy(g_k, s_k, shape)`` over NumPy cotangents ``g_k`` of slices ``s_k``
    that tile ``shape``'s first axis (in its order, each of its block's shape, one dtype): each
    position takes one ``g_k``'s value and zeros elsewhere, so the sum is their concatenation."""
    return np.concatenate(gs)
