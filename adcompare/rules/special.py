"""Rules of the special functions: ``erf``, ``erfc``, ``erfinv``, ``gammaln`` (digamma), ``polygamma``, ``sinc``,
``i0`` and ``i1``; ``nextafter`` and ``spacing`` have no derivative (JAX defines none: an active operand is refused).

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


# i0' = i1, 0 at x = 0 as JAX's rule writes it (so that i0'' at 0 is 0 too, as JAX's); i1' = i0 - i1 / x, 1/2 at 0
defderiv(p.i0_p, lambda g, x: mul(g, anp.where(anp.equal(x, 0), 0.0, p.i1_p(x))))


def _i1_slope(g, x):
    zero = anp.equal(x, 0)
    safe = anp.where(zero, 1.0, x)
    return mul(g, anp.where(zero, 0.5, sub(p.i0_p(x), div(p.i1_p(safe), safe))))


defderiv(p.i1_p, lambda g, x: _i1_slope(g, x))
defderiv(p.nextafter_p, None, None)
defderiv(p.spacing_p, None)


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
