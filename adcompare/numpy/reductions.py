"""Reductions (``axis``, ``keepdims``; ``dtype=``, ``initial=``, ``where=`` as JAX's ``jnp`` takes them), cumulative
sums and products, and ``argmax``/``argmin`` (constants)."""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.numpy.elementwise import isfinite as _isfinite
from adcompare.numpy.elementwise import sign as _sign
from adcompare.numpy.shapes import asarray, astype, broadcast_to, reshape, shape, size


def _operand(name: str, x, keepdims, dtype=None, out=None, where=None, identity=None):
    """``x`` as a reduction ``name`` sees it: cast to ``dtype`` (as jnp casts the operand) and, under a ``where=``
    mask, its left-out entries set to the reduction's identity (as jnp does), so the derivative is the parts'.
    ``out=`` (an array written in place) is refused by name at the user's line, as JAX's ``jnp`` refuses it."""
    if out is not None:
        raise _out_refused(name)
    if not isinstance(keepdims, (bool, _np.bool_, int)):  # jnp's third positional is dtype=; anp's is keepdims
        raise TypeError(f"{name}(): keepdims={keepdims!r} (at {user_location()}) is not a bool; pass dtype= by "
                        f"keyword (adcompare's third positional argument is keepdims)")
    x = asarray(x)
    if dtype is not None:
        x = astype(x, dtype)
    if where is not None:
        if identity is None:
            raise ValueError(f"{name}(): where= (at {user_location()}) needs initial=, as JAX's jnp.{name} does: "
                             f"a {name} has no identity to give the entries the mask leaves out")
        x = _p.where_p(where, x, _identity(identity, x))
    return x


def _out_refused(name: str) -> TypeError:
    """The refusal of ``out=`` (raised where it is given: SCT transforms this code, and takes no call statement)."""
    return TypeError(f"{name}() got the keyword out= (at {user_location(2)}), which adcompare refuses, as JAX's "
                     f"jnp.{name} does: arrays are never written in place (write y = {name}(...) instead)")


def _identity(identity, x):
    """The identity in ``x``'s kind: an integer array's ``-inf`` is its dtype's least value (as jnp's)."""
    kind = _np.dtype(_p.result_dtype(x)).kind
    if isinstance(identity, float) and kind in "iub":
        info = _np.iinfo(_p.result_dtype(x)) if kind != "b" else None
        return (info.min if identity < 0 else info.max) if info is not None else identity > 0
    return identity


def _initial(name: str, result, initial):
    """jnp's ``op(initial, result)``, ``initial`` a scalar."""
    if initial is None:
        return result
    if _np.ndim(_p.primal(initial)) != 0:
        raise ValueError(f"{name}(): initial= (at {user_location()}) must be a scalar, as in JAX")
    if name == "sum":
        return _p.add_p(initial, result)
    if name == "prod":
        return _p.multiply_p(initial, result)
    return _p.maximum_p(initial, result) if name == "max" else _p.minimum_p(initial, result)


def _unpromoted(result, x, dtype, promote_integers):
    """A sum or product of integers in ``dtype=`` where given, as jnp's (NumPy's adds them in the platform's
    integer); under ``promote_integers=False``, in their own dtype (of bools, int32, as jnp's)."""
    kind = _np.dtype(_p.result_dtype(x)).kind
    if kind not in "iub" or (promote_integers and dtype is None):
        return result
    return astype(result, _np.int32 if kind == "b" and dtype is None else _p.result_dtype(x))


def sum(x, axis=None, keepdims=False, dtype=None, out=None, initial=None, where=None, *, promote_integers=True):
    x = _operand("sum", x, keepdims, dtype, out, where, 0)
    result = _initial("sum", _p.sum_p(x, axis=axis, keepdims=keepdims), initial)
    return _unpromoted(result, x, dtype, promote_integers)


def mean(x, axis=None, keepdims=False, *, dtype=None, out=None, where=None):
    """NumPy's ``mean``; under ``where=``, the sum of the entries the mask keeps over their count (as jnp)."""
    if where is None:
        return _p.mean_p(_operand("mean", x, keepdims, dtype, out), axis=axis, keepdims=keepdims)
    x = _operand("mean", x, keepdims, dtype, out, where, 0)
    if not _p.is_float(x):  # integers are averaged in JAX's float of them (float32 for int32), as jnp's
        x = astype(x, _p.inexact_dtype(_p.primal(x)) or _np.float64)
    # the count in x's dtype: NumPy's float32 sum over a float64 count would be float64, where jnp's is float32
    kept = _p.primal(broadcast_to(astype(_p.primal(where), _p.result_dtype(x)), shape(x)))
    return _p.divide_p(_p.sum_p(x, axis=axis, keepdims=keepdims), _p.sum_p(kept, axis=axis, keepdims=keepdims))


def max(x, axis=None, keepdims=False, out=None, initial=None, where=None):
    x = _operand("max", x, keepdims, None, out, where, None if initial is None else -_np.inf)
    if initial is not None and _reduces_nothing(x, axis):
        return _initial_only(x, axis, keepdims, initial)
    return _initial("max", _p.max_p(x, axis=axis, keepdims=keepdims), initial)


def _reduces_nothing(x, axis) -> bool:
    """Whether a max or min of ``x`` along ``axis`` takes some output entry over no element (NumPy's max fails)."""
    return size(x) == 0 and _np.max(_np.zeros(shape(x)), axis=axis, initial=0.0).size > 0


def _initial_only(x, axis, keepdims, initial):
    """A max or min over no element: ``initial`` in every entry, in ``x``'s dtype (as jnp's)."""
    if _np.ndim(_p.primal(initial)) != 0:
        raise ValueError(f"initial= (at {user_location()}) must be a scalar, as in JAX")
    out_shape = _np.max(_np.zeros(shape(x)), axis=axis, keepdims=keepdims, initial=0.0).shape
    return broadcast_to(astype(asarray(initial), _p.result_dtype(x)), out_shape)


def logsumexp(x, axis=None, b=None, keepdims=False, return_sign=False):
    """``log(sum(b * exp(x)))`` over ``axis``, as jax.nn.logsumexp takes it: ``b`` weights the terms (broadcast
    with ``x``); ``return_sign`` gives ``(log|s|, sign(s))``, else a negative sum's log is nan (as JAX's)."""
    if b is None and not return_sign:
        return _p.logsumexp_p(x, axis=axis, keepdims=keepdims)
    x = asarray(x)
    if b is not None:  # terms whose weight is zero are left out, as JAX leaves them (an overflow stays out)
        target = _np.broadcast_shapes(shape(x), shape(b))
        x, b = broadcast_to(x, target), broadcast_to(b, target)
        x = _p.where_p(_sign(b) != 0, x, -_np.inf)
    m = _p.logsumexp_p(x, axis=axis, keepdims=True)  # the unweighted log-sum: the terms scaled by it are <= 1
    m = _p.where_p(_isfinite(m), m, 0.0)
    e = _p.exp_p(_p.subtract_p(x, m))
    s = _p.sum_p(e if b is None else _p.multiply_p(b, e), axis=axis, keepdims=True)
    out = _p.add_p(_p.log_p(_p.abs_p(s)), m)
    sign = _sign(s)  # a constant, as JAX's (its derivative is zero; a tracer's under jax.jit)
    if not keepdims:
        reduced = _reduced_shape(shape(x), axis)
        out, sign = reshape(out, reduced), sign.reshape(reduced)
    if return_sign:
        return out, sign
    return _p.where_p(sign < 0, _np.nan, out)


def _reduced_shape(xshape: tuple, axis) -> tuple:
    axes = range(len(xshape)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    kept = {a % len(xshape) for a in axes} if xshape else set()
    return tuple(n for i, n in enumerate(xshape) if i not in kept)


def min(x, axis=None, keepdims=False, out=None, initial=None, where=None):
    x = _operand("min", x, keepdims, None, out, where, None if initial is None else _np.inf)
    if initial is not None and _reduces_nothing(x, axis):
        return _initial_only(x, axis, keepdims, initial)
    return _initial("min", _p.min_p(x, axis=axis, keepdims=keepdims), initial)


amax, amin = max, min


def prod(x, axis=None, keepdims=False, dtype=None, out=None, initial=None, where=None, *, promote_integers=True):
    x = _operand("prod", x, keepdims, dtype, out, where, 1)
    result = _initial("prod", _p.prod_p(x, axis=axis, keepdims=keepdims), initial)
    return _unpromoted(result, x, dtype, promote_integers)


def cumsum(x, axis=None, dtype=None, out=None):
    """NumPy's ``cumsum``: along ``axis``, or over the flattened array for ``axis=None``; ``dtype=`` casts the
    operand, as jnp does."""
    x = _operand("cumsum", x, False, dtype, out)
    if axis is None:
        return _p.cumsum_p(reshape(x, (-1,)), axis=0)
    return _p.cumsum_p(x, axis=axis)


def cumprod(x, axis=None, dtype=None, out=None):
    x = _operand("cumprod", x, False, dtype, out)
    if axis is None:
        return _p.cumprod_p(reshape(x, (-1,)), axis=0)
    return _p.cumprod_p(x, axis=axis)


def var(x, axis=None, ddof=0, keepdims=False, mean=None, *, where=None, dtype=None, out=None, correction=None):
    """NumPy's ``var``, as JAX computes it: the mean of squared deviations (from ``mean=`` where given, as it is, so
    differentiated as given), divided by ``N - ddof`` (``correction=``: ddof's other name), in ``dtype``. (``mean``
    may be passed by position, after ``keepdims``: SCT differentiates positional parameters only.)"""
    if correction is not None:
        if not isinstance(ddof, int) or ddof != 0:
            raise ValueError(f"var: ddof and correction can't be provided simultaneously (at {user_location()})")
        ddof = correction
    if ddof is None or isinstance(ddof, (str, type, _np.dtype)):  # NumPy's third positional (dtype) given here
        raise TypeError(f"var(): ddof={ddof!r} (at {user_location()}) is not a number; adcompare's third positional "
                        f"argument is ddof (NumPy's is dtype): pass dtype= by keyword")
    x = _operand("var", x, keepdims, dtype, out)  # a list or tuple is packed once, as jnp.asarray packs it
    if where is not None:
        return _masked_var(x, axis, ddof, keepdims, where, mean)
    centered = _centered(x, axis, None, mean)
    n = _reduced_count(shape(x), shape(sum(centered, axis, True)))
    total = sum(_squared_modulus(centered), axis, keepdims)
    if n - ddof <= 0:  # no degree of freedom left: nan, as JAX's where(N - ddof > 0, total / (N - ddof), nan), whose
        # VJP is the division's of a zero cotangent: nan at N == ddof (0 / 0), zero past it; its JVP zero
        return _p.where_p(False, _p.divide_p(total, float(n - ddof)), float("nan"))
    return _p.divide_p(total, float(n - ddof))


def _centered(x, axis, where, about):
    """``x``'s deviations from ``about`` (``var``'s ``mean=``, in ``x``'s dtype), or from its (masked) mean."""
    if about is None:
        return _p.subtract_p(x, mean(x, axis, True, where=where))
    about, dtype = asarray(about), _p.result_dtype(x)
    return _p.subtract_p(x, about if _p.result_dtype(about) == dtype else astype(about, dtype))


def _masked_var(x, axis, ddof, keepdims, where, about):
    """jnp's ``var`` under ``where=``: the squared deviations from the masked mean (or ``about``), summed where the
    mask holds, over the mask's count less ``ddof`` (in their dtype), nan where that is not positive, as JAX's."""
    centered = _centered(x, axis, where, about)
    total = sum(_squared_modulus(centered), axis, keepdims, where=where)
    kept = _p.primal(broadcast_to(astype(_p.primal(where), _p.result_dtype(total)), shape(x)))
    n = _p.subtract_p(_p.sum_p(kept, axis=axis, keepdims=keepdims), ddof)
    return _p.where_p(_p.primal(n) > 0, _p.divide_p(total, n), float("nan"))


def _squared_modulus(centered):
    """|d|² of the deviations: their square, or for complex ones the squared modulus (real), as jnp's var."""
    if _np.issubdtype(_p.result_dtype(centered), _np.complexfloating):
        return _p.square_p(_p.abs_p(centered))
    return _p.square_p(centered)


def _reduced_count(before: tuple, kept: tuple) -> int:
    """The number of elements a reduction took together: the product of the lengths of the axes it reduced (those
    ``keepdims`` made 1). It may be 0, where ``size(x) // size(kept)`` divided by zero (var of an empty axis: nan)."""
    n = 1
    for b, k in zip(before, kept):
        n = n * (b if b != k else 1)
    return n


def std(x, axis=None, ddof=0, keepdims=False, mean=None, *, where=None, dtype=None, out=None, correction=None):
    if out is not None:
        raise _out_refused("std")
    return _p.sqrt_p(var(x, axis, ddof, keepdims, mean, where=where, dtype=dtype, correction=correction))


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """NumPy's ``average``: ``sum(a * w) / sum(w)`` over ``axis`` (1-d weights lie along ``axis``)."""
    if weights is None:
        avg = mean(a, axis, keepdims)
        total = _p.divide_p(float(size(a)), float(size(avg)))
    else:
        if shape(weights) != shape(a):
            if axis is None or not isinstance(axis, _p.INTEGERS) or len(shape(weights)) != 1:
                raise TypeError("average: weights of a shape other than a's need an int axis and one dimension")
            before = axis % len(shape(a))
            weights = reshape(weights, (1,) * before + shape(weights) + (1,) * (len(shape(a)) - 1 - before))
        total = sum(weights, axis, keepdims)
        avg = _p.divide_p(sum(_p.multiply_p(a, weights), axis, keepdims), total)
    if returned:
        return avg, _p.broadcast_to_p(total, shape=shape(avg)) if shape(total) != shape(avg) else total
    return avg


def _index_of(method: str, x, axis, keepdims, out=None):
    """NumPy's (or JAX's) ``method`` (``argmax``...) of ``x``'s primal value: an index, a constant. (A new name for
    the primal: SCT, which transforms ``nanargmax``'s code, takes a variable once differentiated as differentiated.)
    ``out``, NumPy's third positional parameter, is refused by name, as jnp's."""
    if out is not None:
        raise _out_refused(method)
    value = _p.primal(_p.pack(x))
    return getattr(_p.namespace((value,)), method)(value, axis=axis, keepdims=keepdims)


def argmax(x, axis=None, out=None, keepdims=False):
    """The index of the largest entry: a constant (an index is never differentiated)."""
    return _index_of("argmax", x, axis, keepdims, out)


def argmin(x, axis=None, out=None, keepdims=False):
    return _index_of("argmin", x, axis, keepdims, out)
