"""Probe 36: ``anp.empty(shape, dtype, like=x)``, as ``anp.zeros`` takes it (``like=`` raised a TypeError).

Its entries are zeros, a value NumPy's may hold; the program below sets every entry before reading it, so its
derivative is JAX's on the same program written functionally, on the overloading and SCT engines, NumPy and JAX
inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-12)
INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in (36, 12)]


def filled(x):
    y = anp.empty(3, like=x)
    y[0] = x[0] * 2.0
    y[1:] = x[1:] ** 2
    return anp.sum(y * anp.sin(y))


def filled_jax(x):
    y = jnp.concatenate([x[:1] * 2.0, x[1:] ** 2])
    return jnp.sum(y * jnp.sin(y))


@pytest.mark.parametrize("eng", [ad.engine("overloading"), ad.engine("sct")], ids=["overloading", "sct"])
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_a_filled_empty_array_differentiates_as_jax(eng, backend):
    for x in INPUTS:
        given = x if backend == "numpy" else jnp.asarray(x)
        value, grad = eng.value_and_grad(filled)(given)
        want_value, want_grad = jax.value_and_grad(filled_jax)(jnp.asarray(x))
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)
        assert isinstance(grad, jax.Array) == (backend == "jax")


def test_empty_takes_zeros_arguments():
    assert anp.empty((2, 3)).shape == (2, 3) and anp.empty(2).dtype == np.float64
    assert anp.empty(2, dtype=np.int32).dtype == np.int32
    assert isinstance(anp.empty(2, like=jnp.ones(2)), jax.Array)
    np.testing.assert_array_equal(anp.empty(4, like=np.ones(1)), anp.zeros(4, like=np.ones(1)))
