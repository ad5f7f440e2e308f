"""A vjp of ``anp.remainder`` inside a function SCT differentiates in reverse mode (the second order that
``check_grads(f, args, order=2, modes=["rev"])`` builds: ``vjp`` of ``x -> f_vjp(f(x))``).

The outer transform differentiates the inner pull-back, and with it the rule's helper for the derivative in
``y`` (``_remainder_slope`` in adcompare/rules), which held ``with np.errstate(...)``: refused as "with: not
supported by the SCT engine in function '_remainder_slope'", naming the library and not the user's code. The
helper computes the same values without the ``with``. Checked against JAX in float64 on several seeds.
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


def rem(x, y):
    return anp.remainder(x, y) * x


def rem_pulled(x, y):
    out, f_vjp = SCT.vjp(rem, x, y)
    return f_vjp(out)


def rem_pulled_jax(x, y):
    out, f_vjp = jax.vjp(lambda x, y: jnp.remainder(x, y) * x, x, y)
    return f_vjp(out)


@pytest.mark.parametrize("seed", [0, 1])
def test_vjp_of_a_remainder_pull_back(seed):
    rng = np.random.RandomState(seed)
    x, y = rng.randn(4) * 3.0, np.sign(rng.randn(4)) * (0.5 + np.abs(rng.randn(4)))
    bars = (rng.randn(4), rng.randn(4))
    out, f_vjp = SCT.vjp(rem_pulled, x, y)
    want_out, want_vjp = jax.vjp(rem_pulled_jax, x, y)
    for got, want in zip(out + f_vjp(bars), want_out + want_vjp(bars)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    h = SCT.hessian(lambda x, y: anp.sum(rem(x, y)), argnums=1, mode="rev-rev")(x, y)
    np.testing.assert_allclose(h, jax.hessian(lambda x, y: jnp.sum(jnp.remainder(x, y) * x), argnums=1)(x, y),
                               rtol=1e-10, atol=1e-12)
