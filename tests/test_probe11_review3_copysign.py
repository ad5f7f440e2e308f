"""Probe 11 (review of this stop's vocabulary): ``anp.copysign`` of an integer array is a float, as JAX's.

``copysign`` was ``where(signbit(x2), -|x1|, |x1|)``, which keeps an integer ``x1``'s dtype: ``copysign([1, -2],
[-1, 1])`` was the int64 ``[-1, 2]`` where NumPy's and JAX's are float64 (and ``copysign(x, -0.0)`` of an int
array lost the sign of zero it asks for: ``[0]`` for ``[-0.0]``), with no error. An integer ``|x1|`` is made a
float first. Checked against JAX in float64 on the NumPy and JAX backends; a float ``x1``'s gradient on
overloading and SCT is unchanged (JAX's).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("backend", [np.asarray, jnp.asarray], ids=["numpy", "jax"])
def test_integer_copysign_is_float_as_jax(backend):
    for x1, x2 in [([1, -2, 0], [-1, 1, -1]), ([3, 0], [-0.0, -0.0]), ([True, False], [-1.0, 1.0])]:
        ours, theirs = anp.copysign(backend(np.array(x1)), backend(np.array(x2))), jnp.copysign(
            jnp.array(x1), jnp.array(x2))
        assert np.result_type(ours) == theirs.dtype == np.float64
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_float_copysign_gradient_as_jax(engine):
    def f(np_):
        def g(x, y):
            return np_.sum(np_.copysign(x ** 3, y) * y)
        return g
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=5), np.array([-0.0, 0.0, -1.5, 2.0, -3.0])
    ours = ad.engine(engine).grad(f(anp), argnums=(0, 1))(x, y)
    for a, b in zip(ours, jax.grad(f(jnp), argnums=(0, 1))(x, y)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
