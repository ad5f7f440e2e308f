"""Constants: computed on primal values, never differentiated (``zeros_like`` of an active value is a constant box)."""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p

pi = _np.pi
newaxis = None


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
