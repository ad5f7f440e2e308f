"""A NumPy-style namespace over PyTorch, so the vocabulary runs on torch tensors.

Only what the primitives' implementations call is here. With it registered
(:func:`adcompare.primitives.register_namespace`), PyTorch differentiates the
very same natural-form source that our engines and JAX do.
"""

from __future__ import annotations

import torch


def _t(x):
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x, dtype=torch.float64)


def _dims(axis):
    return None if axis is None else (axis if isinstance(axis, int) else tuple(axis))


add, subtract, multiply, divide = torch.add, torch.sub, torch.mul, torch.div
negative, sin, cos, tan, exp, log = torch.neg, torch.sin, torch.cos, torch.tan, torch.exp, torch.log
log1p, expm1, sqrt, tanh, abs, sign = torch.log1p, torch.expm1, torch.sqrt, torch.tanh, torch.abs, torch.sign
isfinite, matmul = torch.isfinite, torch.matmul


def power(x, y):
    return torch.pow(x, y)


def maximum(x, y):
    return torch.maximum(_t(x), _t(y))


def minimum(x, y):
    return torch.minimum(_t(x), _t(y))


def where(c, x, y):
    return torch.where(_t(c), _t(x), _t(y))


def _reduction(op, x, axis, keepdims):
    dims = tuple(range(x.ndim)) if axis is None else _dims(axis)
    return op(x, dim=dims, keepdim=keepdims)


def sum(x, axis=None, keepdims=False):
    return _reduction(torch.sum, x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    return _reduction(torch.mean, x, axis, keepdims)


def max(x, axis=None, keepdims=False):
    return _reduction(torch.amax, x, axis, keepdims)


def dot(x, y):
    return torch.mul(x, y) if 0 in (x.ndim, _t(y).ndim) else torch.matmul(x, y)


def transpose(x, axes=None):
    return x.permute(*(reversed(range(x.ndim)) if axes is None else axes))


def reshape(x, shape):
    return torch.reshape(x, tuple(shape))


def broadcast_to(x, shape):
    return torch.broadcast_to(_t(x), tuple(shape))


def concatenate(xs, axis=0):
    return torch.cat([_t(x) for x in xs], dim=axis)


def stack(xs, axis=0):
    return torch.stack([_t(x) for x in xs], dim=axis)


def squeeze(x, axis=None):
    return torch.squeeze(x) if axis is None else torch.squeeze(x, dim=_dims(axis))


def full(shape, fill, dtype=None):
    return torch.full(tuple(shape), fill, dtype=torch.float64)


def eye(n, dtype=None):
    return torch.eye(n, dtype=torch.float64)


# --- shapes and products (the vocabulary's einsum, N-d dot, asarray, and sort's argsort) ---
einsum = torch.einsum  # einsum(subscripts, *operands), as NumPy's


def dot(x, y):  # noqa: F811  (NumPy's N-d dot: the last axis of x against the second-to-last of y)
    x, y = _t(x), _t(y)
    if 0 in (x.ndim, y.ndim):
        return torch.mul(x, y)
    if x.ndim <= 2 and y.ndim <= 2:
        return torch.matmul(x, y)
    return torch.tensordot(x, y, dims=([x.ndim - 1], [max(y.ndim - 2, 0)]))


def asarray(x, dtype=None):
    import numpy  # the dtype comes as NumPy names it (float64, int64)

    return _t(x) if dtype is None else _t(x).to(getattr(torch, numpy.dtype(dtype).name))


def argsort(x, axis=-1):
    return torch.argsort(x, dim=axis, stable=True)
