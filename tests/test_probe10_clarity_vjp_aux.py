"""Probe 10 (clarity): ``eng.vjp(f, x, has_aux=True)`` inside code SCT transforms, on differentiated values.

It failed with "vjp: output[1] is a function..." (or "differentiating Closure objects ... <unknown>, line 0"):
front/closures took ``vjp`` only without keywords. With ``has_aux=True`` (a constant) it is now the triple
(value, pull-back, aux) made of the same closures as a plain ``vjp``, the pull-back that of the output's
first part (closure_programs.PullbackTemplate's ``aux``), on ``SCTEngine(higher="sct")``; equal to JAX in
float64, for a lambda closing over the differentiated value, a module-level function, and constants.
Other engines' ``vjp`` inside keeps running as written (constants work, as before); on differentiated values
``higher="boxes"``'s is refused by name at the user's line (emit/boxed_callee), not "output[1] is a function".
"""

from __future__ import annotations

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
C = np.array([1.0, 2.0, -0.5])


def pair(z, w):
    return anp.sin(z) * w, z * z


def closing(x):
    y, pb, aux = SCT.vjp(lambda z: (anp.sin(z) * x, z * 2.0), x, has_aux=True)
    return anp.sum(pb(anp.cos(y))[0]) + anp.sum(aux * y)


def module_level(x):
    y, pb, aux = SCT.vjp(pair, x, C, has_aux=True)
    bars = pb(y)
    return anp.sum(bars[0] * bars[1]) + anp.sum(aux)


def constants(x):
    y, pb, aux = SCT.vjp(lambda z: (anp.sin(z), z * 2.0), C, has_aux=True)
    return anp.sum(pb(anp.ones_like(y))[0] * x) + anp.sum(aux * x)


def closing_jax(x):
    y, pb, aux = jax.vjp(lambda z: (jnp.sin(z) * x, z * 2.0), x, has_aux=True)
    return jnp.sum(pb(jnp.cos(y))[0]) + jnp.sum(aux * y)


def module_level_jax(x):
    y, pb, aux = jax.vjp(lambda z, w: (jnp.sin(z) * w, z * z), x, C, has_aux=True)
    bars = pb(y)
    return jnp.sum(bars[0] * bars[1]) + jnp.sum(aux)


def constants_jax(x):
    y, pb, aux = jax.vjp(lambda z: (jnp.sin(z), z * 2.0), C, has_aux=True)
    return jnp.sum(pb(jnp.ones_like(y))[0] * x) + jnp.sum(aux * x)


@pytest.mark.parametrize("f, oracle", [(closing, closing_jax), (module_level, module_level_jax),
                                       (constants, constants_jax)])
def test_vjp_has_aux_inside(f, oracle):
    want = jax.jit(jax.value_and_grad(oracle))
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=3)
        value, grad = SCT.value_and_grad(f)(x)
        want_value, want_grad = want(x)
        np.testing.assert_allclose(value, want_value, rtol=1e-12)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-12)


def test_vjp_has_aux_of_constants_on_other_engines():
    for eng in (SCTEngine(higher="boxes"), ad.engine("overloading")):
        def f(x):
            y, pb, aux = eng.vjp(lambda z: (anp.sin(z), z * 2.0), C, has_aux=True)
            return anp.sum(pb(anp.ones_like(y))[0] * x) + anp.sum(aux * x)

        x = np.random.default_rng(3).normal(size=3)
        np.testing.assert_allclose(eng.grad(f)(x), jax.grad(constants_jax)(x), rtol=1e-12)


def test_vjp_has_aux_of_differentiated_values_on_boxes_is_refused_at_the_line():
    boxes = SCTEngine(higher="boxes")

    def f(x):
        y, pb, aux = boxes.vjp(lambda z: (anp.sin(z) * x, z * 2.0), x, has_aux=True)
        return anp.sum(pb(anp.ones_like(y))[0]) + anp.sum(aux * y)

    with pytest.raises(SCTError, match="vjp by the sct engine") as info:
        boxes.grad(f)(np.ones(3))
    assert (info.value.filename, info.value.line) == (__file__, f.__code__.co_firstlineno + 1)
