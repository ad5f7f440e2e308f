"""Probe 10 (clarity): an engine's derivative taken through an alias inside code SCT transforms.

``g = eng.grad`` then ``g(lambda c: ...)(x)`` inside a differentiated function failed with "vjp: output is
a function, which is not an array..." (front/closures knew only ``eng.grad(...)`` spelled out). The alias
(assigned once; or a global holding the bound method) is now taken as the call written out
(front/derivative_calls): on ``higher="sct"`` equal to JAX in float64, on ``higher="boxes"`` its clear refusal of
a derivative of a closure, at the user's line, as for ``eng.grad(...)`` written out.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)

SCT = SCTEngine(higher="sct")
GLOBAL_GRAD = SCT.grad


def by_local(x):
    g = SCT.grad
    return anp.sum(g(lambda c: anp.sum(anp.sin(c) * x))(x)) + anp.sum(x * x)


def by_global(x):
    return anp.sum(GLOBAL_GRAD(lambda c: anp.sum(anp.sin(c) * x))(x)) + anp.sum(x * x)


def by_jvp(x):
    j = SCT.jvp
    return j(lambda c: anp.sum(anp.sin(c) * x), (x,), (x,))[1]


def oracle(x):
    return jnp.sum(jax.grad(lambda c: jnp.sum(jnp.sin(c) * x))(x)) + jnp.sum(x * x)


def oracle_jvp(x):
    return jax.jvp(lambda c: jnp.sum(jnp.sin(c) * x), (x,), (x,))[1]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("f, want", [(by_local, oracle), (by_global, oracle), (by_jvp, oracle_jvp)])
def test_alias_of_a_derivative_on_sct(f, want, seed):
    x = np.random.default_rng(seed).normal(size=3)
    want_value, want_grad = jax.jit(jax.value_and_grad(want))(x)  # jitted: JAX's eager grad of grad is slow
    for eng in (SCT, ad.engine("overloading")):
        value, grad = eng.value_and_grad(f)(x)
        np.testing.assert_allclose(value, want_value, rtol=1e-12)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-12)


def test_alias_on_boxes_is_refused_at_the_line():
    boxes = SCTEngine(higher="boxes")

    def f(x):
        g = boxes.grad
        return anp.sum(g(lambda c: anp.sum(anp.sin(c) * x))(x))

    with pytest.raises(SCTError, match="grad by the sct engine of a nested def or lambda") as info:
        boxes.grad(f)(np.ones(3))
    lines, first = inspect.getsourcelines(f)
    assert (info.value.filename, info.value.line) == (__file__, first + 2)
