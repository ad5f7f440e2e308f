"""Elementwise primitives: arithmetic (broadcasting, NumPy's rules) and functions of one array."""

from __future__ import annotations

import math
import operator

import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from adcompare.primitives.core import Primitive, binary, unary


def _sigmoid(xp, x):
    return 0.5 * (xp.tanh(0.5 * x) + 1.0)  # stable for large |x|


def _maximum(x, y):
    """NumPy's ``maximum`` of two Python numbers: nan wins; a tie gives ``y``."""
    out = x if x > y or x != x else y
    return float(out) if float in (type(x), type(y)) else out


def _minimum(x, y):
    out = x if x < y or x != x else y
    return float(out) if float in (type(x), type(y)) else out


def _lgamma(x: float) -> float:
    try:
        return math.lgamma(x)
    except ValueError:  # a pole: 0 or a negative integer
        return math.inf


def _gammaln(xp, x):
    if xp is jnp:
        return jsp.gammaln(x)
    return np.vectorize(_lgamma, otypes=[np.float64])(x)


add_p = binary("add", "add", operator.add)
subtract_p = binary("subtract", "subtract", operator.sub)
multiply_p = binary("multiply", "multiply", operator.mul)
divide_p = binary("divide", "divide", operator.truediv)
power_p = binary("power", "power", math.pow)
maximum_p = binary("maximum", "maximum", _maximum)
minimum_p = binary("minimum", "minimum", _minimum)
where_p = Primitive("where", lambda xp, c, x, y: xp.where(c, x, y))

negative_p = unary("negative", "negative", operator.neg)
sin_p = unary("sin", "sin", math.sin)
cos_p = unary("cos", "cos", math.cos)
tan_p = unary("tan", "tan", math.tan)
exp_p = unary("exp", "exp", math.exp)
log_p = unary("log", "log", math.log)
log1p_p = unary("log1p", "log1p", math.log1p)
expm1_p = unary("expm1", "expm1", math.expm1)
sqrt_p = unary("sqrt", "sqrt", math.sqrt)
tanh_p = unary("tanh", "tanh", math.tanh)
abs_p = unary("abs", "abs", abs)
sigmoid_p = Primitive("sigmoid", _sigmoid, lambda x: 0.5 * (math.tanh(0.5 * x) + 1.0))
gammaln_p = Primitive("gammaln", _gammaln, _lgamma)
