"""Edits of arrays as ``jax.numpy`` makes them, functional (a new array): ``copy``, ``insert``, ``delete``,
``resize``, ``trim_zeros``, ``put_along_axis`` and ``fill_diagonal`` (``inplace=False``, as jnp requires),
``block``, ``compress``, ``extract``, ``choose``, ``piecewise``, ``partition`` (and the constant
``argpartition``), ``apply_along_axis``, ``apply_over_axes``, ``rollaxis`` and ``dsplit``.

Each is a gather, a scatter, a concatenation or a ``where`` of existing primitives: where the entries go is
found on primal values (by NumPy itself on an array of positions, so its broadcasting and cycling rules are
NumPy's), and the derivative is the gather's or the scatter's, as in JAX.
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.numpy.assembly import split
from adcompare.numpy.elementwise import where
from adcompare.numpy.numerics import take, take_along_axis
from adcompare.numpy.shapes import (
    _axis,
    _copied,
    _owned,
    _sorted_index,
    argsort,
    asarray,
    astype,
    concatenate,
    expand_dims,
    getitem,
    index_update,
    moveaxis,
    ndim,
    ravel,
    reshape,
    shape,
    stack,
)


def _inplace(name: str) -> str:
    return (f"{name}: inplace=True (at {user_location()}) is refused, as jnp's (arrays are not written in place): "
            f"pass inplace=False and use the result")


def _unsupported(name: str, keyword: str) -> str:
    return f"{name}: {keyword}= (at {user_location()}) is not supported here"


def _positions(s: tuple) -> _np.ndarray:
    """The flat position of each entry of an array of shape ``s``: NumPy's edits of it say where entries go."""
    return _np.arange(int(_np.prod(s, dtype=_np.int64))).reshape(s)


def copy(a, order=None):
    """A new array of ``a``'s values (a new active value: writing into it leaves ``a`` as it is)."""
    return _copied(asarray(a))


def insert(arr, obj, values, axis=None):
    """``values`` (cast to ``arr``'s dtype) inserted before ``obj`` along ``axis`` (of the flattened ``arr`` if
    None): a gather from ``arr`` and ``values`` together, at the positions NumPy's ``insert`` gives."""
    arr, values = asarray(arr), asarray(values)
    n = int(_np.prod(shape(arr), dtype=_np.int64))
    mine = _positions(shape(arr))
    theirs = _positions(shape(values)) + n
    index = _np.insert(mine, _p.primal(obj), theirs, axis=axis)
    if _p.result_dtype(values) != _p.result_dtype(arr):
        values = astype(values, _p.result_dtype(arr))
    return getitem(concatenate([ravel(arr), ravel(values)], 0), index)


def delete(arr, obj, axis=None, *, assume_unique_indices=False):
    """``arr`` without the entries (rows, ...) ``obj`` along ``axis`` (of the flattened ``arr`` if None)."""
    arr = asarray(arr)
    return getitem(ravel(arr), _np.delete(_positions(shape(arr)), _p.primal(obj), axis=axis))


def resize(a, new_shape):
    """``a``'s entries repeated cyclically into ``new_shape``, as NumPy's (and jnp's) ``resize``."""
    a = asarray(a)
    new_shape = (new_shape,) if isinstance(new_shape, _p.INTEGERS) else tuple(new_shape)
    count = int(_np.prod(new_shape, dtype=_np.int64))
    return reshape(getitem(ravel(a), _np.arange(count) % max(_positions(shape(a)).size, 1)), new_shape)


def trim_zeros(filt, trim="fb", axis=None):
    """``filt`` without its leading (``'f'``) and trailing (``'b'``) zeros: the bounds are found on the primal."""
    if axis is not None:
        raise NotImplementedError(_unsupported("trim_zeros", "axis"))
    filt = asarray(filt)
    nonzero = _np.flatnonzero(_np.asarray(_p.primal(filt)) != 0)
    if nonzero.size == 0:
        return getitem(filt, slice(0, 0))
    start = int(nonzero[0]) if "f" in trim.lower() else 0
    stop = int(nonzero[-1]) + 1 if "b" in trim.lower() else shape(filt)[0]
    return getitem(filt, slice(start, stop))


def put_along_axis(arr, indices, values, axis, inplace=True, *, mode=None):
    """``arr`` with ``values`` written at ``indices`` along ``axis`` (JAX's ``.at[...].set``)."""
    if mode is not None:
        raise NotImplementedError(_unsupported("put_along_axis", "mode"))
    if inplace:
        raise ValueError(_inplace("put_along_axis"))
    arr, indices = asarray(arr), _p.primal(_p.pack(indices))  # (a JAX tracer under jax.jit stays one)
    if axis is None:
        return reshape(index_update(ravel(arr), indices, values), shape(arr))
    return index_update(arr, _sorted_index(shape(arr), indices, _axis(axis, ndim(arr))), values)


def fill_diagonal(a, val, wrap=False, *, inplace=True):
    """``a`` with its main diagonal set to ``val``'s entries, repeated cyclically (``wrap``: as NumPy's)."""
    if inplace:
        raise ValueError(_inplace("fill_diagonal"))
    a, val = asarray(a), ravel(asarray(val))
    s, size = shape(a), _positions(shape(a)).size
    if len(s) == 2:  # NumPy's: every (columns + 1)-th flat entry, up to the square's end unless ``wrap``
        step, end = s[1] + 1, (size if wrap else s[1] * s[1])
    else:
        step, end = 1 + int(_np.sum(_np.cumprod(s[:-1]))), size
    where_ = _np.arange(size)[:end:step]
    entries = getitem(val, _np.arange(where_.size) % shape(val)[0])
    return reshape(index_update(ravel(a), where_, entries), shape(a))


def put(a, ind, v, mode=None, *, inplace=True):
    """``a`` (flattened) with ``v``'s entries, repeated cyclically, written at ``ind``, as jnp's ``put``
    (``inplace=False``). Indices out of range are clipped (``mode='clip'``: to ``[0, size - 1]``), wrapped
    (``'wrap'``), or by default, as jnp's (its ``unravel_index`` clamps), counted from the end if negative (-1 is
    the last entry) and then clipped; another mode is refused by name, as jnp refuses it."""
    if inplace:
        raise ValueError(_inplace("put"))
    if mode not in (None, "clip", "wrap"):
        raise ValueError(f"put: mode={mode!r} (at {user_location()}); mode should be one of 'wrap' or 'clip' (or "
                         f"None), as jnp.put's")
    a, v = asarray(a), ravel(asarray(v))
    index, size = _np.ravel(_np.asarray(_p.primal(ind))), _positions(shape(a)).size
    if mode == "wrap":
        index = index % max(size, 1)
    else:
        index = _np.clip(index if mode == "clip" else _np.where(index < 0, index + size, index), 0, max(size - 1, 0))
    if size == 0 or index.size == 0 or shape(v)[0] == 0:
        return a
    values = getitem(v, _np.arange(index.size) % shape(v)[0])
    return reshape(index_update(ravel(a), index, values), shape(a))


def _block_dims(arrays) -> tuple:
    """The nesting depth of ``block``'s lists and the number of axes of its result (a constant)."""
    if not isinstance(arrays, list):
        return 0, _np.ndim(_p.primal(arrays))
    inner = [_block_dims(a) for a in arrays]
    return 1 + inner[0][0], max([1 + inner[0][0]] + [dims for _, dims in inner])


def _block(arrays, level: int, depth: int, dims: int):
    if not isinstance(arrays, list):
        a = asarray(arrays)
        return reshape(a, (1,) * (dims - ndim(a)) + shape(a))
    return concatenate([_block(a, level + 1, depth, dims) for a in arrays], level - depth)


def block(arrays):
    """The array assembled from nested lists of blocks: the innermost lists joined along the last axis,
    the next along the one before, as NumPy's ``block``."""
    depth, dims = _block_dims(arrays)
    return _owned(_block(arrays, 0, depth, dims), arrays)  # (block(x) of an array x: a copy of it, as NumPy's)


def compress(condition, a, axis=None, *, size=None, fill_value=0, out=None):
    """The slices of ``a`` along ``axis`` (flattened if None) where ``condition`` (constant) holds; with ``size``, as
    jnp's: the first ``size`` of them, then slices of ``fill_value`` (differentiated, as JAX's) up to ``size``."""
    if out is not None:
        raise NotImplementedError(_unsupported("compress", "out"))
    picked = _np.flatnonzero(_np.asarray(_p.primal(_p.pack(condition))))
    if axis is None:
        a, axis = ravel(asarray(a)), 0
    if size is None:
        return take(a, picked, axis)
    n = shape(a)[_axis(axis, ndim(a))]
    if not 0 < size <= n:  # (jnp's bounds)
        raise ValueError(f"compress: size={size} must be positive and at most the axis' length {n}")
    axis = _axis(axis, ndim(a))
    kept = take(a, picked[:size], axis)
    s = shape(kept)
    filler = _np.zeros(s[:axis] + (size - s[axis],) + s[axis + 1:])
    filler = _p.astype_p(_p.add_p(filler, fill_value), dtype=_p.result_dtype(a))  # in a's dtype, as jnp's
    return concatenate([kept, filler], axis=axis)


def extract(condition, arr, *, size=None, fill_value=0):
    return compress(ravel(asarray(condition)), ravel(asarray(arr)), size=size, fill_value=fill_value)


def _compress_method(a, condition, axis=None):
    """``a.compress(condition, axis)``, NumPy's method: :func:`compress` with the array first."""
    return compress(condition, a, axis)


def choose(a, choices, out=None, mode="raise"):
    """Entry ``i`` of ``choices[a[i]]`` (broadcast together); ``mode`` ``'wrap'`` or ``'clip'`` as NumPy's."""
    if out is not None:
        raise NotImplementedError(_unsupported("choose", "out"))
    index = _p.primal(_p.pack(a))
    n = len(choices)
    if mode == "wrap":
        index = index % n
    elif mode == "clip":
        xp = _p.namespace((index,))
        index = xp.minimum(xp.maximum(index, 0), n - 1)
    elif _np.size(index) and (_np.min(index) < 0 or _np.max(index) >= n):
        raise ValueError(f"choose: an index out of range for {n} choices (at {user_location()}); "
                         f"mode='wrap' or 'clip' takes such indices")
    out = choices[n - 1]
    for i in range(n - 2, -1, -1):
        out = where(index == i, choices[i], out)
    return _owned(asarray(out), choices[n - 1])  # (one choice: a new array of its values, as NumPy's)


def piecewise(x, condlist, funclist, *args, **kw):
    """``funclist[i](x)`` (or the value ``funclist[i]``) where ``condlist[i]`` holds, the last such ``i``; one
    more function than conditions is the default. Every function is evaluated on all of ``x``, as in JAX, and the
    conditions are ``condlist``'s rows, as jnp reads them; a single 1-d condition, which NumPy reads as one, is
    read so only where jnp would raise, and refused by name where the two readings both fit."""
    x = asarray(x)
    packed = _p.primal(_p.pack(condlist))
    stacked = packed if _np.ndim(packed) else packed[None]  # jnp reads the conditions as condlist's rows
    conds = list(stacked)
    if _np.ndim(packed) == 1 and ndim(x) >= 1:  # NumPy reads one 1-d condition array (or list of bools) as one
        numpy_fits, jax_fits = len(funclist) in (1, 2), len(funclist) in (len(conds), len(conds) + 1)
        if numpy_fits and jax_fits:
            raise ValueError(f"piecewise: a single 1-d condition (at {user_location()}) is one condition to "
                             f"NumPy's piecewise and {len(conds)} conditions (one per entry) to JAX's: pass "
                             f"[cond] for one condition, or list(cond) for one per entry")
        stacked = packed[None] if numpy_fits else stacked  # NumPy's reading only where JAX's would raise
        conds = list(stacked)
    if len(funclist) == len(conds) + 1:
        conds = [~_p.namespace((stacked,)).any(stacked, axis=0)] + conds
        funclist = [funclist[-1]] + list(funclist[:-1])
    elif len(funclist) != len(conds):
        raise ValueError(f"piecewise: {len(funclist)} functions for {len(conds)} conditions "
                         f"(at {user_location()}): give one per condition, or one more (the default)")
    out = _p.multiply_p(x, 0)
    for cond, f in zip(conds, funclist):
        value = f(x, *args, **kw) if callable(f) else f
        out = where(cond, value, out)
    return out


def _partition_order(a, kth, axis, values: bool):
    """jnp's partition order along ``axis``: the ``kth + 1`` smallest ascending (``lax.top_k``'s, stable), then
    the others, by value descending for ``partition`` (``values``), by index for ``argpartition`` (a constant)."""
    pa = _p.primal(_p.pack(a))
    if axis is None:
        pa, axis = _p.namespace((pa,)).ravel(pa), 0
    axis = _axis(axis, _np.ndim(pa))
    n = _np.shape(pa)[axis]
    kth = kth + n if kth < 0 else kth
    head, tail = (slice(None),) * axis + (slice(0, kth + 1),), (slice(None),) * axis + (slice(kth + 1, n),)
    if values:
        rest = argsort(pa, axis, descending=True)[(slice(None),) * axis + (slice(0, n - kth - 1),)]
    else:  # the indices not among the smallest, in order: a stable sort of "is not among them"
        rest = argsort(argsort(argsort(pa, axis), axis) > kth, axis)[tail]
    return concatenate([argsort(pa, axis)[head], rest], axis), pa, axis


def argpartition(a, kth, axis=-1):
    return _partition_order(a, kth, axis, False)[0]


def partition(a, kth, axis=-1):
    """``a``'s ``kth + 1`` smallest entries ascending, then the others descending, as jnp's (a gather, so its
    derivative is JAX's)."""
    order, pa, axis = _partition_order(a, kth, axis, True)
    return take_along_axis(ravel(a) if _np.ndim(pa) != ndim(a) else a, order, axis)


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """``func1d`` of each 1-d slice of ``arr`` along ``axis``; its result's axes take ``axis``'s place."""
    arr = asarray(arr)
    axis = _axis(axis, ndim(arr))
    moved = moveaxis(arr, axis, -1)
    rest = shape(moved)[:-1]
    rows = reshape(moved, (int(_np.prod(rest, dtype=_np.int64)), shape(moved)[-1]))
    out = stack([asarray(func1d(getitem(rows, i), *args, **kwargs)) for i in range(shape(rows)[0])], 0)
    inner = shape(out)[1:]
    out = reshape(out, rest + inner)
    for k in range(len(inner)):
        out = moveaxis(out, len(rest) + k, axis + k)
    return out


def apply_over_axes(func, a, axes):
    """``func(a, axis)`` for each axis in turn, its result given back a reduced axis (as NumPy's)."""
    a = asarray(a)
    for axis in (axes,) if isinstance(axes, _p.INTEGERS) else axes:
        res = asarray(func(a, axis))
        a = res if ndim(res) == ndim(a) else expand_dims(res, axis if axis >= 0 else axis + ndim(a))
    return a


def rollaxis(a, axis, start=0):
    """``a`` with ``axis`` moved to just before ``start`` (NumPy's older form of :func:`moveaxis`)."""
    n = ndim(a)
    axis = _axis(axis, n)
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1
    return a if axis == start else moveaxis(a, axis, start)


def fromfunction(function, shape, *, dtype=float, **kwargs):
    """``function`` of the index grids of ``shape`` (constants; what ``function`` closes over differentiates)."""
    return function(*_np.indices(shape, dtype=dtype), **kwargs)


def dsplit(ary, indices_or_sections):
    return split(ary, indices_or_sections, 2)


__all__ = ["copy", "insert", "delete", "resize", "trim_zeros", "put_along_axis", "fill_diagonal", "block",
           "compress", "extract", "choose", "piecewise", "argpartition", "partition", "apply_along_axis",
           "apply_over_axes", "rollaxis", "dsplit", "fromfunction", "put"]
