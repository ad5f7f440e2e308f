"""Review of the keyword packing for ``**kw`` (``front/normalize.var_keywords``): a keyword named like a
positional-only parameter belongs to ``**kw``, as Python binds it (``def f(a, /, **kw)``, ``f(x, a=2.0)``:
``kw == {'a': 2.0}``). SCT passed it to the generated code by name, which raised TypeError ("positional-only
arguments passed as keyword arguments") where the call is the top one (``grad(f)(x, a=2.0)``) or one known
only when it runs (``fs[0](x, a=2.0)``); a call SCT follows in the source bound it right. Checked against JAX
(float64, several inputs).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp

jax.config.update("jax_enable_x64", True)


def scaled(a, /, **kw):
    return anp.sum(anp.sin(a) * a) * kw["a"] + kw.get("b", 0.0) * anp.sum(a)


@jax.jit
def scaled_j(a, ka, kb):  # scaled(a, a=ka, b=kb) in JAX (jitted: eager JAX takes seconds for the hessian)
    return jnp.sum(jnp.sin(a) * a) * ka + kb * jnp.sum(a)


def dynamic(x):
    fs = [scaled]
    return fs[0](x * 2.0, a=1.5, b=0.5)


@jax.jit
def dynamic_j(x):
    return scaled_j(x * 2.0, 1.5, 0.5)


@pytest.mark.parametrize("higher", [None, "sct"])
@pytest.mark.parametrize("seed", range(2))
def test_a_keyword_named_like_a_positional_only_parameter_goes_to_kwargs(seed, higher):
    eng = ad.engine("sct", higher=higher) if higher else ad.engine("sct")
    x = np.random.default_rng(seed).normal(size=4)
    got = eng.value_and_grad(scaled)(x, a=2.0, b=0.5)
    want = jax.jit(jax.value_and_grad(scaled_j))(jnp.asarray(x), 2.0, 0.5)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], np.asarray(want[1]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(eng.grad(dynamic)(x), np.asarray(jax.jit(jax.grad(dynamic_j))(jnp.asarray(x))),
                               rtol=1e-10, atol=1e-12)
    hess = eng.hessian(scaled)(x, a=2.0)
    want = jax.jit(jax.hessian(scaled_j))(jnp.asarray(x), 2.0, 0.0)
    np.testing.assert_allclose(hess, np.asarray(want), rtol=1e-10, atol=1e-12)
