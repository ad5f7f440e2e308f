"""det's derivative at a singular matrix: the cofactor matrix (JAX's adjugate), never an inverse.

The det rule uses ``det(a) * inv(a)^T`` where ``a`` is well conditioned and the
determinants of the minors where it is (near) singular, so every engine gives
JAX's gradient and Hessian at a singular matrix instead of ``LinAlgError``.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp

TOL = dict(rtol=1e-10, atol=1e-12)
ENGINES = ("overloading", "elemental", "sct")


def _singular(n: int, rank: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, rank)) @ rng.standard_normal((rank, n))).ravel()


POINTS = [np.array([1.0, 2.0, 2.0, 4.0])] + [_singular(n, r, s) for n, r in ((3, 2), (3, 1), (4, 2), (1, 0))
                                              for s in (0, 1)]


def _pair(n):
    return (lambda x: anp.linalg.det(anp.reshape(x, (n, n))),
            lambda x: jnp.linalg.det(jnp.reshape(x, (n, n))))


def _leibniz(n):
    """det by the Leibniz formula (a polynomial): JAX's Hessian of it is exact at every matrix, where
    JAX's Hessian of jnp.linalg.det (by LU) can be NaN at rank n - 2 or less (seen on some CPUs)."""
    perms = list(itertools.permutations(range(n)))
    signs = [(-1.0) ** sum(p[i] > p[j] for i in range(n) for j in range(i + 1, n)) for p in perms]

    def det(x):
        a = jnp.reshape(x, (n, n))
        return sum(s * jnp.prod(a[jnp.arange(n), jnp.array(p)]) for s, p in zip(signs, perms))
    return det


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("k", range(len(POINTS)))
def test_grad_and_hessian_at_singular_matrix_match_jax(engine, k):
    x = POINTS[k]
    f, fj = _pair(int(round(np.sqrt(x.size))))
    eng = ad.engine(engine)
    np.testing.assert_allclose(eng.grad(f)(x), jax.grad(fj)(x), **TOL)
    np.testing.assert_allclose(eng.jacfwd(f)(x), jax.jacfwd(fj)(x), **TOL)
    np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(_leibniz(int(round(np.sqrt(x.size)))))(x), **TOL)


def test_adjugate_of_the_issue_example():
    x = np.array([1.0, 2.0, 2.0, 4.0])
    f, fj = _pair(2)
    np.testing.assert_allclose(ad.engine("overloading").grad(f)(x), jax.grad(fj)(x), **TOL)
    np.testing.assert_allclose(jax.grad(fj)(x), [4.0, -2.0, -2.0, 1.0], **TOL)  # adj(A)^T, by hand


@pytest.mark.parametrize("engine", ENGINES)
def test_stack_with_one_singular_matrix_and_jax_inputs(engine):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 3, 3))
    a[1] = np.outer(rng.standard_normal(3), rng.standard_normal(3))  # rank 1
    f = lambda x: anp.sum(anp.sin(anp.linalg.det(x)))  # noqa: E731
    fj = lambda x: jnp.sum(jnp.sin(jnp.linalg.det(x)))  # noqa: E731
    eng = ad.engine(engine)
    np.testing.assert_allclose(eng.grad(f)(a), jax.grad(fj)(a), **TOL)
    np.testing.assert_allclose(eng.grad(f)(jnp.asarray(a)), jax.grad(fj)(a), **TOL)


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_nonsingular_unchanged(seed):
    x = np.random.default_rng(seed).standard_normal(9)
    f, fj = _pair(3)
    eng = ad.engine("overloading")
    np.testing.assert_allclose(eng.grad(f)(x), jax.grad(fj)(x), **TOL)
    np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(fj)(x), **TOL)


@pytest.mark.parametrize("k", (0, 1, 3))
def test_hessian_by_sct_over_sct_at_singular_matrix(k):
    from adcompare.engines.sct.api import SCTEngine

    x = POINTS[k]
    f, fj = _pair(int(round(np.sqrt(x.size))))
    eng = SCTEngine(higher="sct")
    np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(fj)(x), **TOL)
    np.testing.assert_allclose(eng.hvp(f, (x,), (np.cos(np.arange(x.size)),)),
                               jax.jvp(jax.grad(fj), (x,), (np.cos(np.arange(x.size)),))[1], **TOL)
