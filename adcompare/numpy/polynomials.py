"""Polynomials as coefficient arrays (highest power first, as NumPy's ``poly*``): ``polyadd``, ``polysub``,
``polymul``, ``polydiv``, ``polyder``, ``polyint``, ``polyfit`` and ``roots`` (complex: of constants only).
Compositions, written as JAX's ``jnp`` versions compute
them (``polyfit``: the least-squares solution of the column-scaled Vandermonde system), so their derivatives
are JAX's; the integer coefficients of derivatives and integrals are constants.
"""

from __future__ import annotations

import numpy as _np

from adcompare import primitives as _p
from adcompare.concrete import user_location
from adcompare.numpy.constants import zeros
from adcompare.numpy.elementwise import _inexact_pair
from adcompare.numpy.linalg import inv, lstsq
from adcompare.numpy.numerics import vander
from adcompare.numpy.padding import pad
from adcompare.numpy.products import matmul, outer
from adcompare.numpy.reductions import sum
from adcompare.numpy.shapes import asarray, concatenate, getitem, ndim, reshape, shape, stack
from adcompare.numpy.signal import _real, convolve


def polyadd(a1, a2):
    """The sum of two polynomials: the shorter padded in front."""
    a1, a2 = asarray(a1), asarray(a2)
    n1, n2 = shape(a1)[0], shape(a2)[0]
    if n1 < n2:
        return _p.add_p(pad(a1, (n2 - n1, 0)), a2)
    return _p.add_p(a1, pad(a2, (n1 - n2, 0)))


def polysub(a1, a2):
    return polyadd(a1, _p.negative_p(asarray(a2)))


def polymul(a1, a2):
    """The product of two polynomials: the convolution of their coefficients."""
    return convolve(a1, a2)


def polyder(p, m=1):
    """The ``m``-th derivative: ``p[:-m]`` times the falling factorials of the powers (constants)."""
    p = asarray(p)
    if m < 0:
        raise ValueError("polyder: order of derivative must be positive")
    if m == 0:
        return p
    powers = _np.arange(shape(p)[0] - 1, m - 1, -1, dtype=float)  # of the terms that remain
    coeff = (powers[None, :] - _np.arange(m)[:, None]).prod(0).astype(_real(_p.primal(p)))  # float32 stays
    return _p.multiply_p(getitem(p, slice(None, -m)), coeff)


def polyint(p, m=1, k=None):
    """The ``m``-th antiderivative, its integration constants ``k`` (0 by default; one number or ``m``)."""
    p = asarray(p)
    if m < 0:
        raise ValueError("polyint: order of integral must be positive")
    if m == 0:
        return p
    real = _real(_p.primal(p))  # a float32 p's integral is float32, as JAX's; a Python k is weak
    k = _np.zeros((), real) if k is None else _np.asarray(_p.primal(k), real) if type(k) in (int, float) else asarray(k)
    if ndim(k) == 0 or shape(k)[0] == 1:
        k = _p.broadcast_to_p(reshape(k, (1,)), shape=(m,))
    if shape(k) != (m,):
        raise ValueError("polyint: k must be a scalar or a sequence of length m")
    grid = _np.arange(shape(p)[0] + m, dtype=float)[None, :] - _np.arange(m, dtype=float)[:, None]
    coeff = _np.maximum(1.0, grid).prod(0)[::-1].astype(real)
    return _p.divide_p(concatenate([p, k]), coeff)


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """The least-squares polynomial of degree ``deg`` through ``(x, y)`` (``y`` one or several columns), as
    JAX's: the Vandermonde columns scaled to unit norm, then ``lstsq``; ``full`` adds its residuals, rank, singular
    values and ``rcond``, ``cov`` the coefficients' covariance (``'unscaled'``: without the residuals' scale). An
    ``rcond`` that would cut a singular value is refused (lstsq needs a matrix of full column rank)."""
    order = int(deg) + 1
    lhs, rhs = vander(x, order), asarray(y)
    if w is not None:
        lhs = _p.multiply_p(lhs, reshape(w, (-1, 1)))
        rhs = _p.multiply_p(rhs, w if ndim(rhs) == 1 else reshape(w, (-1, 1)))
    scale = _p.sqrt_p(sum(_p.multiply_p(lhs, lhs), axis=0))
    lhs = _p.divide_p(lhs, scale)
    c, residuals, rank, s = lstsq(lhs, rhs)
    rcond = _checked_rcond(rcond, _p.primal(s))
    c = _p.divide_p(c, scale if ndim(c) == 1 else reshape(scale, (-1, 1)))
    if full:
        cut = shape(lhs)[0] * float(_np.finfo(_p.result_dtype(lhs)).eps) if rcond is None else rcond
        return c, residuals, rank, s, _np.asarray(float(cut))
    if not cov:
        return c
    base = _p.divide_p(inv(matmul(_p.transpose_p(lhs, axes=(1, 0)), lhs)), outer(scale, scale))
    if cov == "unscaled":
        return c, base if ndim(rhs) == 1 else reshape(base, shape(base) + (1,))  # (JAX's: one column)
    if shape(lhs)[0] <= order:
        raise ValueError("polyfit: the number of data points must exceed order to scale the covariance matrix")
    fac = _p.divide_p(residuals, float(shape(lhs)[0] - order))
    return c, _p.multiply_p(base, fac) if ndim(rhs) == 1 else _p.multiply_p(reshape(base, shape(base) + (1,)), fac)


def _checked_rcond(rcond, s):
    """``rcond``, if it cuts none of the singular values ``s`` (else refused by name)."""
    if rcond is not None and _np.size(s) and float(_np.min(s)) <= float(rcond) * float(_np.max(s)):
        raise NotImplementedError(f"polyfit: rcond={rcond!r} (at {user_location()}) cuts a singular value of the "
                                  "scaled Vandermonde matrix: its rank would drop, where lstsq's solution jumps")
    return rcond


def poly(seq_of_zeros):
    """The monic polynomial with the given roots (1-d, in JAX's float of their dtype): each root's factor
    ``(x - r)`` multiplied in, as jnp's convolutions. A matrix (jnp: its eigenvalues' polynomial) is refused."""
    seq = asarray(seq_of_zeros)
    if ndim(seq) != 1:
        raise NotImplementedError(f"poly: a {ndim(seq)}-d argument (at {user_location()}) is not supported: "
                                  f"pass the roots (1-d), e.g. anp.poly(anp.linalg.eigvals(a)) for a matrix")
    floats = _p.inexact_dtype(_p.primal(seq))
    seq = seq if floats is None else _p.astype_p(seq, dtype=floats)
    coefficients = _p.astype_p(_np.ones(1), dtype=_p.result_dtype(seq))
    for k in range(shape(seq)[0]):
        zero = _p.astype_p(_np.zeros(1), dtype=_p.result_dtype(seq))
        shifted = _p.multiply_p(concatenate([zero, coefficients], 0), getitem(seq, k))
        coefficients = _p.subtract_p(concatenate([coefficients, zero], 0), shifted)
    return reshape(coefficients, ()) if shape(seq)[0] == 0 else coefficients


def polydiv(u, v, *, trim_leading_zeros=False):
    """``(quotient, remainder)`` by long division, as jnp's: the remainder keeps ``u``'s length (its leading
    entries cancelled), or with ``trim_leading_zeros`` drops leading entries below JAX's tolerance (sqrt(eps)),
    found on the primal."""
    u, v = _inexact_pair(asarray(u), asarray(v))
    m, n = shape(u)[0] - 1, shape(v)[0] - 1
    if m < n:
        return zeros(1, dtype=_p.result_dtype(u), like=u), _leading_trimmed(u) if trim_leading_zeros else u
    scale = _p.divide_p(1.0, getitem(v, 0))
    quotient = []
    for k in range(m - n + 1):
        d = _p.multiply_p(scale, getitem(u, k))
        quotient.append(d)
        u = _p.subtract_p(u, pad(_p.multiply_p(d, v), (k, m - n - k)))
    return stack(quotient), _leading_trimmed(u) if trim_leading_zeros else u


def _leading_trimmed(r):
    small = _np.abs(_np.asarray(_p.primal(r))) < _np.sqrt(_np.finfo(_p.result_dtype(r)).eps)
    return getitem(r, slice(shape(r)[0] if small.all() else int(_np.argmin(small)), None))


def roots(p, *, strip_zeros=True):
    """The roots of a constant polynomial, complex as jnp's (NumPy's on NumPy values, JAX's on JAX's). Those of a
    differentiated one are refused: they are complex (its companion matrix's eigenvalues, as ``eig``'s)."""
    packed = _p.pack(p)
    if isinstance(packed, _p.Box):
        raise NotImplementedError(f"roots (at {user_location()}): the roots of a differentiated polynomial are complex "
                                  "(its companion matrix's eigenvalues), and adcompare differentiates real arrays only")
    value = _p.primal(packed)
    if _p.namespace((value,)) is not _np:
        return _p.namespace((value,)).roots(value, strip_zeros=strip_zeros)
    value = _np.asarray(_p.inexact(_np.asarray(value)))
    if not strip_zeros and value.size and value[0] == 0:
        raise NotImplementedError(f"roots: strip_zeros=False with a leading zero (at {user_location()}) is not "
                                  "supported on NumPy values (jnp's roots are then nan)")
    return _np.roots(value).astype(_np.result_type(value.dtype, _np.complex64))


__all__ = ["poly", "polyadd", "polysub", "polymul", "polydiv", "polyder", "polyint", "polyfit", "roots"]
