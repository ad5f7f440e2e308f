"""Rules of the special functions: ``erf``, ``erfc``, ``erfinv``, ``gammaln`` (digamma), ``polygamma``, ``sinc``.

``polygamma`` and ``sinc_taylor`` carry an order as a parameter, so their
rules are per-operand (:func:`~.base.defjvp`, :func:`~.base.defvjp`): the
derivative of order ``n`` is order ``n + 1``, and every order differentiates
again. ``sinc`` at 0 takes its slope from ``sinc_taylor`` (JAX's Maclaurin
terms), so that its derivatives of every order at 0 are JAX's.
"""

from __future__ import annotations

import math

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal
from adcompare.rules.base import defderiv, defjvp, defvjp, is_number

mul, sub, div = anp.multiply, anp.subtract, anp.divide

defderiv(p.erf_p, lambda g, x: mul(2.0 / math.sqrt(math.pi), mul(g, anp.exp(anp.negative(anp.square(x))))))
defderiv(p.erfc_p, lambda g, x: mul(-2.0 / math.sqrt(math.pi), mul(g, anp.exp(anp.negative(anp.square(x))))))
# erfinv' = sqrt(pi) / 2 exp(erfinv(x)^2), written with the answer, as JAX's rule
defderiv(p.erfinv_p, lambda g, ans: mul(math.sqrt(math.pi) / 2.0, mul(g, anp.exp(anp.square(ans)))))
defderiv(p.gammaln_p, lambda g, x: mul(g, p.polygamma_p(x, n=0)))  # real arguments: digamma


def _next_order(prim, param: str):
    def jvp(t, ans, x, **params):
        return mul(t, prim(x, **{param: params.get(param, 0) + 1}))

    def vjp(ans, x, **params):
        return lambda g: mul(g, prim(x, **{param: params.get(param, 0) + 1}))

    defjvp(prim, jvp)
    defvjp(prim, vjp)


_next_order(p.polygamma_p, "n")
_next_order(p.sinc_taylor_p, "k")


def _sinc_slope(g, x, ans):
    """(cos(pi x) - sinc(x)) / x, and at 0 the Maclaurin term of order 1 (whose own derivative is
    the next term), as JAX defines sinc's derivatives."""
    px = primal(x)
    zero = px == 0
    if is_number(px):
        return mul(g, p.sinc_taylor_p(x, k=1) if zero else div(sub(anp.cos(mul(math.pi, x)), ans), x))
    safe = anp.where(zero, 1.0, x)
    slope = div(sub(anp.cos(mul(math.pi, safe)), anp.where(zero, 1.0, ans)), safe)
    return mul(g, anp.where(zero, p.sinc_taylor_p(x, k=1), slope))


defderiv(p.sinc_p, lambda g, x, ans: _sinc_slope(g, x, ans))
