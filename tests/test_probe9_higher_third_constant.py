"""SCT third order: a constant exponent's zero tangent is still left out when second-order code is transformed again.

``jacfwd(hessian(f))`` and ``jacrev(hessian(f))`` of ``sum(x ** p)`` with ``p = 3.0`` a constant (or a
helper's argument or default) were nan in every row where ``x < 0``, silently (JAX: finite). Forward-mode
generated code leaves out ``x ** y``'s rule for ``y`` when ``y``'s tangent is a symbolic zero
(``symbolic.SkippingZeros``); transformed again, that call was replaced by the rule from its source, without
the test, so ``log(x) * ans * t`` became 0 * nan. The rule is now written out with the test. Checked against
JAX in float64 on several seeds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def _power(a, b=2.0):
    return anp.sum(a ** b * anp.sin(a))


def by_local(x):
    p = 3.0
    return anp.sum(x ** p)


def by_argument(x):
    return _power(x, 3.0) + _power(x)


@pytest.mark.parametrize("f", [by_local, by_argument])
def test_third_derivative_of_a_constant_power_is_jax_s(f):
    e = ad.engine("sct")
    for seed in range(2):
        x = np.random.default_rng(seed).uniform(-1.5, 1.5, 3)
        x[0] = -abs(x[0])
        want = np.asarray(jax.jit(jax.jacfwd(jax.hessian(f)))(jnp.asarray(x)))
        for d3 in (e.jacfwd(e.hessian(f)), e.jacrev(e.hessian(f))):
            np.testing.assert_allclose(d3(x), want, rtol=1e-10, atol=1e-10)
