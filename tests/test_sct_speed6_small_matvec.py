"""matmul's VJP where one operand is a vector and the other a matrix: a matrix-vector product.

For ``(n, k) @ (k,)`` the vector's cotangent is ``g @ x`` and for ``(k,) @ (k, m)`` it is
``y @ g`` (:mod:`adcompare.rules.products`), where the general formula is a ``(k, 1)`` matmul
with reshapes. Checked: the rule against the general formula written out here in NumPy, and every
pairing of 1-D, 2-D and batched operands (where the matrix-vector form must not fire) against
``jax.vjp`` on NumPy and JAX inputs, float64 and float32, through ``dot`` as well as ``@``; and second
order (the Hessian through the rule, on SCT and the overloading engine) against JAX.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare import primitives as p

SHAPES = [((5, 4), (4,)), ((4,), (4, 3)), ((2, 5, 4), (4,)), ((4,), (2, 4, 3)), ((5, 4), (4, 3)), ((4,), (4,)),
          ((1, 4), (4,)), ((4,), (4, 1))]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("sx, sy", SHAPES)
def test_the_rule_against_the_general_formula_and_jax(seed, sx, sy):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=sx), rng.normal(size=sy)
    ans = np.matmul(x, y)
    g = rng.normal(size=ans.shape)
    gx = p.matmul_p.vjps[0](ans, x, y)(g)
    gy = p.matmul_p.vjps[1](ans, x, y)(g)
    _, pull = jax.vjp(jnp.matmul, jnp.asarray(x), jnp.asarray(y))
    jx, jy = pull(jnp.asarray(g))
    np.testing.assert_allclose(gx, np.asarray(jx), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gy, np.asarray(jy), rtol=1e-12, atol=1e-12)
    if len(sx) == 2 and len(sy) == 1:  # the general formula: x^T (g as a column), back to a vector
        np.testing.assert_allclose(gy, np.matmul(x.T, g[:, None])[:, 0], rtol=1e-13, atol=1e-13)
    if len(sx) == 1 and len(sy) == 2:
        np.testing.assert_allclose(gx, np.matmul(y, g[:, None])[:, 0], rtol=1e-13, atol=1e-13)
    assert gx.shape == sx and gy.shape == sy


def _f(a, x):
    return anp.sum(anp.tanh(a @ x)) + anp.dot(x, anp.matmul(a.T, a) @ x) + anp.sum(x @ a.T)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("engine", ["sct", "overloading"])
def test_gradients_on_numpy_and_jax(seed, engine):
    rng = np.random.default_rng(seed)
    a, x = rng.normal(size=(6, 4)), rng.normal(size=4)
    want = jax.grad(_f, argnums=(0, 1))(jnp.asarray(a), jnp.asarray(x))
    eng = ad.engine(engine)
    for args in ((a, x), (jnp.asarray(a), jnp.asarray(x))):
        got = eng.grad(_f, argnums=(0, 1))(*args)
        for u, v in zip(got, want):
            np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-12, atol=1e-12)
    got = eng.grad(_f, argnums=(0, 1))(a.astype(np.float32), x.astype(np.float32))
    assert [g.dtype for g in got] == [np.float32, np.float32]
    for u, v in zip(got, want):
        np.testing.assert_allclose(u, np.asarray(v), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("engine", ["sct", "overloading"])
def test_second_order(seed, engine):
    rng = np.random.default_rng(seed)
    a, x = rng.normal(size=(5, 3)), rng.normal(size=3)
    want = np.asarray(jax.hessian(_f, argnums=1)(jnp.asarray(a), jnp.asarray(x)))
    got = ad.engine(engine).hessian(_f, argnums=1)(a, x)
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11)
