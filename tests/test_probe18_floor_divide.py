"""Probe 18: the operator ``//`` on a differentiated value, on SCT (``(x * 4) // 1.0 * x``, a bin index times x).

``x // c`` is a constant of x (its derivative is zero almost everywhere), as ``anp.floor_divide`` and JAX's
``jnp.floor_divide`` have it, and the overloading engine gave JAX's gradient. SCT's activity analysis refused
the operator ("it has no derivative"; tests/test_sct_errors.py asserted it): it is now a constant there, as the
call is.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def _binned(x):
    return anp.sum((x * 4) // 1.0 * x + (x // 0.3) * x ** 2) + anp.sum(x // x[0])


def _binned_jax(x):
    return jnp.sum((x * 4) // 1.0 * x + (x // 0.3) * x ** 2) + jnp.sum(x // x[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_floor_division_is_a_constant_on_sct(seed):
    rng = np.random.default_rng(seed)
    x, t = rng.normal(size=5), rng.normal(size=5)
    eng = ad.engine("sct")
    np.testing.assert_allclose(eng.grad(_binned)(x), jax.grad(_binned_jax)(x), rtol=1e-12)
    y, y_dot = eng.jvp(_binned, (x,), (t,))
    y_ref, y_dot_ref = jax.jvp(_binned_jax, (x,), (t,))
    np.testing.assert_allclose(y, y_ref, rtol=1e-12)
    np.testing.assert_allclose(y_dot, y_dot_ref, rtol=1e-12)


def test_floor_division_under_sct_second_order():
    x = np.array([0.7, -1.3, 2.2])
    np.testing.assert_allclose(ad.engine("sct", higher="sct").hessian(_binned)(x), jax.hessian(_binned_jax)(x),
                               rtol=1e-12)
