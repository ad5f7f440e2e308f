"""The vocabulary users write functions with: ``import adcompare.numpy as anp``.

Each name has NumPy's signature and binds one primitive, so the same function
runs on Python floats, NumPy arrays, JAX arrays (and JAX tracers: this is how
``jax.grad`` sees the very same source) and on any engine's active values.

``zeros``, ``ones``, ``arange``, ``sign``, ``shape`` and ``ndim`` make constants:
they are never differentiated.
"""

from __future__ import annotations

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
    return _p.where_p(_p.primal(condition), x, y)


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


# Constants: computed on primal values, never differentiated.


def shape(x):
    return _p.shape(x)


def ndim(x):
    return len(_p.shape(x))


def sign(x):
    x = _p.primal(x)
    return _p.namespace((x,)).sign(x)


def zeros(shape, like=None):
    """Zeros of ``shape`` on the backend (and float dtype) of ``like``."""
    return _p.constant_like(1.0 if like is None else like, 0.0, _as_shape(shape))


def ones(shape, like=None):
    return _p.constant_like(1.0 if like is None else like, 1.0, _as_shape(shape))


def zeros_like(x):
    return _p.constant_like(x, 0.0)


def ones_like(x):
    return _p.constant_like(x, 1.0)


def _as_shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)
