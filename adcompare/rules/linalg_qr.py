"""The rule of ``qr`` (reduced: ``q`` is m x k, ``r`` k x n, k = min(m, n)), as JAX's.

A tall or square matrix (m ≥ n): X = dA R⁻¹, C = Qᵀ X, Ω = tril(C, -1) - tril(C, -1)ᵀ; dQ = Q (Ω - C) + X,
dR = (C - Ω) R; its transpose Ā = (Q̄ + Q E) R⁻ᵀ, with B = Qᵀ Q̄ - R̄ Rᵀ and E = tril(B - Bᵀ, -1) - B.

A wide matrix (m < n) is A = [A₁ | A₂] with A₁ square, R = [R₁ | R₂]: Q, R₁ are the QR of A₁ (the rule above),
and R₂ = Qᵀ A₂, so dR₂ = dQᵀ A₂ + Qᵀ dA₂; its transpose Ā₂ = Q R̄₂, and Ā₁ the rule above's with Q̄ + A₂ R̄₂ᵀ
for Q̄. The two blocks are taken and put back by products with constant selections (columns of the identity),
so the rule is made of the vocabulary's primitives and differentiates again.
"""

from __future__ import annotations

from adcompare import primitives as p
from adcompare.primitives import primal, shape
from adcompare.rules.base import defjvp, defvjp
from adcompare.rules.linalg import T, _pack, _tril, add, mm, mul, sub


def _split(like, m: int, n: int):
    """The selections S₁ (n x m) and S₂ (n x (n - m)): A S₁ = A₁, A S₂ = A₂, and Ā = Ā₁ S₁ᵀ + Ā₂ S₂ᵀ."""
    xp = p.namespace((primal(like),))
    eye = xp.eye(n, dtype=p.result_dtype(primal(like)))
    return eye[:, :m], eye[:, m:]


def _square_jvp(t, q, r):
    lower = _tril(shape(r)[-1], r, -1)
    x = T(p.solve_p(T(r), T(t)))
    c = mm(T(q), x)
    below = mul(c, lower)
    omega = sub(below, T(below))
    return add(mm(q, sub(omega, c)), x), mm(sub(c, omega), r)


def _square_vjp(q_bar, r_bar, q, r):
    lower = _tril(shape(r)[-1], r, -1)
    b = sub(mm(T(q), q_bar), mm(r_bar, T(r)))
    e = sub(mul(sub(b, T(b)), lower), b)
    return T(p.solve_p(r, T(add(q_bar, mm(q, e)))))  # (Q̄ + Q E) R⁻ᵀ


def _qr_jvp(t, ans, a):
    q, r = p.unpack_outputs(ans, "qr", shape(a))
    m, n = shape(a)[-2:]
    if m >= n:
        return _pack(list(_square_jvp(t, q, r)), shape(a)[:-2])
    first, rest = _split(a, m, n)
    dq, dr1 = _square_jvp(mm(t, first), q, mm(r, first))
    dr2 = add(mm(T(dq), mm(a, rest)), mm(T(q), mm(t, rest)))
    return _pack([dq, add(mm(dr1, T(first)), mm(dr2, T(rest)))], shape(a)[:-2])


def _qr_vjp(ans, a):
    q, r = p.unpack_outputs(ans, "qr", shape(a))
    sa = shape(a)
    m, n = sa[-2:]

    def vjp(g):
        q_bar, r_bar = p.unpack_outputs(g, "qr", sa)
        if m >= n:
            return _square_vjp(q_bar, r_bar, q, r)
        first, rest = _split(a, m, n)
        r2_bar = mm(r_bar, rest)
        a1_bar = _square_vjp(add(q_bar, mm(mm(a, rest), T(r2_bar))), mm(r_bar, first), q, mm(r, first))
        return add(mm(a1_bar, T(first)), mm(mm(q, r2_bar), T(rest)))

    return vjp


defjvp(p.qr_p, _qr_jvp)
defvjp(p.qr_p, _qr_vjp)
