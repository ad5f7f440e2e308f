"""Second derivatives by SCT keep a float32 input's dtype where float64 values meet it, as JAX does.

JAX gives a float32 input a float32 cotangent, so the Hessian, Hessian-vector product and
``jacrev(jacrev(f))`` in it are float32 even when f multiplies it by float64 values. SCT's gradient
program (``higher="sct"``) and the boxes (``higher="boxes"``) gave float64 there; the input's
cotangent is now cast to its dtype where the gradient program hands it back. Checked against JAX:
dtype and values, several seeds, one and two differentiated arguments.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp


def f(x, y):
    return anp.sum(anp.sin(x) * y) + anp.sum(x * x * anp.exp(0.1 * y))


def _inputs(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=4).astype(np.float32), rng.normal(size=4)


def _same(got, want):
    got, want = (got, want) if isinstance(want, tuple) else ((got,), (want,))
    assert len(got) == len(want)
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("higher", ["sct", "boxes"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hessian_and_hvp_keep_float32(higher, seed):
    x, y = _inputs(seed)
    eng = ad.engine("sct", higher=higher)
    jx, jy = jnp.asarray(x), jnp.asarray(y)
    _same(eng.hessian(f)(x, y), jax.hessian(f)(jx, jy))
    v = np.ones(4, np.float32)
    _same(eng.jvp(eng.grad(f), (x, y), (v, np.zeros(4)))[1],
          jax.jvp(jax.grad(f), (jx, jy), (jnp.asarray(v), jnp.zeros(4)))[1])
    _same(eng.jacrev(eng.jacrev(f))(x, y), jax.jacrev(jax.jacrev(f))(jx, jy))
    _same(eng.hessian(f, (0, 1))(x, y), jax.hessian(f, (0, 1))(jx, jy))
