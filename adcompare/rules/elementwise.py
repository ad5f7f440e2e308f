"""Rules of the elementwise primitives: one derivative entry each (:func:`~.base.defderiv`).

Each entry is ``g`` times the partial derivative, written with the
vocabulary's primitives; broadcasting is handled by ``defderiv``.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import primal
from adcompare.rules.base import defderiv, is_number, mask

mul, add, sub, div, neg = anp.multiply, anp.add, anp.subtract, anp.divide, anp.negative

# --------------------------------------------------------------------------
# Arithmetic (broadcasting)

defderiv(p.add_p, lambda g: g, lambda g: g)
defderiv(p.subtract_p, lambda g: g, lambda g: neg(g))
defderiv(p.multiply_p, lambda g, y: mul(g, y), lambda g, x: mul(x, g))
defderiv(p.divide_p, lambda g, y: div(g, y), lambda g, ans, y: neg(mul(g, div(ans, y))))


def _is_integer(y) -> bool:
    if type(y) is int or type(y) is float:  # the common exponents, without a dtype look-up
        return type(y) is int
    return np.issubdtype(p.result_dtype(y), np.integer)


def _integer_power_term(g, x, n):
    """``g * n * x**(n - 1)`` for an integer exponent ``n`` (never active), as JAX's rules.

    A concrete integer scalar ``n`` is JAX's ``integer_pow`` (``jnp.power`` makes
    the same choice): the term is exactly 0 for ``n == 0`` (so ``x ** 0`` has
    derivative 0 at 0), and ``n - 1`` stays an integer, so every higher
    derivative is an integer power too. Any other integer ``n`` (an array, a
    tracer) is JAX's ``pow``: ``g`` times a Jacobian that is 0 where ``n == 0``,
    with a float ``n - 1.0`` (its second derivative at 0 is nan for ``n == 1``, as JAX's).
    """
    k = _concrete_integer(n)
    if k is None:
        return mul(g, anp.where(n == 0, 0.0, mul(n, anp.power(x, sub(n, 1.0)))))
    if k == 0:
        return anp.zeros_like(g)
    return mul(g, mul(float(k), x if k == 2 else anp.power(x, k - 1)))  # x ** 1 is x


def _concrete_integer(n):
    """``n`` as a Python int if it is a concrete integer scalar, else None (kept apart from the
    rule so that a source transformation of the rule meets no try statement)."""
    try:
        return operator.index(n)
    except TypeError:
        return None


def _power_x(g, x, y):
    """d(x**y)/dx: y * x**(y - 1) for a float exponent (nan at x = 0 for y = 0.0, as JAX)."""
    if _is_integer(y):
        return _integer_power_term(g, x, primal(y))
    return mul(g, mul(y, anp.power(x, sub(y, 1.0))))


def _replace_zero(x):
    """``x`` with its zeros replaced by 1 (a constant there)."""
    px = primal(x)
    if is_number(px):
        return 1.0 if px == 0 else x
    return anp.where(px == 0, 1.0, x)


defderiv(p.power_p, _power_x,
         lambda g, ans, x: mul(g, mul(anp.log(_replace_zero(x)), ans)))  # d/dy 0**y is 0, as JAX


def _wins(x, y, sign: float):
    """maximum / minimum: the winner takes the derivative, ties split it (as JAX)."""
    return mask(x, y, 0.5) if sign > 0 else mask(y, x, 0.5)


defderiv(p.maximum_p, lambda g, x, y: mul(g, _wins(x, y, +1.0)), lambda g, x, y: mul(g, _wins(y, x, +1.0)))
defderiv(p.minimum_p, lambda g, x, y: mul(g, _wins(x, y, -1.0)), lambda g, x, y: mul(g, _wins(y, x, -1.0)))
defderiv(p.where_p, None, lambda g, c: anp.where(c, g, 0.0), lambda g, c: anp.where(c, 0.0, g),
         operands=("c", "x", "y"))

# --------------------------------------------------------------------------
# Functions of one array

defderiv(p.negative_p, lambda g: neg(g))
defderiv(p.sin_p, lambda g, x: mul(g, anp.cos(x)))
defderiv(p.cos_p, lambda g, x: neg(mul(g, anp.sin(x))))
defderiv(p.tan_p, lambda g, ans: mul(g, add(1.0, mul(ans, ans))))
defderiv(p.exp_p, lambda g, ans: mul(g, ans))
defderiv(p.log_p, lambda g, x: div(g, x))
defderiv(p.log1p_p, lambda g, x: div(g, add(1.0, x)))
defderiv(p.expm1_p, lambda g, ans: mul(g, add(ans, 1.0)))
defderiv(p.sqrt_p, lambda g, ans: div(g, mul(2.0, ans)))
defderiv(p.tanh_p, lambda g, ans: mul(g, sub(1.0, mul(ans, ans))))
defderiv(p.sigmoid_p, lambda g, ans: mul(g, mul(ans, sub(1.0, ans))))


def abs_sign(x):
    """d|x|/dx: 1 at 0 and -1 at nan, as in JAX. For a complex value (met only in SCT's code, which does
    not check operands) the sign z/|z|: the cotangent comes out complex, which is refused for a real input."""
    px = primal(x)
    if p.is_complex(px):
        return px / abs(px)
    if is_number(px):
        return 1.0 if px >= 0 else -1.0
    return p.namespace((px,)).where(px >= 0, 1.0, -1.0)


defderiv(p.abs_p, lambda g, x: mul(g, abs_sign(x)))
defderiv(p.square_p, lambda g, x: mul(g, mul(2.0, x)))
defderiv(p.reciprocal_p, lambda g, x: mul(g, mul(-1.0, anp.power(x, -2))))  # JAX's integer_pow(x, -1)
defderiv(p.cbrt_p, lambda g, ans: mul(g, mul(1.0 / 3.0, anp.power(ans, -2))))
defderiv(p.exp2_p, lambda g, ans: mul(g, mul(ans, math.log(2.0))))
defderiv(p.log2_p, lambda g, x: div(div(g, x), math.log(2.0)))  # JAX's log(x) / log(2)
defderiv(p.log10_p, lambda g, x: div(div(g, x), math.log(10.0)))
defderiv(p.sinh_p, lambda g, x: mul(g, anp.cosh(x)))
defderiv(p.cosh_p, lambda g, x: mul(g, anp.sinh(x)))


def _rsqrt(u):
    """JAX's rsqrt in its rules: nan at -inf, and a slope of -inf at 0."""
    return div(1.0, anp.sqrt(u))


defderiv(p.arcsin_p, lambda g, x: mul(g, _rsqrt(sub(1.0, anp.square(x)))))
defderiv(p.arccos_p, lambda g, x: neg(mul(g, _rsqrt(sub(1.0, anp.square(x))))))
defderiv(p.arctan_p, lambda g, x: div(g, add(1.0, anp.square(x))))
defderiv(p.arcsinh_p, lambda g, x: mul(g, _rsqrt(add(anp.square(x), 1.0))))
defderiv(p.arccosh_p, lambda g, x: mul(g, _rsqrt(sub(anp.square(x), 1.0))))  # x**2 - 1, as JAX
defderiv(p.arctanh_p, lambda g, x: div(div(g, sub(1.0, x)), add(1.0, x)))
defderiv(p.deg2rad_p, lambda g: mul(g, math.pi / 180.0))
defderiv(p.rad2deg_p, lambda g: mul(g, 180.0 / math.pi))
defderiv(p.real_p, lambda g: g)
defderiv(p.conj_p, lambda g: g)
defderiv(p.nan_to_num_p, lambda g, x: anp.where(anp.isfinite(x), g, 0.0))  # a replaced entry is a constant

# --------------------------------------------------------------------------
# Functions of two arrays (broadcasting)


def _sum_of_squares(x, y):
    return add(anp.square(x), anp.square(y))


defderiv(p.arctan2_p, lambda g, x, y: mul(g, div(y, _sum_of_squares(x, y))),
         lambda g, x, y: mul(g, div(neg(x), _sum_of_squares(x, y))))  # nan at (0, 0), as JAX


def _replace_posinf(x):
    """``x`` with +inf replaced by 0 (a constant there): JAX's ``_replace_inf`` in logaddexp's rule."""
    px = primal(x)
    if is_number(px):
        return 0.0 if px == math.inf else x
    return anp.where(px == math.inf, 0.0, x)


def _share(g, x, ans, exp):
    """logaddexp(2)'s rule, as JAX's: g * exp(x - ans), with +inf read as 0."""
    return mul(g, exp(sub(_replace_posinf(x), _replace_posinf(ans))))


defderiv(p.logaddexp_p, lambda g, x, ans: _share(g, x, ans, anp.exp),
         lambda g, y, ans: _share(g, y, ans, anp.exp))
defderiv(p.logaddexp2_p, lambda g, x, ans: _share(g, x, ans, anp.exp2),
         lambda g, y, ans: _share(g, y, ans, anp.exp2))


def _first_wins(x, y, greater: bool):
    """fmax / fmin, as JAX's: ``x`` is taken where it wins or ``y`` is nan; a tie takes ``y``."""
    px, py = primal(x), primal(y)
    wins = (px > py) if greater else (px < py)
    return wins | (py != py)


defderiv(p.fmax_p, lambda g, x, y: anp.where(_first_wins(x, y, True), g, 0.0),
         lambda g, x, y: anp.where(_first_wins(x, y, True), 0.0, g))
defderiv(p.fmin_p, lambda g, x, y: anp.where(_first_wins(x, y, False), g, 0.0),
         lambda g, x, y: anp.where(_first_wins(x, y, False), 0.0, g))


def _remainder_slope(x, y):
    """d remainder(x, y) / dy, a constant: -trunc(x / y), plus 1 where the result took y's sign
    (JAX's rem rule and its sign correction). No ``with`` (SCT transforms this helper again, inside
    second derivatives): at y = 0 NumPy warns here as its ``remainder`` warns for the value."""
    px, py = primal(x), primal(y)
    xp = p.namespace((px, py))
    q = xp.divide(px, py)
    rem = xp.fmod(px, py)
    shifted = (rem != 0) & ((rem < 0) != (py < 0))
    return xp.where(shifted, 1.0, 0.0) - xp.sign(q) * xp.floor(xp.abs(q))


defderiv(p.remainder_p, lambda g: g, lambda g, x, y: mul(g, _remainder_slope(x, y)))


def _fmod_slope(x, y):
    """d fmod(x, y) / dy, a constant: -trunc(x / y) (JAX's rem rule)."""
    px, py = primal(x), primal(y)
    xp = p.namespace((px, py))
    q = xp.divide(px, py)
    return -(xp.sign(q) * xp.floor(xp.abs(q)))


defderiv(p.fmod_p, lambda g: g, lambda g, x, y: mul(g, _fmod_slope(x, y)))
