"""Rules of the reductions: the cotangent is spread back over the reduced axes."""

from __future__ import annotations

import math

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal, shape
from adcompare.rules.base import defjvp, defvjp, keepdims_shape, spread

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


def _max_weights(ans, x, axis):
    """Constant weights: 1/count on the positions that hold the max (ties split, as JAX)."""
    px, pans = primal(x), primal(ans)
    xp = p.namespace((px, pans))
    hit = xp.where(px == xp.reshape(pans, keepdims_shape(shape(x), axis)), 1.0, 0.0)
    return hit / xp.sum(hit, axis=axis, keepdims=True)


def _max_vjp(ans, x, axis=None, keepdims=False):
    sx, w = shape(x), _max_weights(ans, x, axis)
    return lambda g: mul(spread(g, sx, axis), w)


defjvp(p.max_p, lambda t, ans, x, axis=None, keepdims=False:
       anp.sum(mul(t, _max_weights(ans, x, axis)), axis, keepdims))
defvjp(p.max_p, _max_vjp)


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
