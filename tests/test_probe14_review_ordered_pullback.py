"""SCT's pull-back of a function of an ``OrderedDict`` whose output is restored to the caller's ``OrderedDict``.

An ``OrderedDict`` argument is converted to a plain dict at SCT's boundary (:mod:`adcompare.engines.sct.
pytree_nodes`), and an output shaped as it (a gradient) is restored to an ``OrderedDict`` in the caller's key
order, which is not the plain dict's (sorted) order of leaves. The pull-back took the cotangents of the restored
output as if they were in the function's own order: ``jacrev(grad(f))`` of an ``OrderedDict(b=..., a=...)``
gave zeros for the ``b, b`` block (the ``a`` cotangents applied to ``b``), and ``hessian(mode="rev-rev")``
failed with NumPy's "cannot reshape array of size 3 into shape (1,2)". The pull-back now reorders the
cotangents to the function's own leaves. Checked against JAX (float64) on two seeds.
"""

from __future__ import annotations

import collections

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = {"sct": ad.engine("sct"), "sct-sct": ad.engine("sct", higher="sct")}


def close(ours, theirs):
    assert tree_util.tree_structure(ours) == tree_util.tree_structure(theirs), (ours, theirs)
    for a, b in zip(tree_util.tree_leaves(ours), tree_util.tree_leaves(theirs)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)


def loss(m):
    def f(o):
        return m.sum(o["b"] ** 2) * m.sum(m.sin(o["a"])) + m.sum(o["b"][0] * o["a"] ** 3)
    return f


def params(seed):
    rng = np.random.default_rng(seed)
    return collections.OrderedDict([("b", rng.normal(size=2)), ("a", rng.normal(size=3))])


@pytest.mark.parametrize("seed", (0, 1))
@pytest.mark.parametrize("name", ENGINES)
def test_second_order_by_reverse_of_the_gradient(name, seed):
    eng, o = ENGINES[name], params(seed)
    want = jax.hessian(loss(jnp))(o)
    close(eng.jacrev(eng.grad(loss(anp)))(o), want)
    close(eng.hessian(loss(anp), mode="rev-rev")(o), want)


@pytest.mark.parametrize("name", ENGINES)
def test_vjp_of_the_gradient(name):
    eng, o = ENGINES[name], params(2)
    bar = collections.OrderedDict([("b", np.array([0.5, -1.0])), ("a", np.array([2.0, 0.0, -3.0]))])
    g, pull = eng.vjp(eng.grad(loss(anp)), o)
    g_jax, pull_jax = jax.vjp(jax.grad(loss(jnp)), o)
    close(g, g_jax)
    close(pull(bar), pull_jax(bar))
