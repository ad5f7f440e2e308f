"""Elementwise primitives: arithmetic (broadcasting, NumPy's rules) and functions of one array.

Real arguments only: a complex one is refused by name (``real``, ``conj``).
The special functions (``erf``, ``polygamma``, ``sinc``) are in :mod:`.special`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from adcompare.concrete import user_location
from adcompare.primitives.core import Primitive, result_dtype
from adcompare.primitives.promotion import inexact, promoted

_F64 = np.dtype(np.float64)  # the common case, passed without a look at promotion


def _refuse_keywords(name: str, keywords: dict) -> None:
    """NumPy's ufunc keywords that JAX's ``jnp`` functions refuse (``out=``, ``where=``, ``dtype=``), refused by
    name at the user's line (``out=None`` is taken, as JAX's ufuncs take it)."""
    given = [k for k, v in keywords.items() if not (k == "out" and v is None)]
    if given:
        raise TypeError(f"{name}() got the keyword {', '.join(k + '=' for k in given)} (at {user_location()}), "
                        f"which adcompare refuses, as JAX's jnp.{name} does: arrays are never written in place "
                        f"(write y = {name}(...) for out=), a result's dtype is its operands' (cast them with "
                        f"astype for dtype=), and where= is anp.where(mask, {name}(...), other)")


def unary(name: str, method: str, scalar: Callable | None = None, exact: bool = False) -> Primitive:
    """A function of one array; ``exact``: it keeps an integer's dtype (``abs``), else it makes JAX's float."""
    def impl(xp, x, **keywords):
        if keywords:
            _refuse_keywords(name, keywords)
        if xp is np and not exact and getattr(x, "dtype", _F64) is not _F64:  # float64 and Python numbers: as they are
            x = inexact(x)
        return getattr(xp, method)(x)

    return Primitive(name, impl, scalar)


def binary(name: str, method: str, scalar: Callable | None = None, floats: bool = False) -> Primitive:
    """A broadcasting function of two arrays, in JAX's promoted dtype; ``floats``: it makes a float of integers."""
    def impl(xp, x, y, **keywords):
        if keywords:
            _refuse_keywords(name, keywords)
        if xp is np and (getattr(x, "dtype", _F64) is not _F64 or getattr(y, "dtype", _F64) is not _F64):
            x, y = promoted((x, y), floats)
        return getattr(xp, method)(x, y)

    return Primitive(name, impl, scalar)


def _where(xp, c, x, y):
    if xp is np:
        x, y = promoted((x, y))
    return xp.where(c, x, y)


def _sigmoid(xp, x):
    if xp is np and getattr(x, "dtype", _F64) is not _F64:
        x = inexact(x)
    return 0.5 * (xp.tanh(0.5 * x) + 1.0)  # stable for large |x|


def _maximum(x, y):
    """NumPy's ``maximum`` of two Python numbers: nan wins; a tie gives ``y``."""
    out = x if x > y or x != x else y
    return float(out) if float in (type(x), type(y)) else out


def _minimum(x, y):
    out = x if x < y or x != x else y
    return float(out) if float in (type(x), type(y)) else out


def _fmax(x, y):
    """NumPy's ``fmax`` of two Python numbers: a nan loses (both nan: nan)."""
    out = x if y != y else y if x != x else (x if x > y else y)
    return float(out) if float in (type(x), type(y)) else out


def _fmin(x, y):
    out = x if y != y else y if x != x else (x if x < y else y)
    return float(out) if float in (type(x), type(y)) else out


def _real_only(name: str, method: str):
    """An identity on real arrays (``real``, ``conj``) that refuses complex ones by name."""

    def impl(xp, x):
        if np.issubdtype(result_dtype(x), np.complexfloating):
            raise TypeError(f"{name}: complex arguments are not supported (adcompare differentiates "
                            f"real arrays only)")
        return getattr(xp, method)(x)

    return Primitive(name, impl, lambda x: x)


def _nan_to_num(xp, x, nan=0.0, posinf=None, neginf=None):
    return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _lgamma(x: float) -> float:
    try:
        return math.lgamma(x)
    except ValueError:  # a pole: 0 or a negative integer
        return math.inf


def _gammaln(xp, x):
    if xp is jnp:
        return jsp.gammaln(x)
    x = inexact(x)
    out = np.vectorize(_lgamma, otypes=[np.float64])(x)
    dtype = np.result_type(x)  # a float32 input keeps float32, as JAX's
    return out.astype(dtype) if np.issubdtype(dtype, np.floating) else out


add_p = binary("add", "add", operator.add)
subtract_p = binary("subtract", "subtract", operator.sub)
multiply_p = binary("multiply", "multiply", operator.mul)
divide_p = binary("divide", "divide", operator.truediv, floats=True)
power_p = binary("power", "power", math.pow)
maximum_p = binary("maximum", "maximum", _maximum)
minimum_p = binary("minimum", "minimum", _minimum)
where_p = Primitive("where", _where)

negative_p = unary("negative", "negative", operator.neg, exact=True)
sin_p = unary("sin", "sin", math.sin)
cos_p = unary("cos", "cos", math.cos)
tan_p = unary("tan", "tan", math.tan)
exp_p = unary("exp", "exp", math.exp)
log_p = unary("log", "log", math.log)
log1p_p = unary("log1p", "log1p", math.log1p)
expm1_p = unary("expm1", "expm1", math.expm1)
sqrt_p = unary("sqrt", "sqrt", math.sqrt)
tanh_p = unary("tanh", "tanh", math.tanh)
abs_p = unary("abs", "abs", abs, exact=True)
sigmoid_p = Primitive("sigmoid", _sigmoid, lambda x: 0.5 * (math.tanh(0.5 * x) + 1.0))
gammaln_p = Primitive("gammaln", _gammaln, _lgamma)

# NumPy's names beyond the core (issue 15)
square_p = Primitive("square", lambda xp, x: xp.square(x), lambda x: x * x)
# 1 / x, not xp.reciprocal: NumPy's is an integer's integer reciprocal (1 / 2 = 0); JAX's and this are 0.5
reciprocal_p = Primitive("reciprocal", lambda xp, x: xp.divide(1.0, inexact(x) if xp is np else x),
                         lambda x: 1.0 / x)
cbrt_p = unary("cbrt", "cbrt", math.cbrt)
exp2_p = unary("exp2", "exp2", math.exp2)
log2_p = unary("log2", "log2", math.log2)
log10_p = unary("log10", "log10", math.log10)
sinh_p = unary("sinh", "sinh", math.sinh)
cosh_p = unary("cosh", "cosh", math.cosh)
arcsin_p = unary("arcsin", "arcsin", math.asin)
arccos_p = unary("arccos", "arccos", math.acos)
arctan_p = unary("arctan", "arctan", math.atan)
arcsinh_p = unary("arcsinh", "arcsinh", math.asinh)
arccosh_p = unary("arccosh", "arccosh", math.acosh)
arctanh_p = unary("arctanh", "arctanh", math.atanh)
deg2rad_p = unary("deg2rad", "deg2rad", math.radians)
rad2deg_p = unary("rad2deg", "rad2deg", math.degrees)
real_p = _real_only("real", "real")
conj_p = _real_only("conj", "conj")
nan_to_num_p = Primitive("nan_to_num", _nan_to_num)

arctan2_p = binary("arctan2", "arctan2", math.atan2, floats=True)
# the next float after x1 toward x2, and the gap to the next float away from zero: no derivative, as in JAX
nextafter_p = binary("nextafter", "nextafter", floats=True)
spacing_p = unary("spacing", "spacing")
logaddexp_p = binary("logaddexp", "logaddexp", floats=True)
logaddexp2_p = binary("logaddexp2", "logaddexp2", floats=True)
fmax_p = binary("fmax", "fmax", _fmax)
fmin_p = binary("fmin", "fmin", _fmin)
remainder_p = binary("remainder", "remainder", operator.mod)
fmod_p = binary("fmod", "fmod", math.fmod)  # C's: the sign of x (remainder's has y's)
