"""Probe 11 (review of this stop's vocabulary): ``anp.linalg.vector_norm`` over several axes, as JAX's.

NumPy 2's and JAX's ``vector_norm(x, axis=(0, 1))`` is the vector norm of the entries of those axes together. The
wrapper handed the tuple to ``norm``, where two axes mean a matrix norm: ``ord=2`` (the default), ``1`` and
``inf`` stopped with "the matrix norm ord=... is not supported", three axes otherwise. The axes are now moved
last and merged, and the vector norm taken along them (``keepdims`` keeps them as 1s). Checked against JAX in
float64 on overloading and SCT (and SCT's own second order), several seeds: the value, the shape and the VJP.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def several_axes(np_):
    def f(x):
        return (np_.linalg.vector_norm(x, axis=(0, 2))
                + np_.linalg.vector_norm(x, axis=(-1, 0), ord=1, keepdims=True)[0, :, 0]
                + np_.linalg.vector_norm(x, axis=(0, 1, 2), ord=3))
    return f


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_vector_norm_over_several_axes_as_jax(engine):
    f, f_jax = several_axes(anp), several_axes(jnp)
    for seed in range(2):
        x = np.random.default_rng(seed).normal(size=(2, 3, 4))
        y_jax, pullback_jax = jax.vjp(f_jax, jnp.asarray(x))
        y, pullback = ad.engine(engine).vjp(f, x)
        assert np.shape(y) == y_jax.shape
        np.testing.assert_allclose(y, y_jax, rtol=1e-12)
        g = np.random.default_rng(seed + 5).normal(size=y_jax.shape)
        np.testing.assert_allclose(pullback(g)[0], pullback_jax(jnp.asarray(g))[0], rtol=1e-12)


def test_vector_norm_over_several_axes_second_order_sct():
    def loss(np_):
        def f(x):
            return np_.sum(several_axes(np_)(x) ** 2)
        return f
    x = np.random.default_rng(3).normal(size=(2, 2, 3))
    np.testing.assert_allclose(ad.engine("sct", higher="sct").hessian(loss(anp))(x),
                               jax.hessian(loss(jnp))(jnp.asarray(x)), rtol=1e-10)
