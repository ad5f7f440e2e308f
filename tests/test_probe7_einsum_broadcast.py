"""``anp.einsum`` where a letter has length 1 in one operand and more in another (NumPy broadcasts it).

Operand i's VJP is the einsum of the cotangent with the other operands; when operand i's axis is the
longer one, that einsum has the other operand's length 1 there and must be spread back over operand i's
axis (it crashed on every engine with "cannot reshape array"); when operand i's is the length-1 one, it is
summed down. Checked on every engine, first and second order, against JAX in float64 on several seeds.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

CASES = [
    ("ij,j->i", (2, 3), (1,)),
    ("ij,j->i", (2, 1), (3,)),
    ("ij,kj->ik", (2, 3), (4, 1)),
    ("ij,ij->", (1, 3), (2, 3)),
    ("ij,jk->ik", (2, 1), (4, 3)),
]


def _loss(subscripts):
    def loss(a, b):
        return anp.sum(anp.multiply(anp.sin(anp.einsum(subscripts, a, b)), 1.5))
    return loss


def _close(got, want):
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("engine", ad.ENGINES)
@pytest.mark.parametrize("subscripts,sa,sb", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_grad_and_vjp(engine, subscripts, sa, sb, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    eng, loss = ad.engine(engine), _loss(subscripts)
    _close(eng.grad(loss, argnums=(0, 1))(a, b), jax.grad(loss, argnums=(0, 1))(a, b))
    out = anp.einsum(subscripts, a, b)
    g = rng.normal(size=np.shape(out))
    _close(eng.vjp(lambda x, y: anp.einsum(subscripts, x, y), a, b)[1](g),
           jax.vjp(lambda x, y: anp.einsum(subscripts, x, y), a, b)[1](g))


@pytest.mark.parametrize("engine", ad.ENGINES)
@pytest.mark.parametrize("subscripts,sa,sb", CASES[:3])
def test_hessian(engine, subscripts, sa, sb):
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    loss = _loss(subscripts)
    _close(ad.engine(engine).hessian(loss, argnums=(0, 1))(a, b), jax.hessian(loss, argnums=(0, 1))(a, b))


@pytest.mark.parametrize("engine", ad.ENGINES)
@pytest.mark.parametrize("subscripts,sa,sb", CASES[:2])
def test_derivative_inside_a_differentiated_function(engine, subscripts, sa, sb):
    """A gradient taken inside the function differentiated (SCT transforms the rule's own source here)."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    loss, eng = _loss(subscripts), ad.engine(engine)

    def outer(x, y):
        return anp.multiply(anp.sum(eng.grad(loss, argnums=1)(x, y)), 2.0)

    def outer_jax(x, y):
        return jax.numpy.sum(jax.grad(loss, argnums=1)(x, y)) * 2.0

    _close(eng.grad(outer, argnums=(0, 1))(a, b), jax.grad(outer_jax, argnums=(0, 1))(a, b))
