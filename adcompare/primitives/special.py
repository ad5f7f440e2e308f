"""Special functions (real arguments): ``erf``, ``erfc``, ``erfinv``, ``polygamma`` (``digamma`` is its
order 0), ``sinc`` and the modified Bessel functions ``i0`` and ``i1`` (``i0``'s derivative).

On NumPy they come from ``scipy.special`` (a dependency of JAX), on JAX from
``jax.scipy.special``; another namespace (a peer's) supplies them by name.
Values follow JAX where SciPy differs: ``digamma`` is nan at its poles (0 and
the negative integers; SciPy gives -inf at 0), and ``polygamma`` of order n > 0 is nan at +inf, and of an even
order at the poles and -inf (SciPy gives -inf).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from adcompare.primitives.core import Primitive
from adcompare.primitives.promotion import inexact


def _scipy():
    import scipy.special  # imported on first use: it is slow to import

    return scipy.special


def _as_input(out, x):
    """SciPy's value in the float dtype of ``x`` where it has one: float16 stays float16 (SciPy's is float32)."""
    dtype = getattr(x, "dtype", None)
    return out.astype(dtype) if isinstance(dtype, np.dtype) and dtype.kind == "f" and out.dtype != dtype else out


def _erf(xp, x):
    if xp is np:
        return _as_input(_scipy().erf(inexact(x)), x)
    if xp is jnp:
        return jsp.erf(x)
    return xp.erf(x)


def _named(name: str):
    """SciPy's (NumPy), ``jax.scipy.special``'s (JAX) or the namespace's own special function ``name``."""
    def apply(xp, x):
        if xp is np:
            return _as_input(getattr(_scipy(), name)(inexact(x)), x)
        return getattr(jsp if xp is jnp else xp, name)(x)

    return apply


def _polygamma(xp, x, n=0):
    """The ``n``-th derivative of digamma (``n = 0``: digamma itself)."""
    if type(x) in (float, int):  # a Python number stays one
        return float(_polygamma(np, np.float64(x), n))
    if xp is jnp:
        return jsp.digamma(x) if n == 0 else jsp.polygamma(n, x)
    if xp is not np:
        return xp.polygamma(n, x)
    x = inexact(np.asarray(x))
    with np.errstate(invalid="ignore"):
        pole = (x <= 0) & (x == np.floor(x))
    if n > 0:  # nan at +inf, and for an even order at the poles and -inf (SciPy's -inf), as JAX's
        nan = (x == np.inf) | (n % 2 == 0) & (pole | (x == -np.inf))
        return np.where(nan, np.nan, _scipy().polygamma(n, x)).astype(np.result_type(x))  # SciPy's is float64
    return np.where(pole, np.nan, _scipy().digamma(x))


def _sinc_taylor(xp, x, k=0):
    """The ``k``-th derivative of ``sinc`` at 0, as an array like ``x``: JAX's ``_sinc_maclaurin``."""
    c = 0.0 if k % 2 else (-1) ** (k // 2) * math.pi ** k / (k + 1)
    return x * 0.0 + c


erf_p = Primitive("erf", _erf, math.erf)
erfc_p = Primitive("erfc", _named("erfc"), math.erfc)
erfinv_p = Primitive("erfinv", _named("erfinv"))
polygamma_p = Primitive("polygamma", _polygamma)
i0_p = Primitive("i0", lambda xp, x: xp.i0(x) if xp is jnp else _named("i0")(xp, x))
i1_p = Primitive("i1", _named("i1"))
sinc_p = Primitive("sinc", lambda xp, x: xp.sinc(inexact(x) if xp is np else x))
sinc_taylor_p = Primitive("sinc_taylor", _sinc_taylor)
