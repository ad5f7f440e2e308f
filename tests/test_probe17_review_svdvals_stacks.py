"""Probe 17 (review): singular values of a stack of matrices of different scales (rules/linalg_svdvals).

The rule averages over each cluster of singular values equal to rounding, and "equal to rounding" was measured
against the largest value of the whole stack: beside a matrix of scale 1e12, a matrix with values 1 and 0.999
(distinct, its 2-norm differentiable, gradient u_0 v_0ᵀ) had them taken as equal, and its gradient came out as
the cluster's mean (u_0 v_0ᵀ + u_1 v_1ᵀ) / 2, silently, 0.4 away from JAX's. Each matrix is measured at its own
scale now (rules/linalg.rounding, per matrix; ``svd``'s and ``eigh``'s refusals of repeated values use it too, and
still refuse a small matrix's equal values beside a large one). Checked against JAX in float64: grad, jvp and
jacfwd, overloading and SCT, NumPy and JAX inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-9, atol=1e-11)
ROT = np.array([[0.6, 0.8], [-0.8, 0.6]])


def _stacks():
    rng = np.random.default_rng(1717)
    for seed in range(2):
        big = 1e12 * rng.normal(size=(2, 2))
        yield np.stack([np.diag([1.0, 0.999]) @ ROT, big]) if seed == 0 else \
            np.stack([big, np.diag([2.0 + seed, 2.0 + seed - 3e-3]) @ ROT.T])


def top(x):
    return anp.sum(anp.linalg.svd(x, compute_uv=False)[..., 0])


def top_jax(x):
    return jnp.sum(jnp.linalg.svd(x, compute_uv=False)[..., 0])


def two_norm(x):
    return anp.sum(anp.linalg.norm(x, 2, axis=(-2, -1)) * anp.array([1.0, 1e-12]))


def two_norm_jax(x):
    return jnp.sum(jnp.linalg.norm(x, 2, axis=(-2, -1)) * jnp.array([1.0, 1e-12]))


@pytest.mark.parametrize("name", ["overloading", "sct"])
@pytest.mark.parametrize("f, oracle", [(top, top_jax), (two_norm, two_norm_jax)], ids=["svdvals", "norm2"])
def test_each_matrix_of_a_stack_at_its_own_scale(name, f, oracle):
    eng = ad.engine(name)
    for a in _stacks():
        want = jax.grad(oracle)(jnp.asarray(a))
        np.testing.assert_allclose(eng.grad(f)(a), want, **TOL)
        np.testing.assert_allclose(eng.grad(f)(jnp.asarray(a)), want, **TOL)
        t = np.ones_like(a)
        np.testing.assert_allclose(eng.jvp(f, (a,), (t,))[1], jax.jvp(oracle, (a,), (t,))[1], **TOL)
    np.testing.assert_allclose(eng.jacfwd(f)(a), jax.jacfwd(oracle)(jnp.asarray(a)), **TOL)


def test_a_small_matrixs_equal_values_beside_a_large_one_are_still_refused_by_svd():
    a = np.stack([np.eye(2), 1e12 * np.diag([2.0, 1.0])])
    with pytest.raises(ValueError, match="distinct singular values"):
        ad.engine("overloading").grad(lambda x: anp.sum(anp.linalg.svd(x)[0]))(a)
