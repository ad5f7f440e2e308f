"""Rules of the linear algebra primitives (Giles 2008, "An extended collection of matrix
derivative results"; Murray 2016 for Cholesky; Townsend 2016 for the thin SVD).

Every rule works on stacks of matrices (the last two axes) and is written with
the vocabulary's primitives (``matmul``, ``solve``, ...), so it differentiates
again. A factorization with several outputs has one primitive whose result packs
them (see :mod:`adcompare.primitives.linalg`): its JVP returns the packed tangents,
its VJP reads the packed cotangent, and the math is one joint formula. Masks
(triangles, the identity) are constants computed on primal values.

Where a derivative does not exist, the rule refuses by name: ``eigh`` at
repeated eigenvalues, ``svd`` at repeated (or, for a rectangular matrix, zero)
singular values. ``qr``'s rule is in :mod:`.linalg_qr`. Under ``jax.jit`` the values cannot be
looked at; there, as in JAX, such a derivative comes out inf or nan.
"""

from __future__ import annotations

import jax
import numpy as np

from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.primitives import check_only, primal, shape
from adcompare.rules.base import append_axis, broadcast, defjvp, defvjp, swap_last, unbroadcast

mul, add, sub, div, neg, mm = anp.multiply, anp.add, anp.subtract, anp.divide, anp.negative, anp.matmul
T = swap_last


# --------------------------------------------------------------------------
# Helpers: constants on the primal's backend, and matrix pieces made of primitives

# The backend and dtype are read from ``primal(like)`` in the helper's own body (not through a helper
# function of ``like``), so that SCT, transforming a rule again, sees them as constants.

def _eye(n: int, like):
    return p.namespace((primal(like),)).eye(n, dtype=p.result_dtype(primal(like)))


def _tril(n: int, like, k: int = 0):
    xp = p.namespace((primal(like),))
    return xp.tril(xp.ones((n, n), dtype=p.result_dtype(primal(like))), k)


def _sym(x):
    return mul(0.5, add(x, T(x)))


def _diag_of(x):
    return anp.sum(mul(x, _eye(shape(x)[-1], x)), axis=-1)


def _diag_matrix(v):
    return mul(append_axis(v, -2), _eye(shape(v)[-1], v))


def _row(v):  # X * _row(s) is X @ diag(s); _col(s) * X is diag(s) @ X
    return append_axis(v, -2)


def _col(v):
    return append_axis(v, -1)


def _trace_with(m, t):
    """tr(mᵀ t) over the last two axes."""
    return anp.sum(mul(m, t), axis=(-2, -1))


def _pack(pieces, lead: tuple):
    return anp.concatenate([anp.reshape(x, lead + (int(np.prod(shape(x)[len(lead):])),))
                            for x in pieces], axis=-1)


def rounding(pv: np.ndarray) -> np.ndarray:
    """How close two of the eigen- or singular values ``pv`` (a NumPy array, ``(..., k)``) are when equal to
    rounding, ``(..., 1)``: each matrix of a stack at its own scale (beside one of scale 1e12, 1 and 0.999 differ)."""
    scale = np.maximum(np.max(np.abs(pv), axis=-1, keepdims=True, initial=0.0), 1e-300)
    return 10 * shape(pv)[-1] * np.finfo(pv.dtype).eps * scale


@check_only
def _gaps(v, name: str, what: str, nonzero: bool = False, distinct: bool = True) -> None:
    """Refuse repeated values of ``v`` (eigen- or singular values) unless not ``distinct``, and zero ones if asked."""
    pv = primal(v)
    if isinstance(pv, jax.core.Tracer):
        return  # not concrete under jax.jit: inf or nan there, as in JAX
    pv = np.sort(np.asarray(pv), axis=-1)
    tol = rounding(pv)
    if distinct and shape(pv)[-1] > 1 and np.any(np.diff(pv, axis=-1) <= tol):
        raise ValueError(f"anp.linalg.{name}: the derivative needs distinct {what}, and two are equal "
                         f"(to rounding); at repeated {what} the factors are not differentiable")
    if nonzero and np.any(np.abs(pv) <= tol):
        raise ValueError(f"anp.linalg.{name}: the derivative of a rectangular matrix needs nonzero "
                         f"{what}, and one is zero (to rounding)")


def _reciprocal_gaps(v):
    """F with F_ij = 1 / (v_j - v_i) off the diagonal and 0 on it (differentiable in v)."""
    n = shape(v)[-1]
    eye = _eye(n, v)
    return div(sub(1.0, eye), add(sub(_row(v), _col(v)), eye))


# --------------------------------------------------------------------------
# inv, solve, slogdet

def _inv_vjp(ans, a):
    at = T(ans)
    return lambda g: neg(mm(mm(at, g), at))


defjvp(p.inv_p, lambda t, ans, a: neg(mm(mm(ans, t), ans)))
defvjp(p.inv_p, _inv_vjp)


def _solve_vjp_a(ans, a, b):
    sa = shape(a)
    return lambda g: unbroadcast(neg(mm(p.solve_p(T(a), g), T(ans))), sa)


def _solve_vjp_b(ans, a, b):
    sb = shape(b)
    return lambda g: unbroadcast(p.solve_p(T(a), g), sb)


defjvp(p.solve_p,
       lambda t, ans, a, b: broadcast(neg(p.solve_p(a, mm(t, ans))), ans),
       lambda t, ans, a, b: broadcast(p.solve_p(a, t), ans))
defvjp(p.solve_p, _solve_vjp_a, _solve_vjp_b)


def _triangle(a, lower: bool):
    """The triangle of ``a`` that a triangular solve reads, as a mask (1 in it, 0 outside)."""
    below = _tril(shape(a)[-1], a)
    return below if lower else T(below)


# triangular_solve: solve's rules, with a's derivative kept to the triangle the solve reads

def _triangular_solve_vjp_a(ans, a, b, lower=True):
    sa = shape(a)
    return lambda g: unbroadcast(mul(neg(mm(p.triangular_solve_p(T(a), g, lower=not lower), T(ans))),
                                     _triangle(a, lower)), sa)


def _triangular_solve_vjp_b(ans, a, b, lower=True):
    sb = shape(b)
    return lambda g: unbroadcast(p.triangular_solve_p(T(a), g, lower=not lower), sb)


defjvp(p.triangular_solve_p,
       lambda t, ans, a, b, lower=True:
       broadcast(neg(p.triangular_solve_p(a, mm(mul(t, _triangle(a, lower)), ans), lower=lower)), ans),
       lambda t, ans, a, b, lower=True: broadcast(p.triangular_solve_p(a, t, lower=lower), ans))
defvjp(p.triangular_solve_p, _triangular_solve_vjp_a, _triangular_solve_vjp_b)


# det: in adcompare.rules.linalg_det (the cofactor matrix, also at a singular matrix)


def _slogdet_jvp(t, ans, a):
    dlog = _trace_with(T(p.inv_p(a)), t)
    return anp.stack([p.constant_like(dlog, 0.0), dlog], axis=-1)


def _slogdet_vjp(ans, a):
    return lambda g: mul(_col(_col(anp.getitem(g, (Ellipsis, 1)))), T(p.inv_p(a)))


defjvp(p.slogdet_p, _slogdet_jvp)
defvjp(p.slogdet_p, _slogdet_vjp)


# --------------------------------------------------------------------------
# cholesky (Murray 2016): dL = L Φ(L⁻¹ sym(dA) L⁻ᵀ), Φ = lower triangle with half the diagonal

def _phi(like):
    n = shape(like)[-1]
    return sub(_tril(n, like), mul(0.5, _eye(n, like)))


def _cholesky_jvp(t, ans, a):
    inner = T(p.triangular_solve_p(ans, T(p.triangular_solve_p(ans, _sym(t)))))  # L⁻¹ sym(dA) L⁻ᵀ
    return mm(ans, mul(inner, _phi(ans)))


def _cholesky_vjp(ans, a):
    def vjp(g):
        lower = mul(mm(T(ans), g), _phi(ans))  # Φ(Lᵀ L̄)
        up = T(ans)  # sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹), by two triangular solves with Lᵀ
        return _sym(T(p.triangular_solve_p(up, T(p.triangular_solve_p(up, lower, lower=False)), lower=False)))

    return vjp


defjvp(p.cholesky_p, _cholesky_jvp)
defvjp(p.cholesky_p, _cholesky_vjp)


# --------------------------------------------------------------------------
# eigh: A = V diag(w) Vᵀ; dw = diag(Vᵀ dA V), dV = V (F ∘ Vᵀ dA V), F_ij = 1 / (w_j - w_i)

def _eigh_jvp(t, ans, a, UPLO="L"):  # noqa: N803
    w, v = p.unpack_outputs(ans, "eigh", shape(a))
    _gaps(w, "eigh", "eigenvalues")
    proj = mm(T(v), mm(_sym(t), v))
    return _pack([_diag_of(proj), mm(v, mul(_reciprocal_gaps(w), proj))], shape(a)[:-2])


def _eigh_vjp(ans, a, UPLO="L"):  # noqa: N803
    sa = shape(a)
    w, v = p.unpack_outputs(ans, "eigh", sa)
    _gaps(w, "eigh", "eigenvalues")

    def vjp(g):
        w_bar, v_bar = p.unpack_outputs(g, "eigh", sa)
        inner = add(_diag_matrix(w_bar), mul(_reciprocal_gaps(w), mm(T(v), v_bar)))
        return _sym(mm(v, mm(inner, T(v))))

    return vjp


defjvp(p.eigh_p, _eigh_jvp)
defvjp(p.eigh_p, _eigh_vjp)


# --------------------------------------------------------------------------
# svd (thin): A = U diag(s) Vᵀ, F_ij = 1 / (s_j² - s_i²)

def _svd_parts(ans, a):
    m, n = shape(a)[-2:]
    u, s, vh = p.unpack_outputs(ans, "svd", shape(a))
    _gaps(s, "svd", "singular values", nonzero=m != n)
    return u, s, vh, _reciprocal_gaps(mul(s, s)), m, n


def _svd_jvp(t, ans, a):
    u, s, vh, f, m, n = _svd_parts(ans, a)
    v, k = T(vh), shape(s)[-1]
    dp = mm(T(u), mm(t, v))
    dps, sdp = mul(dp, _row(s)), mul(_col(s), dp)
    du = mm(u, mul(f, add(dps, T(dps))))
    dv = mm(v, mul(f, add(sdp, T(sdp))))
    if m > k:
        dav = mm(t, v)
        du = add(du, div(sub(dav, mm(u, mm(T(u), dav))), _row(s)))
    if n > k:
        dau = mm(T(t), u)
        dv = add(dv, div(sub(dau, mm(v, mm(vh, dau))), _row(s)))
    return _pack([du, _diag_of(dp), T(dv)], shape(a)[:-2])


def _svd_vjp(ans, a):
    u, s, vh, f, m, n = _svd_parts(ans, a)
    sa, k = shape(a), shape(s)[-1]

    def vjp(g):
        u_bar, s_bar, vh_bar = p.unpack_outputs(g, "svd", sa)
        j = mul(f, mm(T(u), u_bar))
        kk = mul(f, mm(vh, T(vh_bar)))
        inner = add(_diag_matrix(s_bar), add(mul(add(j, T(j)), _row(s)), mul(_col(s), add(kk, T(kk)))))
        a_bar = mm(u, mm(inner, vh))
        if m > k:  # (I - U Uᵀ) Ū S⁻¹ Vᵀ
            a_bar = add(a_bar, mm(div(sub(u_bar, mm(u, mm(T(u), u_bar))), _row(s)), vh))
        if n > k:  # U S⁻¹ V̄ᵀ (I - V Vᵀ)
            a_bar = add(a_bar, mm(u, div(sub(vh_bar, mm(mm(vh_bar, T(vh)), vh)), _col(s))))
        return a_bar

    return vjp


defjvp(p.svd_p, _svd_jvp)
defvjp(p.svd_p, _svd_vjp)


# --------------------------------------------------------------------------
# pinv (Golub & Pereyra 1973; constant rank):
# dP = -P dA P + P Pᵀ dAᵀ (I - A P) + (I - P A) dAᵀ Pᵀ P

def _pinv_jvp(t, ans, a, rtol=None, hermitian=False):  # (the cut-off is in ans: the rank it kept)
    pp = ans
    z = mm(mm(pp, T(pp)), T(t))
    w = mm(T(t), mm(T(pp), pp))
    return add(neg(mm(pp, mm(t, pp))), add(sub(z, mm(mm(z, a), pp)), sub(w, mm(pp, mm(a, w)))))


def _pinv_vjp(ans, a, rtol=None, hermitian=False):
    pp = ans

    def vjp(g):
        z = mm(T(g), mm(pp, T(pp)))
        w = mm(mm(T(pp), pp), T(g))
        return add(neg(mm(T(pp), mm(g, T(pp)))), add(sub(z, mm(a, mm(pp, z))), sub(w, mm(mm(w, pp), a))))

    return vjp


defjvp(p.pinv_p, _pinv_jvp)
defvjp(p.pinv_p, _pinv_vjp)


# norm: in adcompare.rules.linalg_norm
