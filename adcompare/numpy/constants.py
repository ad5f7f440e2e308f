"""Constants: computed on primal values, never differentiated (``zeros_like`` of an active value is a constant box)."""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.primitives.weak import WeakArray as _WeakArray
from adcompare.primitives.weak import weak_full as _weak_full

pi, e, euler_gamma, inf, nan = _np.pi, _np.e, _np.euler_gamma, _np.inf, _np.nan
newaxis = None
# dtypes, as NumPy's (``x.astype(anp.float32)``, ``anp.zeros(3, dtype=anp.float64)``)
float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64, bool_ = _np.int8, _np.int16, _np.int32, _np.int64, _np.bool_


def zeros(shape, dtype=None, like=None):
    """Zeros of ``shape`` on the backend (and float dtype, or ``dtype``) of ``like``; a constant box if ``like``
    is active."""
    return _constant(like, 0.0, _as_shape(shape), dtype)


def ones(shape, dtype=None, like=None):
    return _constant(like, 1.0, _as_shape(shape), dtype)


def zeros_like(x, dtype=None):
    return _constant(x, 0.0, None, _own_dtype(x, dtype))


def ones_like(x, dtype=None):
    return _constant(x, 1.0, None, _own_dtype(x, dtype))


def _own_dtype(x, dtype):
    """``dtype``, else an integer or boolean ``x``'s own (NumPy's and JAX's ``*_like`` keep it; a float's is kept
    by :func:`_constant`, weak or not)."""
    return _p.result_dtype(x) if dtype is None and not _p.is_float(x) else dtype


def _constant(like, fill, shape=None, dtype=None):
    if dtype is None and isinstance(like, _WeakArray):  # zeros_like of anp.full's array is weak too, as in JAX
        return _weak_full(_np.shape(like) if shape is None else shape, fill)
    if dtype is None:
        value = _p.constant_like(1.0 if like is None else like, fill, shape)
    else:  # the backend of ``like`` (NumPy without one), in ``dtype``
        raw = _p.primal(like)
        xp = _p.namespace((raw,)) if like is not None else _np
        value = xp.full(_np.shape(raw) if shape is None else shape, fill, dtype=dtype)
    return like._trace.constant(value) if isinstance(like, _p.Box) else value


def _as_shape(shape):
    return (shape,) if isinstance(shape, _p.INTEGERS) else tuple(shape)


def _refuse_active(name: str, hint: str, *values) -> None:
    if any(isinstance(v, _p.Box) for v in values):
        raise NotImplementedError(f"{name} makes a constant and is never differentiated, but it was "
                                  f"given an active value: {hint}")


def full(shape, fill_value, dtype=None, like=None):
    """``fill_value`` everywhere: a constant, or, for a differentiated fill, its values broadcast (a new
    array, in ``dtype``), differentiated as JAX's."""
    if isinstance(fill_value, _p.Box):
        dtype = _p.result_dtype(fill_value) if dtype is None else dtype
        out = _p.add_p(zeros(shape, dtype=dtype, like=like), _p.astype_p(fill_value, dtype=dtype))
        if _np.shape(_p.primal(out)) != _as_shape(shape):
            raise ValueError(f"full: a fill of shape {_np.shape(_p.primal(fill_value))} does not broadcast to "
                             f"{_as_shape(shape)}")
        return out
    fill = _p.primal(fill_value)
    if dtype is None and like is None:  # a Python number's is weakly typed, as jnp.full's (float32 beside float32)
        return _weak_full(_as_shape(shape), fill) if type(fill) in (int, float) else _np.full(_as_shape(shape), fill)
    if dtype is not None:
        xp = _p.namespace((_p.primal(like),)) if like is not None else _np
        value = xp.full(_as_shape(shape), fill, dtype=dtype)
        return like._trace.constant(value) if isinstance(like, _p.Box) else value
    return _constant(like, fill, _as_shape(shape))


def eye(N, M=None, k=0, dtype=float):
    _refuse_active("eye", "its sizes are integers", N, M, k)
    return _np.eye(N, M, k, dtype=dtype)


def identity(n, dtype=float):
    return eye(n, dtype=dtype)


def arange(start, stop=None, step=None, dtype=None):
    _refuse_active("arange", "its bounds are constants; scale a constant arange by the value instead",
                   start, stop, step)
    if stop is None:
        return _np.arange(start, dtype=dtype) if step is None else _np.arange(0, start, step, dtype=dtype)
    return _np.arange(start, stop, 1 if step is None else step, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    _refuse_active("linspace", "write start + (stop - start) * anp.linspace(0.0, 1.0, num) to "
                   "differentiate the ends", start, stop)
    return _np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype, axis=axis)
