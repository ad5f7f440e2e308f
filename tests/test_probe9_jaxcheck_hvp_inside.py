"""``E.hvp(f, primals, tangents)`` inside a function the SCT engine differentiates, as JAX's
``jax.jvp(jax.grad(f), primals, tangents)[1]`` inside one.

SCT took ``E.grad``, ``E.jvp`` and ``E.vjp`` inside transformed code, but refused ``E.hvp`` as "a call to E.hvp,
which is neither a vocabulary primitive nor a function with source", with the hint to use adcompare.numpy or a
``def`` (the user had). It is now ``E.jvp(E.grad(f), primals, tangents)[1]``, as ``Engine.hvp`` defines it.
Checked against JAX in float64 on several seeds, for the gradient and the Hessian of the outer function.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

SCT = ad.engine("sct")


def loss(x):
    return anp.sum(anp.sin(x) * x)


def curvature(x, v):
    return anp.sum(SCT.hvp(loss, (x,), (v,)) ** 2)


def loss_jax(x):
    return jnp.sum(jnp.sin(x) * x)


def curvature_jax(x, v):
    return jnp.sum(jax.jvp(jax.grad(loss_jax), (x,), (v,))[1] ** 2)


@pytest.mark.parametrize("seed", [0, 1])
def test_hvp_inside_sct_code(seed):
    rng = np.random.RandomState(seed)
    x, v = rng.randn(3), rng.randn(3)
    np.testing.assert_allclose(curvature(x, v), curvature_jax(x, v), rtol=1e-12)
    got = SCT.grad(curvature, argnums=(0, 1))(x, v)
    want = jax.grad(curvature_jax, argnums=(0, 1))(x, v)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    y, y_dot = SCT.jvp(curvature, (x, v), (v, x))
    np.testing.assert_allclose(y_dot, jax.jvp(curvature_jax, (x, v), (v, x))[1], rtol=1e-10, atol=1e-12)
