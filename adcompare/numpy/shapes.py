"""Shape, assembly and indexing; ``asarray``/``array`` pack nested lists (active values too)."""

from __future__ import annotations

import copy as _copy
import math as _math

import numpy as _np

from adcompare import primitives as _p


def transpose(x, axes=None):
    return _p.transpose_p(x, axes=None if axes is None else tuple(axes))


def reshape(x, shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _p.reshape_p(x, shape=shape)


def broadcast_to(x, shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _p.broadcast_to_p(x, shape=shape)


def concatenate(arrays, axis=0):
    return _p.concatenate_p(*arrays, axis=axis)


def stack(arrays, axis=0):
    return _p.stack_p(*arrays, axis=axis)


def getitem(x, idx):
    return _p.getitem_p(x, idx=idx)


def index_update(x, idx, v):
    """``x`` with ``x[idx]`` replaced by ``v`` (broadcast), as a new value: JAX's ``x.at[idx].set(v)``.

    ``y[idx] = v`` on an active ``y`` does this and rebinds ``y`` in place.
    """
    if isinstance(v, _p.Box) and not _p.is_float(x):
        raise TypeError(f"index_update: writing an active value into an array of dtype "
                        f"{_p.result_dtype(x)} would drop its derivative; make the array float, "
                        f"e.g. anp.zeros(shape, like=v)")
    return _p.index_update_p(x, v, idx=idx)


def asarray(a, dtype=None):
    """``a`` as an array. Nested lists and tuples (of active values too) are packed as
    ``jnp.asarray`` packs them; an active value is returned as it is."""
    a = _p.pack(a)
    if isinstance(a, _p.Box):
        if dtype is not None and _np.dtype(dtype) != a.dtype:
            raise NotImplementedError(f"asarray cannot change the dtype of an active value "
                                      f"({a.dtype} to {_np.dtype(dtype)})")
        return a
    xp = _p.namespace((a,))
    return xp.asarray(a) if dtype is None else xp.asarray(a, dtype=dtype)


def array(a, dtype=None):
    """As :func:`asarray`, but always a new value: writing into it by index leaves ``a`` alone."""
    packed = asarray(a, dtype)
    if packed is a:
        return _copy.copy(a) if isinstance(a, _p.Box) else _p.namespace((a,)).array(a)
    return packed


def shape(x):
    return _p.shape(x)


def ndim(x):
    return len(_p.shape(x))


def size(x):
    """The number of entries (a constant)."""
    return _math.prod(_p.shape(x))
