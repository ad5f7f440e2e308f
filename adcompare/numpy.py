"""The vocabulary users write functions with: ``import adcompare.numpy as anp``.

Each name has NumPy's signature and binds one primitive, so the same function
runs on Python floats, NumPy arrays, JAX arrays (and JAX tracers: this is how
``jax.grad`` sees the very same source) and on any engine's active values.

Every argument that takes an array also takes nested lists and tuples of
values, active ones included (``anp.sum([x, x * x])``): they are packed as
``jnp.asarray`` packs them, by the ``stack`` primitive, so they differentiate
like any other array. ``asarray`` and ``array`` do just that packing.

``zeros``, ``ones``, ``arange``, ``sign``, ``shape`` and ``ndim`` make constants:
they are never differentiated. ``zeros_like(x)`` (and ``zeros(shape, like=x)``,
``ones_like``, ``ones``) of an active ``x`` is a constant *box* of ``x``'s level,
so that ``y = anp.zeros_like(x); y[i] = v`` updates it functionally (as JAX's
``y.at[i].set(v)``, see :func:`index_update`) and ``v``'s derivative flows on.
"""

from __future__ import annotations

import copy as _copy

import numpy as _np

from adcompare import primitives as _p

add = _p.add_p
subtract = _p.subtract_p
multiply = _p.multiply_p
divide = _p.divide_p
negative = _p.negative_p
power = _p.power_p
maximum = _p.maximum_p
minimum = _p.minimum_p
sin = _p.sin_p
cos = _p.cos_p
tan = _p.tan_p
exp = _p.exp_p
log = _p.log_p
log1p = _p.log1p_p
expm1 = _p.expm1_p
sqrt = _p.sqrt_p
tanh = _p.tanh_p
abs = _p.abs_p
sigmoid = _p.sigmoid_p
gammaln = _p.gammaln_p
matmul = _p.matmul_p
dot = _p.dot_p

pi = _np.pi
newaxis = None


def where(condition, x, y):
    return _p.where_p(_p.primal(_p.pack(condition)), x, y)  # the condition is never differentiated


def sum(x, axis=None, keepdims=False):
    return _p.sum_p(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return _p.mean_p(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return _p.max_p(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    return _p.logsumexp_p(x, axis=axis, keepdims=keepdims)


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


# Constants: computed on primal values, never differentiated.


def shape(x):
    return _p.shape(x)


def ndim(x):
    return len(_p.shape(x))


def sign(x):
    x = _p.primal(x)
    return _p.namespace((x,)).sign(x)


def zeros(shape, like=None):
    """Zeros of ``shape`` on the backend (and float dtype) of ``like``; a constant box if ``like`` is active."""
    return _constant(like, 0.0, _as_shape(shape))


def ones(shape, like=None):
    return _constant(like, 1.0, _as_shape(shape))


def zeros_like(x):
    return _constant(x, 0.0)


def ones_like(x):
    return _constant(x, 1.0)


def _constant(like, fill, shape=None):
    value = _p.constant_like(1.0 if like is None else like, fill, shape)
    return like.trace.constant(value) if isinstance(like, _p.Box) else value


def _as_shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)
