"""SCT evaluates the values given to ``sorted`` and to ``max``/``min`` with ``key=`` once.

Found by this stop's helpers: SCT's replacement of ``sorted(expr)`` (and of ``max(expr, key=f)``) read
``expr`` twice, once for the sort order and once for the values, so the generated code computed it twice
(wasteful, and an expression with a side effect would have run twice). The values are now evaluated once
into a temporary that both read; the derivatives match JAX's.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

def program(x, np_=anp):
    s = sorted(np_.sin(x) * 2.0)
    m = max(np_.cos(x) + 1.0, key=lambda v: -v)
    n = min(x[0] * 3.0, x[1] - 1.0, key=abs)
    g = sorted((v * v for v in x), reverse=True)
    return s[0] + s[1] * 3.0 + m * n + g[0] * g[2]


def reference(x):
    return program(x, jnp)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("higher", [None, "sct"])
def test_sorted_and_keyed_extremes_match_jax(seed, higher):
    eng = ad.engine("sct", higher=higher) if higher else ad.engine("sct")
    x = np.random.default_rng(seed).normal(size=4)
    np.testing.assert_allclose(eng.grad(program)(x), jax.grad(reference)(x), rtol=1e-10, atol=1e-12)
    t = np.random.default_rng(seed + 10).normal(size=4)
    _, dot = eng.jvp(program, (x,), (t,))
    np.testing.assert_allclose(dot, jax.jvp(reference, (x,), (t,))[1], rtol=1e-10, atol=1e-12)
    if higher:
        np.testing.assert_allclose(eng.hessian(program)(x), jax.hessian(reference)(x), rtol=1e-10, atol=1e-12)


def test_sorted_operand_is_computed_once():
    src = ad.engine("sct").source(program, mode="reverse").split("_bwd(")[0]
    assert src.count(".sin") == 1 and src.count(".cos") == 1  # read twice before: inside sort_order(...) too
    assert "sort_order(np_" not in src and "sort_order(x" not in src

