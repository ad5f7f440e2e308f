"""Probe 15 (autograd's examples kinds of programs, third order): a broadcast multiply by an array built in
the program (``np.array([1.0, 4.0])``) under three reverse levels on SCT (default ``higher``).

``jacrev(jacrev(jacrev(f)))`` and ``jacfwd(hessian(f, mode="rev-rev"))`` of
``anp.sum((np.ones((8, 2)) * p) ** 3 * np.array([1.0, 4.0]))`` stopped with "cannot reshape array of size 2
into shape (8,2)" in the multiply's pull-back: the third level takes the second level's rules on the
overloading boxes (emit/boxed_callee), and the placeholder zero ``0.0`` (a cotangent known to be zero) given
to such a rule became a box, which the rule took for a scalar cotangent and broadcast against the wrong
operand. The placeholder now stays the placeholder for code SCT made. Equal to JAX in float64, seeded inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as onp
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def _programs(xp):
    def row_weights(p):  # the probe's program: (8, 2) * (2,), then * (2,) built in the program
        return xp.sum((onp.ones((8, 2)) * p) ** 3 * onp.array([1.0, 4.0]))

    def column_weights(p):  # (2, 1) * (3,) -> (2, 3), then * (2, 1)
        return xp.sum(xp.sin(onp.array([[1.0], [2.0]]) * p) ** 2 * onp.array([[0.5], [-1.5]]))

    def scalar_and_rows(p):  # (3,) * (4, 1), a 0-d array built in the program, an outer product
        q = p * onp.array([[1.0], [2.0], [3.0], [4.0]]) + onp.array(0.25)
        outer = p[:, None] * p[None, :] * onp.array([[1.0], [-2.0], [0.5]])
        return xp.sum(xp.exp(q) * onp.array([1.0, -2.0, 0.5])) + xp.sum(outer * p)

    return [row_weights, column_weights, scalar_and_rows]


SIZES = {"row_weights": 2, "column_weights": 3, "scalar_and_rows": 3}


@pytest.mark.parametrize("k", range(3))
def test_broadcast_by_built_arrays_at_orders_two_and_three(k):
    f, g = _programs(anp)[k], _programs(jnp)[k]
    eng = ad.engine("sct")
    second = eng.jacrev(eng.jacrev(f))
    third = eng.jacrev(eng.jacrev(eng.jacrev(f)))
    fwd_rev_rev = eng.jacfwd(eng.hessian(f, mode="rev-rev"))
    hessian_of, third_of = jax.jit(jax.hessian(g)), jax.jit(jax.jacrev(jax.jacrev(jax.jacrev(g))))  # jit: fast
    for seed in range(2):
        x = onp.random.default_rng(seed).standard_normal(SIZES[f.__name__]) * 0.5
        onp.testing.assert_allclose(second(x), hessian_of(x), rtol=1e-10, atol=1e-12)
        want = third_of(x)
        onp.testing.assert_allclose(third(x), want, rtol=1e-10, atol=1e-12)
        onp.testing.assert_allclose(fwd_rev_rev(x), want, rtol=1e-10, atol=1e-12)
