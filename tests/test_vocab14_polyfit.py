"""Vocabulary (h14): ``polyfit``'s ``full`` (residuals, rank, singular values, rcond), ``cov`` (scaled and
``'unscaled'``, one or several columns) and an ``rcond`` that cuts no singular value, against JAX in float64 on the
overloading engine and SCT (values and gradients; the values' shapes as jnp's); an rcond that cuts one is refused.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from vocab_more_check import close, seeded

import adcompare as ad
import adcompare.numpy as anp


def fits(np_):
    def f(x, y):
        c, v = np_.polyfit(x, y, 2, cov=True)
        c2, residuals, rank, s, rcond = np_.polyfit(x, y * y, 2, full=True, rcond=1e-10)
        out = np_.sum(c ** 2) + np_.sum(v ** 2) + np_.sum(residuals) + np_.sum(s ** 2) + np_.sum(c2 * c)
        return out + np_.sum(np_.polyfit(x, np_.stack([y, y * x], 1), 1, cov="unscaled")[1])
    return f


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_full_and_cov_against_jax(engine):
    reference = jax.jit(jax.value_and_grad(fits(jnp), (0, 1)))
    for x, y in seeded([(7,), (7,)]):
        close(ad.engine(engine).value_and_grad(fits(anp), (0, 1))(x, y), reference(x, y))


def test_shapes_as_jnp_and_rcond_refused_where_it_cuts():
    x, y = seeded([(6,), (6,)])[0]
    for keywords in ({"full": True}, {"cov": True}, {"cov": "unscaled"}):
        for yy in (y, np.stack([y, 2.0 * y], 1)):
            ours, theirs = anp.polyfit(x, yy, 2, **keywords), jnp.polyfit(x, yy, 2, **keywords)
            for a, b in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
                assert np.shape(a) == np.shape(b), keywords
                np.testing.assert_allclose(a, b, rtol=1e-9)
    with pytest.raises(NotImplementedError, match="rcond=0.5.*test_vocab14_polyfit.py"):
        anp.polyfit(x, y, 2, rcond=0.5)
