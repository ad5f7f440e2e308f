"""Review of calls of objects of user classes with ``__call__`` (one test of ``front/calls.py`` and
``sct/direct.py``, which now share ``calls.user_call_method``; they were written twice): a ``__call__`` that is a
``staticmethod`` was taken at the top (``grad(obj)``) but refused inside code SCT transforms ("neither a
vocabulary primitive nor a function with source"), since the front end looked for a plain ``def`` only. Checked
against JAX (float64, several inputs), with ``higher="sct"`` too.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp

jax.config.update("jax_enable_x64", True)


class Twice:
    @staticmethod
    def __call__(a):
        return a * 2.0


class Scale:
    def __init__(self, w):
        self.w = w

    def __call__(self, a):
        return self.w * anp.sin(a)


TWICE, SCALE = Twice(), Scale(1.5)


def both(x):
    return anp.sum(TWICE(x) * SCALE(x))


_both_grad = jax.jit(jax.grad(lambda x: jnp.sum(x * 2.0 * 1.5 * jnp.sin(x))))  # both(x) in JAX


@pytest.mark.parametrize("higher", [None, "sct"])
@pytest.mark.parametrize("seed", range(2))
def test_a_staticmethod_call_inside_transformed_code(seed, higher):
    eng = ad.engine("sct", higher=higher) if higher else ad.engine("sct")
    x = np.random.default_rng(seed).normal(size=3)
    want = _both_grad(jnp.asarray(x))
    np.testing.assert_allclose(eng.grad(both)(x), np.asarray(want), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(eng.grad(lambda x: anp.sum(TWICE(x) ** 2))(x), 8.0 * x, rtol=1e-12)
    np.testing.assert_allclose(eng.hessian(lambda x: anp.sum(TWICE(x) ** 3))(x), np.diag(48.0 * x), rtol=1e-10)
