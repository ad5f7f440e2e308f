"""Rules of the reductions: the cotangent is spread back over the reduced axes.

``prod`` and ``cumprod`` divide by ``x`` only where it has no zero; with a zero
their rules use products of the other entries, which is exact (as JAX's
rules are) and costs n times the memory along the axis.
"""

from __future__ import annotations

import math

import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal, shape
from adcompare.rules.base import append_axis, defjvp, defvjp, keepdims_shape, spread

mul, add, sub, div, neg = anp.multiply, anp.add, anp.subtract, anp.divide, anp.negative


def _sum_vjp(ans, x, axis=None, keepdims=False):
    sx = shape(x)
    return lambda g: spread(g, sx, axis)


defjvp(p.sum_p, lambda t, ans, x, axis=None, keepdims=False: anp.sum(t, axis, keepdims))
defvjp(p.sum_p, _sum_vjp)


def _mean_vjp(ans, x, axis=None, keepdims=False):
    sx = shape(x)
    n = float(math.prod(sx) // max(math.prod(shape(ans)), 1))
    return lambda g: div(spread(g, sx, axis), n)


defjvp(p.mean_p, lambda t, ans, x, axis=None, keepdims=False: anp.mean(t, axis, keepdims))
defvjp(p.mean_p, _mean_vjp)


def _chooser_weights(ans, x, axis):
    """Constant weights of max / min: 1/count on the positions that hold the result (ties split, as JAX)."""
    px, pans = primal(x), primal(ans)
    xp = p.namespace((px, pans))
    hit = xp.where(px == xp.reshape(pans, keepdims_shape(shape(x), axis)), 1.0, 0.0)
    return hit / xp.sum(hit, axis=axis, keepdims=True)


def _chooser_vjp(ans, x, axis=None, keepdims=False):
    sx, w = shape(x), _chooser_weights(ans, x, axis)
    return lambda g: mul(spread(g, sx, axis), w)


for _prim in (p.max_p, p.min_p):
    defjvp(_prim, lambda t, ans, x, axis=None, keepdims=False:
           anp.sum(mul(t, _chooser_weights(ans, x, axis)), axis, keepdims))
    defvjp(_prim, _chooser_vjp)


def _softmax(ans, x, axis):
    """exp(x - m) / sum(exp(x - m)), m the (constant) max: exp(x - ans) loses the weights once
    |ans| is so large that ans + log(n) rounds to ans (a factor n at 1e76)."""
    px = primal(x)
    xp = p.namespace((px,))
    m = xp.max(px, axis=axis, keepdims=True)
    e = anp.exp(sub(x, xp.where(xp.isfinite(m), m, 0.0)))
    return div(e, anp.sum(e, axis, True))


def _logsumexp_vjp(ans, x, axis=None, keepdims=False):
    sx = shape(x)
    return lambda g: mul(spread(g, sx, axis), _softmax(ans, x, axis))


defjvp(p.logsumexp_p, lambda t, ans, x, axis=None, keepdims=False:
       anp.sum(mul(t, _softmax(ans, x, axis)), axis, keepdims))
defvjp(p.logsumexp_p, _logsumexp_vjp)


# --------------------------------------------------------------------------
# Products, and cumulative sums and products


def _has_zero(x) -> bool:
    px = primal(x)
    try:
        return bool(p.namespace((px,)).any(px == 0))
    except Exception:  # a JAX tracer under jit: no concrete value, so take the exact rule
        return True


def _axes(ndim: int, axis) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(a % ndim for a in ((axis,) if isinstance(axis, int) else axis)))


def _to_last(x, axes: tuple):
    """``x`` with ``axes`` moved last and merged into one, and the function that undoes it."""
    sx = shape(x)
    perm = tuple(i for i in range(len(sx)) if i not in axes) + axes
    moved = tuple(sx[i] for i in perm)
    kept = moved[:len(moved) - len(axes)]
    inverse = tuple(sorted(range(len(perm)), key=perm.__getitem__))
    flat = anp.reshape(anp.transpose(x, perm), kept + (math.prod(sx[i] for i in axes),))
    return flat, lambda y: anp.transpose(anp.reshape(y, moved), inverse)


def _each_left_out(x_last):
    """Shape (..., n, n): row i is ``x_last`` with its entry i replaced by 1."""
    n = shape(x_last)[-1]
    return anp.where(np.eye(n, dtype=bool), 1.0, append_axis(x_last, -2))


def _others_product(ans, x, axis):
    """Each entry's product of the other entries of its reduced slice."""
    if not _has_zero(x):
        return div(spread(ans, shape(x), axis), x)
    flat, back = _to_last(x, _axes(len(shape(x)), axis))
    return back(anp.prod(_each_left_out(flat), axis=-1))


def _prod_vjp(ans, x, axis=None, keepdims=False):
    sx, w = shape(x), _others_product(ans, x, axis)
    return lambda g: mul(spread(g, sx, axis), w)


defjvp(p.prod_p, lambda t, ans, x, axis=None, keepdims=False:
       anp.sum(mul(t, _others_product(ans, x, axis)), axis, keepdims))
defvjp(p.prod_p, _prod_vjp)


def _reverse_cumsum(g, axis: int):
    flip = (slice(None),) * (axis % len(shape(g))) + (slice(None, None, -1),)
    return anp.getitem(anp.cumsum(anp.getitem(g, flip), axis), flip)


defjvp(p.cumsum_p, lambda t, ans, x, axis: anp.cumsum(t, axis))
defvjp(p.cumsum_p, lambda ans, x, axis: lambda g: _reverse_cumsum(g, axis))


def _cumprod_partials(x, axis: int):
    """Shape (..., n, n), the axis moved last: [i, k] = d ans_k / d x_i (0 for k < i), exactly."""
    flat, back = _to_last(x, (axis % len(shape(x)),))
    n = shape(flat)[-1]
    return anp.multiply(anp.cumprod(_each_left_out(flat), -1), np.triu(np.ones((n, n)))), back


def _cumprod_jvp(t, ans, x, axis):
    if not _has_zero(x):
        return mul(ans, anp.cumsum(div(t, x), axis))
    partials, back = _cumprod_partials(x, axis)
    t_last, _ = _to_last(t, (axis % len(shape(x)),))
    return back(anp.sum(mul(append_axis(t_last, -1), partials), axis=-2))


def _cumprod_vjp(ans, x, axis):
    if not _has_zero(x):
        return lambda g: div(_reverse_cumsum(mul(g, ans), axis), x)
    partials, back = _cumprod_partials(x, axis)

    def vjp(g):
        g_last, _ = _to_last(g, (axis % len(shape(x)),))
        return back(anp.sum(mul(append_axis(g_last, -2), partials), axis=-1))

    return vjp


defjvp(p.cumprod_p, _cumprod_jvp)
defvjp(p.cumprod_p, _cumprod_vjp)
