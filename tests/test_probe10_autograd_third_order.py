"""Probe 10 (autograd's tests adapted): third derivatives on the SCT engine, as autograd's ``combo_check(...,
order=3)`` and test_graphs.py's ``grad`` of ``grad`` of ``grad`` take them.

* ``jacfwd(hessian(f))`` (and ``jacrev(hessian(f))``) of a function calling ``anp.einsum`` crashed with "the
  cotangents of one value do not fit together (a Node, a tuple of 2) ... please report this": einsum's own
  code keeps a cotangent for its tuple of operands, which starts as the placeholder ``0.0``; the third level
  runs that code's second-order helper on the overloading engine's boxes, where the boxed placeholder was
  not known for a zero, and adding the operands' cotangents to it failed. A boxed placeholder now stands for
  each element's zero (and stays linked to its level).
* ``eng.grad(lambda a, b: ... eng.grad(lambda c, d: ... eng.grad(f, 1)(c, d) ..., 0)(a, b) ...)`` (a lambda's
  gradient taken inside a lambda that is differentiated) stopped with "differentiating Closure objects" at
  "<unknown>, line 0": the inner lambda reached SCT as the value SCT makes of a nested function, from a call
  the boxes run. Such a value is run on the boxes, as the call around it is (exact).

Checked against JAX in float64 on several seeds, on ``higher="sct"`` (the default) and ``higher="boxes"``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes")}


def mixed(x, y):
    return anp.sum(anp.sin(anp.einsum("ij,jk->ik", x, y)))


def mixed_jax(x, y):
    return jnp.sum(jnp.sin(jnp.einsum("ij,jk->ik", x, y)))


@pytest.mark.parametrize("name", list(ENGINES))
def test_third_derivative_of_einsum(name):
    eng = ENGINES[name]
    oracle = jax.jit(jax.jacfwd(jax.hessian(mixed_jax)))
    for seed in (0, 1):
        rng = np.random.RandomState(seed)
        x, y = rng.randn(2, 3), rng.randn(3, 2)
        want = oracle(x, y)
        np.testing.assert_allclose(eng.jacfwd(eng.hessian(mixed))(x, y), want, rtol=1e-10, atol=1e-12)


def sine_of_product(x, y):
    return anp.sum(anp.sin(x * y))


def sine_of_product_jax(x, y):
    return jnp.sum(jnp.sin(x * y))


@pytest.mark.parametrize("name", list(ENGINES))
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_of_a_lambda_inside_a_differentiated_lambda(name, seed):
    eng = ENGINES[name]
    rng = np.random.RandomState(seed)
    x, y = rng.randn(3), rng.randn(3)
    got = eng.grad(lambda a, b: anp.sum(eng.grad(lambda c, d: anp.sum(eng.grad(sine_of_product, 1)(c, d) ** 2),
                                                 0)(a, b) ** 2), (0, 1))(x, y)
    want = jax.grad(lambda a, b: jnp.sum(jax.grad(lambda c, d: jnp.sum(jax.grad(sine_of_product_jax, 1)(c, d) ** 2),
                                                  0)(a, b) ** 2), (0, 1))(x, y)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
