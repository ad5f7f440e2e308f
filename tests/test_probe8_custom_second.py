"""Reverse over reverse through an ``ad.custom_vjp`` function on SCT (``higher="sct"``) is JAX's.

Outer derivatives differentiate a custom_vjp's ``fwd`` and ``bwd`` as written, as in JAX: the value the
outer level sees is the one the user's ``fwd`` computes. SCT's gradient code transformed again took the
value by binding the custom function once more, so the outer level differentiated it by the custom rule:
the Hessian of ``sum(f(x) ** 2)``, with ``f = sin`` and a ``bwd`` giving half of ``cos``, was
``0.5 cos² - sin²`` (JAX, the overloading engine and ``higher="boxes"``: ``cos² - sin²``), with no
error. Checked against ``jax.jacrev(jax.jacrev(...))`` in float64 on several seeds, for a single
output, a tuple output and a ``nondiff_argnums`` argument.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def _half_cos_bwd(r, g):
    return (g * anp.cos(r) * 0.5,)


half = ad.custom_vjp(lambda x: anp.sin(x))
half.defvjp(lambda x: (anp.sin(x), x), _half_cos_bwd)
half_jax = jax.custom_vjp(lambda x: jnp.sin(x))
half_jax.defvjp(lambda x: (jnp.sin(x), x), _half_cos_bwd)


def _pair_bwd(res, g):
    x, y = res
    return g[0] * anp.cos(x) * y * 0.5 + g[1] * y, g[0] * anp.sin(x) + g[1] * x


pair = ad.custom_vjp(lambda x, y: (anp.sin(x) * y, anp.sum(x * y)))
pair.defvjp(lambda x, y: ((anp.sin(x) * y, anp.sum(x * y)), (x, y)), _pair_bwd)
pair_jax = jax.custom_vjp(lambda x, y: (jnp.sin(x) * y, jnp.sum(x * y)))
pair_jax.defvjp(lambda x, y: ((jnp.sin(x) * y, jnp.sum(x * y)), (x, y)), _pair_bwd)


def _scaled_bwd(n, x, g):
    return (g * n * anp.cos(x),)


scaled = ad.custom_vjp(lambda n, x: x * n, nondiff_argnums=(0,))
scaled.defvjp(lambda n, x: (x * n, x), _scaled_bwd)
scaled_jax = partial(jax.custom_vjp, nondiff_argnums=(0,))(lambda n, x: x * n)
scaled_jax.defvjp(lambda n, x: (x * n, x), _scaled_bwd)


def single(f):
    return lambda x, y: anp.sum(f(x) ** 2 * f(y)) + anp.sum(f(x * y))


def pairs(f):
    def loss(x, y):
        a, b = f(x, y)
        c, d = f(a * x, y)
        return anp.sum(a * c) * b + d * d
    return loss


def nondiff(f):
    return lambda x, y: anp.sum(f(2.0, x) ** 2 * y)


CASES = [(single, half, half_jax), (pairs, pair, pair_jax), (nondiff, scaled, scaled_jax)]


@pytest.mark.parametrize("make,ours,theirs", CASES, ids=["single", "tuple", "nondiff"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sct_reverse_over_reverse_matches_jax(make, ours, theirs, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=3), rng.normal(size=3)
    expected = jax.jacrev(jax.jacrev(make(theirs), (0, 1)), (0, 1))(x, y)
    eng = ad.engine("sct")
    got = eng.hessian(make(ours), (0, 1), "rev-rev")(x, y)
    for g, e in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-13)
    grad = eng.grad(make(ours), (0, 1))
    for g, e in zip(eng.jacrev(grad, (0, 1))(x, y), expected):
        np.testing.assert_allclose(np.concatenate(g, axis=-1), np.concatenate(e, axis=-1), rtol=1e-12, atol=1e-13)


def test_overloading_and_boxes_agree():
    """The same Hessian on the overloading engine and on SCT's boxes (they were right before)."""
    x, y = np.array([0.3, -0.8]), np.array([1.1, 0.4])
    loss = single(half)
    want = ad.engine("sct").hessian(loss, (0, 1), "rev-rev")(x, y)
    for eng in (ad.engine("overloading"), ad.engine("sct", higher="boxes")):
        got = eng.hessian(loss, (0, 1), "rev-rev")(x, y)
        for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-13)
