"""Probe 14 (JAX's lax_autodiff_test kinds of edge points): the sum of symbolic-zero tangents is one, on SCT.

SCT's forward-over-reverse ``hessian`` (``higher="sct"``) differentiates max's pull-back again, whose tie
mask is made from primal values: its tangent is the sum of two symbolic zeros (the mask's and the count's).
Forward-mode generated code summed them into a real zero array, which then met an inf or nan weight:
``hessian(lambda x: anp.max(x * w))`` with ``w`` holding inf or nan gave a row of nan where JAX gives 0,
and ``hessian(lambda x: anp.max(anp.sqrt(x)))`` at a tie at 0 gave nan where JAX gives -inf, with no
error (rev-rev and the overloading engine agreed with JAX). Now an operation whose live operands' tangents
are all symbolic zeros gives one (emit/forward.op_tangent, analysis in emit/zero_tangents), as JAX adds
tangents. Compared with JAX in float64, nan and inf at the same places.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as onp
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

W_INF = onp.array([1.0, onp.inf, 1.0])


def max_weighted(x):
    return anp.max(x * W_INF)


def max_sqrt(x):
    return anp.max(anp.sqrt(x))


CASES = [
    (max_weighted, onp.array([1.0, -2.0, 3.0])),
    (max_sqrt, onp.array([0.0, 0.0])),
]


def assert_like_jax(ours, theirs):
    ours, theirs = onp.asarray(ours), onp.asarray(theirs)
    assert ours.shape == theirs.shape
    onp.testing.assert_array_equal(onp.isnan(ours), onp.isnan(theirs))
    onp.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=0.0)  # inf at the same places, equal elsewhere


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("f, x", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("engine", ["sct", "overloading"])
def test_hessian_at_non_finite_weights(engine, f, x):
    eng = ad.engine(engine)
    theirs = jax.hessian(f)(jnp.asarray(x))
    assert_like_jax(eng.hessian(f)(x), theirs)
