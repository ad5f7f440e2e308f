"""SCT: a user function that calls ``eng.grad(f)`` inside, differentiated again, where ``f``'s rules refuse SCT.

``eng.grad(lambda y: eng.grad(f)(y) @ v)`` transforms the gradient program of ``f`` again; where a rule's
own code cannot be transformed again (``cumprod``'s VJP calls a closure; ``linalg.norm``'s VJP asks
``np.shape`` of a differentiated value) it stopped with an SCTError naming the rule's code
(``_cumprod_vjp_applied``, ``constant_like`` in adcompare/primitives/shapes.py), not the user's line,
though ``eng.hessian(f)`` of the same ``f`` ran: there the derivative SCT made is run on the boxes for that
one call (exact). A nested call now falls back the same way. Checked against JAX in float64 on several seeds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def cumulative(x):
    return anp.sum(anp.cumsum(x) ** 2 + anp.cumprod(x * 0.5 + 1.0))


def norms(x):
    return anp.linalg.norm(x) ** 3 + anp.sum(anp.linalg.norm(anp.reshape(x, (2, 2)), axis=1))


@pytest.mark.parametrize("f", [cumulative, norms])
def test_grad_of_a_nested_grad_is_jax_s(f):
    e = ad.engine("sct")
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x, v = rng.uniform(-1.5, 1.5, 4), rng.normal(size=4)
        got = e.grad(lambda y: e.grad(f)(y) @ v)(x)
        want = jax.grad(lambda y: jax.grad(f)(y) @ jnp.asarray(v))(jnp.asarray(x))
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-10, atol=1e-12)
