"""Vocabulary (h14): the matrix norms ``'nuc'``, 1, -1, 2, -2, inf, -inf of ``linalg.norm``/``matrix_norm`` (over any
pair of axes, ``keepdims``) and ``cond`` with every matrix norm, against JAX in float64 on the overloading engine and
SCT (values, gradients, JVPs, Hessian-vector products), on JAX tracers; orders that are not matrix norms refused.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from vocab14_check import program_tests
from vocab_more_check import check_on_tracers, seeded

import adcompare.numpy as anp

ORDS = ("nuc", 1, -1, 2, -2, np.inf, -np.inf)


def matrix_norms(np_):
    def f(x, y):
        stack, m = np_.reshape(y, (2, 3, 4)), x[:3, :3] + 2.0 * np_.eye(3)
        out = np_.linalg.cond(m, 1) + np_.linalg.cond(m, -np.inf) + np_.linalg.cond(m, "nuc")
        for i, ord in enumerate(ORDS):
            if i % 2:
                out = out + np_.sum(np_.linalg.norm(stack, ord, axis=(-1, 0), keepdims=i == 3) * y[i])
            else:
                out = out + np_.linalg.matrix_norm(x * (1.0 + i), ord=ord) ** 2
        return out
    return f


test_programs_against_jax = program_tests([matrix_norms], [(3, 4), (24,)])


def test_matrix_norms_on_tracers_and_shapes_as_jnp():
    check_on_tracers(lambda np_: lambda x: np_.linalg.norm(x, 2) + np_.linalg.norm(x, -np.inf) + np_.linalg.norm(
        x, "nuc"), tuple(jnp.asarray(a) for a in seeded([(3, 4)], (5,))[0]))
    x = np.random.default_rng(2).normal(size=(2, 3, 4))
    for ord in ORDS:
        for axis, keepdims in (((1, 2), False), ((2, 0), True)):
            ours, theirs = anp.linalg.norm(x, ord, axis, keepdims), jnp.linalg.norm(x, ord, axis, keepdims)
            assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("ord", [3, 0, "fro2"])
def test_orders_that_are_not_matrix_norms_are_refused_by_name(ord):
    with pytest.raises(ValueError, match=f"ord={ord!r}"):
        anp.linalg.norm(np.ones((2, 2)), ord)
