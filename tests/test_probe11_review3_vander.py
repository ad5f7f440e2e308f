"""Probe 11 (review of this stop's vocabulary): ``vander`` (and with it ``polyfit``) of float32 and integer
inputs, as JAX's.

``vander`` raised ``x`` to NumPy float64 powers, which promoted a float32 ``x``'s matrix to float64 (so
``polyfit``'s coefficients and derivatives of float32 data came out float64, and ``vjp`` refused a float32
cotangent), and an integer ``x``'s to float64 (JAX's: int64); on every engine, with no error. The powers are in
``x``'s float dtype now (int64 for an integer ``x``). Checked against JAX: float32 values and VJPs on overloading
and SCT (``weighted_fit`` in test_probe11_review3_float32.py); in float64 the Hessian at an entry that is exactly
zero (``x ** 0`` and ``x ** 1`` there), on overloading and on SCT's own second order.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def test_integer_vander_is_integer_as_jax():
    x = np.array([3, -1, 0, 2])
    ours, theirs = anp.vander(x), jnp.vander(jnp.asarray(x))
    assert np.result_type(ours) == theirs.dtype == np.int64
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("engine", [ad.engine("overloading"), ad.engine("sct", higher="sct")],
                         ids=["overloading", "sct"])
def test_vander_hessian_at_zero_as_jax(engine):
    def loss(np_):
        def f(x):
            return np_.sum(np_.vander(x, 4) ** 2 * np_.arange(1.0, 5.0))
        return f
    x = np.array([0.0, 1.5, -0.5])
    np.testing.assert_allclose(engine.hessian(loss(anp))(x), jax.hessian(loss(jnp))(jnp.asarray(x)), rtol=1e-12)
