"""Probe 10: an object of a user class with ``__call__`` differentiated directly, as JAX differentiates it.

``eng.grad(model)(x)``, ``model`` an instance of a class defining ``__call__`` (a common way to write a
model), was refused by the SCT engine as "differentiating Model objects", located at "<unknown>, line 0",
though a bound method (``model.predict``) was taken; the overloading and elemental engines ran it. SCT now
takes the object as its ``__call__`` method bound to it (``self`` a constant argument, read at each call, so
changing an attribute between calls is followed). adcompare's own callables (primitives, custom
functions, checkpoints) are taken as before. Checked with grad, value_and_grad (keywords and ``argnums``),
jvp, vjp and the Hessian against JAX in float64 on several seeds, on every engine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine

TOL = 1e-12
SEEDS = (0, 1, 2)


@pytest.fixture(params=[*ad.ENGINES, "sct-higher"])
def eng(request):
    return SCTEngine(higher="sct") if request.param == "sct-higher" else ad.engine(request.param)


class Model:
    def __init__(self, w):
        self.w = w

    def __call__(self, a, scale=1.0):
        return anp.multiply(anp.sum(anp.sin(anp.multiply(a, self.w))), scale)


class JaxModel(Model):
    def __call__(self, a, scale=1.0):
        return jnp.multiply(jnp.sum(jnp.sin(jnp.multiply(a, self.w))), scale)


def _close(ours, ref) -> None:
    a_leaves, a_tree = jax.tree_util.tree_flatten(ours)
    b_leaves, b_tree = jax.tree_util.tree_flatten(ref)
    assert a_tree == b_tree
    for a, b in zip(a_leaves, b_leaves):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=TOL, atol=TOL)


def _inputs(seed: int):
    rng = np.random.default_rng(seed)
    return rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_callable_object_is_its_call_method(eng, seed):
    x, t, w = _inputs(seed)
    ours, ref = Model(w), JaxModel(w)
    _close(eng.grad(ours)(x), jax.grad(ref)(x))
    _close(eng.value_and_grad(ours)(x, scale=2.0), jax.value_and_grad(ref)(x, scale=2.0))
    _close(eng.grad(ours, argnums=1)(x, 1.5), jax.grad(ref, argnums=1)(x, 1.5))
    _close(eng.jvp(ours, (x,), (t,)), jax.jvp(ref, (x,), (t,)))
    _close(eng.vjp(ours, x)[1](1.0), jax.vjp(ref, x)[1](1.0))
    _close(eng.hessian(ours)(x), jax.hessian(ref)(x))


def test_an_attribute_changed_between_calls_is_followed(eng):
    x, _, w = _inputs(0)
    ours, ref = Model(w), JaxModel(w)
    _close(eng.grad(ours)(x), jax.grad(ref)(x))
    ours.w = ref.w = 0.5 * w
    _close(eng.grad(ours)(x), jax.grad(ref)(x))
