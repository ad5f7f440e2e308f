"""SCT: ``eng.jvp`` / ``eng.vjp`` of a vocabulary function itself (``anp.sin``) inside code SCT differentiates.

``grad(lambda t: eng.jvp(anp.sin, (0.5,), (t,))[1])`` crashed with Python's bare "cannot create weak
reference to 'Primitive' object" (the nested program's cache is keyed weakly by the function), and past
that SCT refused the primitive with no file or line. The nested jvp/vjp now differentiates a plain
function that calls it, as at the top level. Checked against JAX in float64 at several points.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

CASES = {
    "jvp by tangent": (lambda e: lambda t: e.jvp(anp.sin, (0.5,), (t,))[1],
                       lambda t: jax.jvp(jnp.sin, (0.5,), (t,))[1]),
    "jvp by primal": (lambda e: lambda x: e.jvp(anp.tanh, (x,), (1.0,))[1] * x,
                      lambda x: jax.jvp(jnp.tanh, (x,), (1.0,))[1] * x),
    "vjp by cotangent": (lambda e: lambda c: e.vjp(anp.exp, 0.5)[1](c)[0],
                         lambda c: jax.vjp(jnp.exp, 0.5)[1](c)[0]),
    "vjp by primal": (lambda e: lambda x: e.vjp(anp.sin, x)[1](x)[0],
                      lambda x: jax.vjp(jnp.sin, x)[1](x)[0]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_nested_derivative_of_a_vocabulary_function(case):
    ours, theirs = CASES[case]
    f = ours(ad.engine("sct"))
    for x in np.random.default_rng(0).uniform(-1.5, 1.5, 3):
        np.testing.assert_allclose(ad.engine("sct").grad(f)(float(x)), float(jax.grad(theirs)(float(x))),
                                   rtol=1e-12)
