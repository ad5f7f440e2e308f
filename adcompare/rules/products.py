"""Rules of the products (``matmul``, ``dot``)."""

from __future__ import annotations

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import shape
from adcompare.rules.base import append_axis, defjvp, defvjp, swap_last, unbroadcast

mul, add, sub, div, neg = anp.multiply, anp.add, anp.subtract, anp.divide, anp.negative


def _matmul_vjp_x(ans, x, y):
    sx, sy = shape(x), shape(y)

    def vjp(g):
        if len(sx) == 1 and len(sy) == 1:
            return mul(g, y)
        if len(sy) == 1:  # (..., n, k) @ (k,): outer product of g and y
            return unbroadcast(mul(append_axis(g, -1), y), sx)
        if len(sx) == 1:  # (k,) @ (..., k, m)
            gx = anp.matmul(y, append_axis(g, -1))
            return unbroadcast(anp.reshape(gx, shape(gx)[:-1]), sx)
        return unbroadcast(anp.matmul(g, swap_last(y)), sx)

    return vjp


def _matmul_vjp_y(ans, x, y):
    sx, sy = shape(x), shape(y)

    def vjp(g):
        if len(sx) == 1 and len(sy) == 1:
            return mul(g, x)
        if len(sx) == 1:  # (k,) @ (..., k, m): outer product of x and g
            return unbroadcast(mul(append_axis(x, -1), append_axis(g, -2)), sy)
        if len(sy) == 1:  # (..., n, k) @ (k,)
            gy = anp.matmul(swap_last(x), append_axis(g, -1))
            return unbroadcast(anp.reshape(gy, shape(gy)[:-1]), sy)
        return unbroadcast(anp.matmul(swap_last(x), g), sy)

    return vjp


defjvp(p.matmul_p,
       lambda t, ans, x, y: anp.matmul(t, y),
       lambda t, ans, x, y: anp.matmul(x, t))
defvjp(p.matmul_p, _matmul_vjp_x, _matmul_vjp_y)


def _dot_as(ans, x, y):
    """np.dot is multiply on a scalar operand and matmul otherwise (up to 2-D)."""
    return p.multiply_p if 0 in (len(shape(x)), len(shape(y))) else p.matmul_p


defjvp(p.dot_p,
       lambda t, ans, x, y: anp.dot(t, y),
       lambda t, ans, x, y: anp.dot(x, t))
defvjp(p.dot_p,
       lambda ans, x, y: _dot_as(ans, x, y).vjps[0](ans, x, y),
       lambda ans, x, y: _dot_as(ans, x, y).vjps[1](ans, x, y))
