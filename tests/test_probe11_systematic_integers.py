"""Probe 11 (JAX's lax_numpy_test.py dtype checks adapted): ``reciprocal`` and ``nansum`` of integer arrays, as JAX.

* ``reciprocal`` ran NumPy's ``np.reciprocal``, which keeps an integer's dtype: ``reciprocal([2, 3])`` was
  ``[0, 0]`` where JAX's is ``[0.5, 0.333...]`` (and a function scaling its input by ``reciprocal(counts)``
  had a zero value and gradient on every engine, with no error). It is ``1 / x`` now, as JAX's.
* ``nansum`` replaced nan by the float ``0.0`` first, so an integer array's sum came out float64 (JAX: int64).
Checked against JAX in float64: the values, and a gradient through ``reciprocal`` of integer counts on every engine.
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

COUNTS = np.array([2, 3, 4])


@pytest.mark.parametrize("backend", [np.asarray, jnp.asarray], ids=["numpy", "jax"])
def test_integer_values_as_jax(backend):
    ours = anp.reciprocal(backend(COUNTS))
    np.testing.assert_allclose(ours, jnp.reciprocal(COUNTS), rtol=1e-15)
    assert np.asarray(ours).dtype == jnp.reciprocal(COUNTS).dtype
    assert anp.reciprocal(2) == 0.5
    total = anp.nansum(backend(COUNTS))
    assert total == 9 and np.asarray(total).dtype == jnp.nansum(COUNTS).dtype


def scaled(np_):
    def f(x):
        return np_.sum(np_.multiply(np_.square(x), np_.reciprocal(COUNTS)))
    return f


@pytest.mark.parametrize("engine", ["overloading", "sct", "elemental"])
def test_gradient_through_integer_reciprocal_as_jax(engine):
    f = scaled(el if engine == "elemental" else anp)
    for seed in range(2):
        x = np.random.default_rng(seed).normal(size=3)
        np.testing.assert_allclose(ad.engine(engine).grad(f)(x), jax.grad(scaled(jnp))(jnp.asarray(x)), rtol=1e-12)
