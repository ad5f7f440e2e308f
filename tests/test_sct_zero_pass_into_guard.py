"""A callee's reverse call guarded against the placeholder cotangent still takes the ``into`` protocol
(emit/into.py's hand-over of ``T = (0.0,) if is_symbolic_zero(g) else f_bwd(res, g)``): the guard hands the
caller's accumulators back unchanged where the callee's result was never used. Checked against JAX (float64,
several seeds), on both sides of the guard (a branch taken and not), and the generated source."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import transform

sct = ad.engine("sct")
TOL = 1e-11


def rows(v):
    return v[1:3]


def used_if(w, k):
    if k > 0:
        return anp.sum(anp.sqrt(w * w + 1.0))
    return 0.0


def caller(x, k):
    s = used_if(rows(x), k)  # rows' output: read by a call, only in a branch
    return s + anp.sum(x * x) + x[0]  # x's cotangent holds these before rows' reverse call adds in


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [0, 1])
def test_guarded_hand_over_matches_jax(seed, k):
    x = np.random.default_rng(seed).normal(size=4)
    np.testing.assert_allclose(sct.grad(caller)(x, k), jax.grad(caller)(jnp.asarray(x), k), rtol=TOL, atol=TOL)


def test_source_hands_over_under_the_guard():
    text = transform.transform(caller, "reverse", (0,), 2).source
    found = re.search(r"\n *(\w+) = \[x_bar\]\n *x_bar = 0\.0\n"
                      r" *x_bar, = \1 if is_symbolic_zero\((\w+)\) else rows_bwd\(rows_res, \2, \1\)\n", text)
    assert found, text
