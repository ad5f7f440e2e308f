"""Elementwise names: arithmetic (broadcasting), functions of one array, special functions.

Real arguments only. ``sign``, ``floor``, ``floor_divide``, ``ceil``, ``round``, ``trunc`` (``fix``),
``rint``, ``signbit``, ``imag``, the ``is*`` tests, ``equal`` and the ``logical_*`` functions make constants (their
derivative is zero, as JAX's is).
"""

from __future__ import annotations

import jax as _jax
import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.numpy.constants import zeros_like as _zeros_like
from adcompare.numpy.shapes import _owned, asarray

add = _p.add_p
subtract = _p.subtract_p
multiply = _p.multiply_p
divide = true_divide = _p.divide_p
negative = _p.negative_p
power = _p.power_p
maximum = _p.maximum_p
minimum = _p.minimum_p
fmax = _p.fmax_p
fmin = _p.fmin_p
remainder = mod = _p.remainder_p
fmod = _p.fmod_p
arctan2 = _p.arctan2_p
logaddexp = _p.logaddexp_p
logaddexp2 = _p.logaddexp2_p
sin = _p.sin_p
cos = _p.cos_p
tan = _p.tan_p
arcsin = _p.arcsin_p
arccos = _p.arccos_p
arctan = _p.arctan_p
sinh = _p.sinh_p
cosh = _p.cosh_p
tanh = _p.tanh_p
arcsinh = _p.arcsinh_p
arccosh = _p.arccosh_p
arctanh = _p.arctanh_p
exp = _p.exp_p
exp2 = _p.exp2_p
expm1 = _p.expm1_p
log = _p.log_p
log2 = _p.log2_p
log10 = _p.log10_p
log1p = _p.log1p_p
sqrt = _p.sqrt_p
cbrt = _p.cbrt_p
square = _p.square_p
reciprocal = _p.reciprocal_p
abs = absolute = fabs = _p.abs_p
deg2rad = radians = _p.deg2rad_p
rad2deg = degrees = _p.rad2deg_p
real = _p.real_p
conj = conjugate = _p.conj_p
sigmoid = _p.sigmoid_p
sinc = _p.sinc_p
erf = _p.erf_p
erfc = _p.erfc_p
erfinv = _p.erfinv_p
i0 = _p.i0_p
nextafter = _p.nextafter_p  # no derivative, as JAX's: an active operand is refused
spacing = _p.spacing_p
# NumPy 2's names for the same functions
acos, asin, atan, acosh, asinh, atanh, atan2 = arccos, arcsin, arctan, arccosh, arcsinh, arctanh, arctan2
pow = power


def _inexact_pair(x1, x2):
    """``x1`` and ``x2`` in JAX's float of their promoted dtype where that is an integer's (float32 for int32)."""
    floats = _p.inexact_dtype(_p.primal(_p.pack(x1)), _p.primal(_p.pack(x2)))
    if floats is None:
        return x1, x2
    return _p.astype_p(x1, dtype=floats), _p.astype_p(x2, dtype=floats)


def float_power(x1, x2):
    """``power`` in JAX's float of the operands: integers too (``float_power(2, -1)`` is 0.5)."""
    x1, x2 = _inexact_pair(x1, x2)
    return _p.power_p(x1, x2)
gammaln = _p.gammaln_p


def digamma(x):
    return _p.polygamma_p(x, n=0)


def polygamma(n, x):
    """scipy's ``polygamma(n, x)``: the ``n``-th derivative of ``digamma`` (``n`` a constant int)."""
    return _p.polygamma_p(x, n=int(n))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NumPy's ``nan_to_num``; the replaced entries have derivative zero in ``x``, as in JAX, and a
    differentiated replacement (``nan=x[0]``) its own derivative there (``where`` of it, in ``x``'s dtype)."""
    given = {"nan": nan, "posinf": posinf, "neginf": neginf}
    active = {k: v for k, v in given.items() if isinstance(v, _p.Box)}
    out = _p.nan_to_num_p(x, **{k: 0.0 if k in active else v for k, v in given.items()})
    for k, v in active.items():  # (a differentiated number as a parameter would lose its derivative)
        test = {"nan": isnan, "posinf": isposinf, "neginf": isneginf}[k](x)
        out = where(test, _p.astype_p(v, dtype=_p.result_dtype(out)), out)
    return out


def clip(a, a_min=None, a_max=None, *, min=None, max=None):
    """NumPy's ``clip``, as JAX computes it: ``minimum(a_max, maximum(a_min, a))`` (a tie at a
    bound splits the derivative, as JAX's does); the bounds may be active too. ``min=``/``max=`` are
    NumPy 2's and jnp's names of the bounds."""
    if min is not None or max is not None:
        if a_min is not None or a_max is not None:
            raise TypeError(f"clip(): bounds given twice, positionally (a_min, a_max) and as min=/max= (at "
                            f"{user_location()}); give each bound once")
        a_min, a_max = min, max
    x = a = asarray(a)  # a list or tuple is packed first, as jnp.asarray packs it
    if a_min is not None:
        a = _p.maximum_p(a_min, a)
    if a_max is not None:
        a = _p.minimum_p(a_max, a)
    return _owned(a, x)  # (with no bound, a new array of a's values, as NumPy's)


def hypot(x1, x2):
    """NumPy's ``hypot``, computed as JAX computes it (``max * sqrt(1 + (min / max)**2)``), so that its
    derivatives of every order are JAX's, ties of ``|x1|`` and ``|x2|`` and (0, 0) included."""
    x1, x2 = _inexact_pair(x1, x2)
    a, b = _p.abs_p(x1), _p.abs_p(x2)
    big, small = _p.maximum_p(a, b), _p.minimum_p(a, b)
    zero = equal(big, 0.0)
    scaled = _p.multiply_p(big, _p.sqrt_p(_p.add_p(1.0, _p.square_p(_p.divide_p(small, where(zero, 1.0, big))))))
    return where(logical_or(isposinf(a), isposinf(b)), _np.inf, where(zero, big, scaled))


def angle(z, deg=False):
    """The angle of a real ``z``: ``arctan2(0, z)`` as JAX computes it (derivative -0, nan at 0)."""
    a = _p.arctan2_p(_zeros_like(z), z)
    return _p.rad2deg_p(a) if deg else a


_NOT_GIVEN = object()  # (None is a value: np.where(c, None, 1) makes an object array)


def where(condition, x=_NOT_GIVEN, y=_NOT_GIVEN):
    """``x`` where ``condition``, else ``y``; ``where(condition)`` alone is :func:`nonzero`, a constant (as
    NumPy's, and JAX's ``jnp.where(c)`` with its size unknown)."""
    if x is _NOT_GIVEN and y is _NOT_GIVEN:
        return nonzero(condition)
    if x is _NOT_GIVEN or y is _NOT_GIVEN:
        raise ValueError("either both or neither of x and y should be given")  # NumPy's words
    return _p.where_p(_p.primal(_p.pack(condition)), x, y)  # the condition is never differentiated


def nonzero(a):
    """The indices of the nonzero entries, one array per axis (constants)."""
    pa = _p.primal(_p.pack(a))
    return _p.namespace((pa,)).nonzero(pa)


def _constant(method: str):
    def constant(x, *args, **kwargs):
        x, args = _p.primal(_p.pack(x)), tuple(_p.primal(a) for a in args)
        return getattr(_p.namespace((x, *args)), method)(x, *args, **kwargs)

    constant.__name__ = constant.__qualname__ = method
    constant.__doc__ = f"NumPy's ``{method}`` of the primal value: a constant (its derivative is zero)."
    return constant


def stop_gradient(x):
    """``x``'s value as a constant: no derivative of any order flows through it, as ``jax.lax.stop_gradient``
    (which it is on JAX arrays and tracers, so that the same source stops JAX's derivatives too)."""
    x = _p.primal(_p.pack(x))
    if isinstance(x, _jax.Array):
        return _jax.lax.stop_gradient(x)
    xp = _p.namespace((x,))
    if xp is _np:
        return x
    stop = getattr(xp, "stop_gradient", None)  # a peer's values (autograd's boxes, torch's tensors)
    if stop is None:
        raise TypeError(f"anp.stop_gradient: no way to stop {type(x).__name__}'s derivatives "
                        f"({getattr(xp, '__name__', xp)} has no stop_gradient)")
    return stop(x)


sign = _constant("sign")
floor = _constant("floor")
floor_divide = _constant("floor_divide")  # NumPy's own (1.0 // 0.1 is 9.0, floor(1.0 / 0.1) 10.0)
ceil = _constant("ceil")
round = around = _constant("round")


def _of_primal(method: str, x):
    """NumPy's (or JAX's) ``method`` of ``x``'s primal value: a constant. Written out per name, not made
    by :func:`_constant`, so that SCT transforms these small functions as they are."""
    value = _p.primal(_p.pack(x))
    return getattr(_p.namespace((value,)), method)(value)


def trunc(x):
    """``x`` rounded toward zero (a constant, as JAX's ``trunc``, ``rint``, ``signbit`` are)."""
    return _of_primal("trunc", x)


def rint(x):
    return _of_primal("rint", x)


def signbit(x):
    return _of_primal("signbit", x)


fix = trunc
_imag = _constant("imag")


def imag(x):
    """The imaginary part of a real ``x``: zeros, a constant. A complex ``x`` is refused, as ``real`` and
    ``conj`` refuse it: its imaginary part does depend on what is differentiated."""
    return _imag(real_only("imag", x)[0])


def real_only(name: str, *xs):
    """``xs``, or the refusal of a complex one by ``name`` (a function that conjugates, or reads the imaginary part:
    adcompare differentiates real arrays only, and ``conj`` refuses complex ones)."""
    if any(_np.issubdtype(_p.result_dtype(_p.primal(_p.pack(x))), _np.complexfloating) for x in xs):
        raise TypeError(f"{name}: complex arguments are not supported (adcompare differentiates real arrays only)")
    return xs
isfinite = _constant("isfinite")
isnan = _constant("isnan")
isinf = _constant("isinf")
isposinf = _constant("isposinf")
isneginf = _constant("isneginf")
equal = _constant("equal")
logical_or = _constant("logical_or")
logical_and = _constant("logical_and")
logical_not = _constant("logical_not")


def logical_xor(x1, x2):
    return logical_not(equal(logical_not(x1), logical_not(x2)))


def copysign(x1, x2):
    """``|x1|`` with the sign bit of ``x2``, as JAX computes it: ``where(signbit(x2), -|x1|, |x1|)``
    (``x2``'s sign is a constant: its derivative is zero)."""
    a, sign = _p.abs_p(x1), _p.primal(x2)
    if not _p.is_float(_p.primal(x1)):  # an integer's is a float, as NumPy's and JAX's
        a = _p.multiply_p(a, 1.0)
    if _p.is_float(sign) and type(sign) is not float:  # in both operands' dtype (a Python float is weak), as JAX's
        a = _p.add_p(a, _p.constant_like(sign, 0.0, ()))
    return where(signbit(x2), _p.negative_p(a), a)


def heaviside(x1, x2):
    """0 where ``x1 < 0``, 1 where ``x1 > 0``, ``x2`` where ``x1 == 0`` (nan where ``x1`` is): as JAX's,
    whose derivative in ``x2`` is 1 at those zeros (and in ``x1``, zero)."""
    v = _p.primal(_p.pack(x1))
    return where(v < 0, 0.0, where(v > 0, 1.0, where(isnan(v), v, x2)))


def ldexp(x1, x2):
    """``x1 * 2 ** x2`` (``x2`` integers: a constant), in ``x1``'s float dtype, as JAX's."""
    x1 = asarray(x1)
    if not _p.is_float(x1):
        x1 = _p.astype_p(x1, dtype=_p.inexact_dtype(_p.primal(x1)))
    return _p.multiply_p(x1, _p.astype_p(_np.ldexp(1.0, _np.asarray(_p.primal(x2))), dtype=_p.result_dtype(x1)))


def frexp(x):
    """``(mantissa, exponent)``, ``x = mantissa * 2 ** exponent``, as JAX's: the exponent (int32) is a constant, the
    mantissa ``x`` scaled by ``2 ** -exponent`` (so that is its derivative), in two exact steps (no overflow)."""
    x = asarray(x)
    if not _p.is_float(x):
        x = _p.astype_p(x, dtype=_p.inexact_dtype(_p.primal(x)))
    value = _p.primal(x)
    xp = _p.namespace((value,))
    exponent = xp.frexp(value)[1]
    one = xp.ones_like(value)
    scaled = _p.multiply_p(x, xp.ldexp(one, -(exponent // 2)))
    return _p.multiply_p(scaled, xp.ldexp(one, exponent // 2 - exponent)), exponent


def modf(x):
    """``(x - whole, whole)``, ``whole`` rounded toward zero (a constant), as JAX's."""
    whole = trunc(x)
    return _p.subtract_p(x, whole), whole
