"""Probe 17 (fixes): ``norm(x, 2)``, ``norm(x, 'nuc')``, ``norm(x, -2)``, ``cond`` and ``svdvals`` at repeated
singular values (rules/linalg_svdvals).

All were refused there ("anp.linalg.svd: the derivative needs distinct singular values"), the nuclear norm too,
whose gradient U Vᵀ exists and is JAX's: they went through ``svd``'s rule, whose singular vectors have no
derivative at repeated values. The values alone have their own primitive now, whose rule averages over each
cluster of values equal to rounding (the rule's docstring says why): JAX's derivative wherever it does not depend
on the basis LAPACK returns (the nuclear norm, sums of squares, the 2-norm at values equal exactly, which
``max`` splits as JAX's does), and where it does (the 2-norm at values equal to rounding, ``cond`` of a multiple
of the identity) the basis-free subgradient (1/k) Σ u_i v_iᵀ, or zero at ``cond``'s minimum, checked by its
formula and as a subgradient. Distinct values are unchanged (JAX's); the factors (``svd``) are still refused.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-9, atol=1e-11)
NAMES = ["overloading", "sct", "elemental"]


def _orthogonal(rng, n):
    return np.linalg.qr(rng.normal(size=(n, n)))[0]


def _with_values(seed, values, m=None):
    """A matrix with the singular values ``values`` (repeated ones equal to rounding, not exactly), and its U, V."""
    rng = np.random.default_rng(seed)
    n = len(values)
    u, v = _orthogonal(rng, m or n)[:, :n], _orthogonal(rng, n)
    return u @ np.diag(values) @ v.T, u, v


def _norm(name, ord):
    if name == "elemental":
        return lambda x: el.linalg.norm(x, ord)
    return lambda x: anp.linalg.norm(x, ord)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("m", [None, 5])
def test_the_nuclear_norm_at_repeated_values_is_jaxs(name, m):
    eng = ad.engine(name)
    for seed in (1, 2, 3):
        a, u, v = _with_values(seed, [2.0, 2.0, 0.5], m)
        want = jax.grad(lambda x: jnp.linalg.norm(x, "nuc"))(jnp.asarray(a))
        np.testing.assert_allclose(want, u @ v.T, **TOL)  # U Vᵀ: no basis in it
        np.testing.assert_allclose(eng.grad(_norm(name, "nuc"))(a), want, **TOL)
        t = np.random.default_rng(seed + 10).normal(size=a.shape)
        want_dot = jax.jvp(lambda x: jnp.linalg.norm(x, "nuc"), (jnp.asarray(a),), (jnp.asarray(t),))[1]
        np.testing.assert_allclose(eng.jvp(_norm(name, "nuc"), (a,), (t,))[1], want_dot, **TOL)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_symmetric_functions_of_the_values_are_jaxs(name):
    def f(x):
        s = anp.linalg.svd(x, compute_uv=False)
        return anp.sum(s ** 2) + anp.sum(anp.sqrt(s))

    def f_jax(x):
        s = jnp.linalg.svd(x, compute_uv=False)
        return jnp.sum(s ** 2) + jnp.sum(jnp.sqrt(s))

    for seed in (4, 5):
        a, _, _ = _with_values(seed, [1.5, 1.5, 1.5, 0.3])
        np.testing.assert_allclose(ad.engine(name).grad(f)(a), jax.grad(f_jax)(jnp.asarray(a)), **TOL)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_values_equal_exactly_are_jaxs(name, ord):
    for a in (np.diag([2.0, 2.0, 1.0]), np.diag([3.0, 1.0, 1.0]), 0.5 * np.eye(3)):
        want = jax.grad(lambda x: jnp.linalg.norm(x, ord))(jnp.asarray(a))
        np.testing.assert_allclose(ad.engine(name).grad(_norm(name, ord))(a), want, **TOL)


@pytest.mark.parametrize("name", NAMES)
def test_the_two_norm_at_values_equal_to_rounding_is_the_centre_subgradient(name):
    eng = ad.engine(name)
    for seed in (6, 7, 8):
        a, u, v = _with_values(seed, [2.0, 2.0, 0.5])
        g = eng.grad(_norm(name, 2))(a)
        np.testing.assert_allclose(g, (u[:, :2] @ v[:, :2].T) / 2, **TOL)  # (1/k) Σ u_i v_iᵀ over the top two
        assert abs(np.sum(g * a) - 2.0) < 1e-9 and abs(np.linalg.norm(g, "nuc") - 1.0) < 1e-9  # a subgradient
        t = np.random.default_rng(seed).normal(size=a.shape)
        dot = eng.jvp(_norm(name, 2), (a,), (t,))[1]
        np.testing.assert_allclose(dot, np.sum(g * t), **TOL)  # the JVP is the same linear map


@pytest.mark.parametrize("name", NAMES)
def test_cond_of_a_multiple_of_the_identity_is_at_its_minimum(name):
    f = (lambda x: el.linalg.cond(x)) if name == "elemental" else (lambda x: anp.linalg.cond(x))
    np.testing.assert_allclose(ad.engine(name).grad(f)(2.0 * np.eye(3)), np.zeros((3, 3)), atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_distinct_values_are_unchanged(name, ord):
    rng = np.random.default_rng(9)
    for a in (rng.normal(size=(3, 3)), rng.normal(size=(4, 3))):
        want = jax.grad(lambda x: jnp.linalg.norm(x, ord))(jnp.asarray(a))
        np.testing.assert_allclose(ad.engine(name).grad(_norm(name, ord))(a), want, **TOL)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_jax_inputs_and_stacks(name):
    a = np.stack([_with_values(10, [2.0, 2.0, 0.5])[0], np.random.default_rng(11).normal(size=(3, 3))])
    f = lambda x: anp.sum(anp.linalg.norm(x, "nuc", axis=(-2, -1)))  # noqa: E731
    want = jax.grad(lambda x: jnp.sum(jnp.linalg.norm(x, "nuc", axis=(-2, -1))))(jnp.asarray(a))
    got = ad.engine(name).grad(f)(jnp.asarray(a))
    assert isinstance(got, jax.Array)
    np.testing.assert_allclose(got, want, **TOL)


def test_second_order_at_distinct_values_is_jaxs_and_the_factors_still_refuse():
    a = np.random.default_rng(12).normal(size=(3, 3))
    want = jax.hessian(lambda x: jnp.linalg.norm(x, "nuc"))(jnp.asarray(a))
    for eng in (ad.engine("overloading"), ad.engine("sct")):
        np.testing.assert_allclose(eng.hessian(lambda x: anp.linalg.norm(x, "nuc"))(a), want, **TOL)
    with pytest.raises(ValueError, match="distinct singular values"):
        ad.engine("overloading").grad(lambda x: anp.sum(anp.linalg.svd(x)[0]))(np.eye(3))
