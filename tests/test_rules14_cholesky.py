"""cholesky's rules by triangular solves (issue 14 item 5): the same derivatives as JAX's, cheaper.

The rules solve with the factor L by ``triangular_solve_p`` (LAPACK's triangular solve) where
they called ``solve_p`` (an LU factorization of a triangular matrix, twice per pull-back). Checked
here against JAX (float64): the primitive and its rules on both backends (under ``jax.jit`` too),
that it reads only its triangle as JAX's does, cholesky's JVP and VJP on well and badly
conditioned (valid) inputs, second order through the rules on three engines, and, by operation
count (not time), that a cholesky pull-back does no LU solve.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare import primitives as p
from adcompare.measure.opcount import count
from adcompare.oracle import max_error

SEEDS = (0, 1, 2)


def _spd(rng, n: int, cond: float = 10.0):
    """A symmetric positive definite matrix with condition number ``cond`` (eigenvalues log-spaced)."""
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    return (q * np.logspace(0.0, -np.log10(cond), n)) @ q.T


def _relative(got, expected) -> float:
    return max_error(got, expected) / max(float(np.max(np.abs(np.asarray(expected)))), 1e-300)


@pytest.mark.parametrize("lower", [True, False])
def test_triangular_solve_and_its_rules_as_jax(lower):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        a, b = rng.uniform(0.5, 2.0, (5, 5)) + 3 * np.eye(5), rng.normal(size=(5, 3))
        fn = lambda a, b: jsl.solve_triangular(a, b, lower=lower)  # noqa: E731
        ans = p.triangular_solve_p(a, b, lower=lower)
        assert max_error(ans, fn(a, b)) < 1e-13
        assert max_error(p.triangular_solve_p(jnp.asarray(a), jnp.asarray(b), lower=lower), ans) < 1e-13
        jitted = jax.jit(lambda a, b: p.triangular_solve_p(a, b, lower=lower))(jnp.asarray(a), jnp.asarray(b))
        assert max_error(jitted, ans) < 1e-13
        g, ta, tb = rng.normal(size=ans.shape), rng.normal(size=a.shape), rng.normal(size=b.shape)
        a_bar, b_bar = jax.vjp(fn, jnp.asarray(a), jnp.asarray(b))[1](jnp.asarray(g))
        # the other triangle is not read: its cotangent is 0, as JAX's
        assert max_error(p.triangular_solve_p.vjps[0](ans, a, b, lower=lower)(g), a_bar) < 1e-13
        assert max_error(p.triangular_solve_p.vjps[1](ans, a, b, lower=lower)(g), b_bar) < 1e-13
        dot = jax.jvp(fn, (jnp.asarray(a), jnp.asarray(b)), (jnp.asarray(ta), jnp.asarray(tb)))[1]
        ours = anp.add(p.triangular_solve_p.jvps[0](ta, ans, a, b, lower=lower),
                       p.triangular_solve_p.jvps[1](tb, ans, a, b, lower=lower))
        assert max_error(ours, dot) < 1e-13


def test_triangular_solve_reads_one_triangle_on_stacks_and_broadcasts():
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0.5, 2.0, (2, 4, 4)) + 2 * np.eye(4), rng.normal(size=(4, 2))
    for lower in (True, False):
        kept = np.tril(a) if lower else np.triu(a)
        expected = np.linalg.solve(kept, b)
        assert max_error(p.triangular_solve_p(a, b, lower=lower), expected) < 1e-13
        assert max_error(p.triangular_solve_p(jnp.asarray(a), jnp.asarray(b), lower=lower), expected) < 1e-13
    with pytest.raises(ValueError, match=r"b must be \(\.\.\., 4, k\)"):
        p.triangular_solve_p(a[0], b[:, 0])


@pytest.mark.parametrize("cond", [10.0, 1e6, 1e10])
def test_cholesky_rules_as_jax_on_well_and_badly_conditioned_inputs(cond):
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        a = _spd(rng, 6, cond)
        ans = p.cholesky_p(a)
        g, t = np.tril(rng.normal(size=a.shape)), rng.normal(size=a.shape)
        expected_bar = jax.vjp(jnp.linalg.cholesky, jnp.asarray(a))[1](jnp.asarray(g))[0]
        expected_dot = jax.jvp(jnp.linalg.cholesky, (jnp.asarray(a),), (jnp.asarray(t),))[1]
        # both sides solve with the same factor: they agree to rounding times the condition number
        tol = 1e-13 * cond
        assert _relative(p.cholesky_p.vjps[0](ans, a)(g), expected_bar) < tol
        assert _relative(p.cholesky_p.jvps[0](t, ans, a), expected_dot) < tol


def _nll(a, y):
    chol = anp.linalg.cholesky(a)
    z = anp.linalg.solve(chol, y)
    return 0.5 * anp.sum(z * z) + anp.sum(anp.log(anp.diagonal(chol)))


def _nll_jax(a, y):
    chol = jnp.linalg.cholesky(a)
    z = jnp.linalg.solve(chol, y)
    return 0.5 * jnp.sum(z * z) + jnp.sum(jnp.log(jnp.diagonal(chol)))


@pytest.mark.parametrize("name", ["overloading", "sct", "sct-sct", "elemental"])
def test_cholesky_second_order_as_jax(name):
    """The rules differentiated again: Hessian-vector products forward over reverse and reverse over reverse."""
    eng = ad.engine("sct", higher="sct") if name == "sct-sct" else ad.engine(name)
    for seed in SEEDS[:2]:
        rng = np.random.default_rng(seed)
        a, y, v = _spd(rng, 3, 1e3), rng.normal(size=3), rng.normal(size=(3, 3))
        oracle = jax.grad(lambda a: _nll_jax(a, jnp.asarray(y)))
        expected = jax.jvp(oracle, (jnp.asarray(a),), (jnp.asarray(v),))[1]
        if name == "elemental":  # the elemental engine's el.* form of the same function
            import adcompare.elemental as el

            def f(a):
                chol = el.linalg.cholesky(a)
                z = el.linalg.solve(chol, y)
                return el.add(el.multiply(0.5, el.sum(el.multiply(z, z))), el.sum(el.log(el.diagonal(chol))))
        else:
            def f(a):
                return _nll(a, y)
        assert _relative(eng.grad(f)(a), oracle(jnp.asarray(a))) < 1e-11
        assert _relative(eng.hvp(f, (a,), (v,)), expected) < 1e-10, name
        assert _relative(eng.vjp(eng.grad(f), a)[1](v)[0], expected) < 1e-10, name  # reverse over reverse


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_a_cholesky_pull_back_does_no_lu_solve(name):
    rng = np.random.default_rng(0)
    a, w = _spd(rng, 5), rng.normal(size=(5, 5))
    log = count(ad.engine(name).grad(lambda a: anp.sum(anp.linalg.cholesky(a) * w)), (a,), (0,))
    assert log["triangular_solve"] == 2 and log["solve"] == 0, dict(log)
