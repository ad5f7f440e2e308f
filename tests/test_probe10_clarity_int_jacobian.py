"""Probe 10 (clarity): ``jacfwd`` of a function with an integer output, as ``jax.jacfwd`` gives it.

Every engine returned blocks of dtype ``float0`` (the integer output's tangent) for such an output;
``jax.jacfwd`` (x64) gives integer zeros of the output's dtype, shaped output + input. Each engine now
does, beside the float blocks, which stay as they were; ``jacrev`` refuses integer outputs, as JAX.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine

jax.config.update("jax_enable_x64", True)


@pytest.fixture(params=[*ad.ENGINES, "sct-boxes"])
def eng(request):
    return SCTEngine(higher="boxes") if request.param == "sct-boxes" else ad.engine(request.param)


def natural(x):
    return anp.sum(anp.sin(x)), 3, np.arange(2)


def elemental(x):
    return el.sum(el.sin(x)), 3, np.arange(2)


def oracle(x):
    return jnp.sum(jnp.sin(x)), 3, jnp.arange(2)


@pytest.mark.parametrize("seed", [0, 1])
def test_jacfwd_integer_outputs_are_integer_zeros(eng, seed):
    x = np.random.default_rng(seed).normal(size=3)
    f = elemental if eng.name == "elemental" else natural
    got, want = eng.jacfwd(f)(x), jax.jacfwd(oracle)(x)
    for g, w in zip(got, want):
        assert np.shape(g) == w.shape and np.asarray(g).dtype == w.dtype
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-12, atol=0)


def test_jacrev_refuses_integer_outputs(eng):
    f = elemental if eng.name == "elemental" else natural
    with pytest.raises(TypeError, match="jacrev requires real-valued"):
        eng.jacrev(f)(np.ones(3))
