"""The rule of ``norm``: vector norms (the 2-norm, 1, ±inf, 0 and other p) and the Frobenius norm.

The derivative is the cotangent spread back over the reduced axes times the norm's
weights ∂norm/∂x; at ±inf they are split over ties as ``max``'s are.
"""

from __future__ import annotations

import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal, shape
from adcompare.rules.base import defjvp, defvjp, keepdims_shape, spread
from adcompare.rules.elementwise import abs_sign

mul, div = anp.multiply, anp.divide


def _norm_weights(ans, x, ord, axis):
    """∂norm/∂x as a value made of primitives (2-norm, p-norm) or a constant (1, ±inf, 0)."""
    matrix = isinstance(axis, tuple) and len(axis) == 2 or axis is None and len(shape(x)) == 2
    kept = anp.reshape(ans, keepdims_shape(shape(x), axis))
    if matrix or ord is None or ord == 2:
        return div(x, kept)
    if ord == 0:
        return p.constant_like(x, 0.0)
    sign = abs_sign(x)  # d|x|/dx, as abs's own rule: 1 at 0, as JAX's norm (a sum of |x|^p) differentiates it
    if ord == 1:
        return sign
    if ord in (np.inf, -np.inf):  # the entries that hold the max (min) of |x|, ties split
        px, pk = primal(x), primal(kept)
        xp = p.namespace((px,))
        hit = xp.where(xp.abs(px) == pk, 1.0, 0.0)
        if ord > 0:  # JAX's max(|x|, initial=0): a max of 0 ties with the initial 0, which takes half
            hit = xp.where(pk == 0, 0.5, 1.0) * hit
        return mul(sign, hit / xp.sum(xp.abs(px) == pk, axis=axis, keepdims=True))
    return mul(sign, mul(anp.power(anp.abs(x), ord - 1.0), anp.power(kept, 1.0 - ord)))


def _norm_vjp(ans, x, ord=None, axis=None, keepdims=False):
    sx, weights = shape(x), _norm_weights(ans, x, ord, axis)
    return lambda g: mul(spread(g, sx, axis), weights)


defjvp(p.norm_p, lambda t, ans, x, ord=None, axis=None, keepdims=False:
       anp.sum(mul(t, _norm_weights(ans, x, ord, axis)), axis, keepdims))
defvjp(p.norm_p, _norm_vjp)
