"""Probe 17 (review): SCT's ``y = x.copy()`` of a parameter that the function later rebinds to a list.

:func:`front.local_lists.local_lists` took ``x`` for a local list where every assignment *in the body* made a list
(``x = [x[0], x[1]]``), and so ``y = x.copy()`` (the parameter's copy, read before that assignment: an array) for
the list ``list(x)``: ``y + y`` then concatenated where NumPy adds, and ``(y + y)[1]`` was ``x[1]`` for NumPy's
``2 * x[1]``, value and gradient silently wrong (``xs.copy()`` of a local list is new in the merge). A parameter is
never a local list (its value comes from the caller); checked against JAX in float64 (grad, jvp) and against the
program's own NumPy run, with the list copy of a surely local list still a list.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-13)
INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in (17, 71)]


def rebound(x):
    y = x.copy()  # an array's copy: y + y adds
    s = (y + y)[1] * 3.0
    x = [x[0], x[1]]
    return s + x[0] * x[1]


def rebound_after_loop(x):
    y = x.copy()
    for _ in range(2):
        x = [x[0] * 2.0]
    return (y + y)[2] + x[0]


def local_copy(x):  # the copy of a surely local list is still a list: + concatenates
    xs = [x[0], x[1]]
    ys = xs.copy()
    ys.append(x[2])
    return anp.sum(anp.stack(ys + xs) ** 2)


@pytest.mark.parametrize("f", [rebound, rebound_after_loop, local_copy], ids=lambda f: f.__name__)
def test_a_parameters_copy_is_no_list(f):
    eng = ad.engine("sct")
    oracle = f if f is not local_copy else (lambda x: jnp.sum(jnp.stack([x[0], x[1], x[2], x[0], x[1]]) ** 2))
    for x in INPUTS:
        value, grad = eng.value_and_grad(f)(x)
        want_value, want_grad = jax.value_and_grad(oracle)(jnp.asarray(x))
        np.testing.assert_allclose(value, f(x), **TOL)  # NumPy's own run
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)
        t = np.ones(3)
        np.testing.assert_allclose(eng.jvp(f, (x,), (t,))[1], jax.jvp(oracle, (x,), (t,))[1], **TOL)
