"""The elemental library: ``import adcompare.elemental as el``.

A program for the elemental engine is written with these calls only, e.g.
``el.subtract(el.add(el.log(x1), el.multiply(x1, x2)), el.sin(x2))``. The
names and signatures are those of :mod:`adcompare.numpy`, plus :func:`primal`.

No Python operator is involved anywhere: elemental values refuse them all, with
a ``TypeError`` naming the call to use. Instead each elementwise call checks its
own arguments directly: when one is an active value, the call goes straight to
the trace of the highest-level one (the engine's pair trace or tape, in
:mod:`adcompare.engines.elemental`), which works out the value and its
derivative from the rule table; otherwise it just computes. The structural
calls (``sum``, ``reshape``, ``getitem``, ...) are the vocabulary's own and bind
their primitive, which does the same check. Any argument may be a constant (a
Python number, a NumPy or JAX array), and the backend follows the arguments.

Control flow tests :func:`primal` values, e.g. ``if el.primal(x) < 0.5:``.

Every call takes nested lists and tuples of values (active ones too) where it
takes an array, packed as ``jnp.asarray`` packs them (``el.sum([a, el.multiply(a, a)])``);
``el.array`` and ``el.asarray`` do just that. Elemental values are never
written into: ``y = el.index_update(y, idx, v)`` is the functional update
(JAX's ``y.at[idx].set(v)``).
"""

from __future__ import annotations

from collections.abc import Callable

from adcompare import numpy as _anp
from adcompare import primitives as _p
from adcompare.numpy import *  # noqa: F403  (the structural calls are the vocabulary's own)
from adcompare.primitives import Box, pack, primal  # noqa: F401  (el.primal, for control flow)

_SEQUENCES = (list, tuple)


def _unary(prim: _p.Primitive) -> Callable:
    def library_call(x):
        if isinstance(x, Box):
            return x._trace.process(prim, (x,), {})
        if type(x) in _SEQUENCES:
            return library_call(pack(x))
        return prim.apply(x)

    library_call.__name__ = library_call.__qualname__ = prim.name
    library_call.__doc__ = f"{prim.name}(x), elementwise."
    return library_call


def _binary(prim: _p.Primitive) -> Callable:
    def library_call(x, y):
        if type(x) in _SEQUENCES or type(y) in _SEQUENCES:
            x, y = pack(x), pack(y)
        if isinstance(x, Box):  # the higher level's trace takes the call, as in binding
            top = y if isinstance(y, Box) and y._trace.level > x._trace.level else x
        elif isinstance(y, Box):
            top = y
        else:
            return prim.apply(x, y)
        return top._trace.process(prim, (x, y), {})

    library_call.__name__ = library_call.__qualname__ = prim.name
    library_call.__doc__ = f"{prim.name}(x, y), elementwise with NumPy broadcasting."
    return library_call


negative, sin, cos, tan, exp, log, log1p, expm1, sqrt, tanh, abs, sigmoid, gammaln = map(_unary, (
    _p.negative_p, _p.sin_p, _p.cos_p, _p.tan_p, _p.exp_p, _p.log_p, _p.log1p_p, _p.expm1_p,
    _p.sqrt_p, _p.tanh_p, _p.abs_p, _p.sigmoid_p, _p.gammaln_p))
(square, reciprocal, cbrt, exp2, log2, log10, sinh, cosh, arcsin, arccos, arctan, arcsinh, arccosh,
 arctanh, deg2rad, rad2deg, real, conj, sinc, erf, erfc, erfinv) = map(_unary, (
    _p.square_p, _p.reciprocal_p, _p.cbrt_p, _p.exp2_p, _p.log2_p, _p.log10_p, _p.sinh_p, _p.cosh_p,
    _p.arcsin_p, _p.arccos_p, _p.arctan_p, _p.arcsinh_p, _p.arccosh_p, _p.arctanh_p, _p.deg2rad_p,
    _p.rad2deg_p, _p.real_p, _p.conj_p, _p.sinc_p, _p.erf_p, _p.erfc_p, _p.erfinv_p))
add, subtract, multiply, divide, power, maximum, minimum, matmul, dot = map(_binary, (
    _p.add_p, _p.subtract_p, _p.multiply_p, _p.divide_p, _p.power_p, _p.maximum_p, _p.minimum_p,
    _p.matmul_p, _p.dot_p))
arctan2, logaddexp, logaddexp2, fmax, fmin, remainder, fmod = map(_binary, (
    _p.arctan2_p, _p.logaddexp_p, _p.logaddexp2_p, _p.fmax_p, _p.fmin_p, _p.remainder_p, _p.fmod_p))
# NumPy's other names for the same functions
absolute = fabs = abs
true_divide = divide
mod = remainder
radians, degrees = deg2rad, rad2deg
conjugate = conj

__all__ = sorted({n for n, v in vars(_anp).items() if not n.startswith("_") and n != "annotations"
                  and not isinstance(v, type(_anp))} | {"primal"})
