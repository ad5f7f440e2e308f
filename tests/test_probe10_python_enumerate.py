"""Probe 10: ``enumerate(xs, start)`` and ``enumerate(xs, start=k)`` on the SCT engine, as in JAX.

SCT refused a start ("enumerate with a start", in a comprehension, or "a for loop target that is not a
single name" for the keyword form) though user programs count from 1. A loop over ``enumerate`` is
lowered to a loop by index (``front/for_targets.by_index``); the start is held first and the loop runs
over ``range(start, start + n)``, reading ``seq[k - start]``, so a start that is not an integer raises
Python's TypeError there, named at the user's line. Checked in for statements and comprehensions, over
``zip`` and a dict's ``.items()``, with grad, jvp, vjp and the Hessian against JAX in float64.
"""

from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest

import adcompare as ad
from tests.test_probe9_python_lists import check_against_jax

jax.config.update("jax_enable_x64", True)

D = {"a": 1.5, "b": -2.0}


def counted(x):
    s = 0.0
    for i, v in enumerate(x, 1):
        s = s + i * v * v
    for i, v in enumerate(x, start=-2):
        s = s * 0.5 + i * v
    for i, (_k, w) in enumerate(D.items(), 3):
        s = s + i * w * x[0]
    return s


def counted_in_comprehensions(x):
    return sum(i * v * v for i, v in enumerate(x, 2)) + sum(
        [i * a * b for i, (a, b) in enumerate(zip(x, x[::-1]), start=5)])


def fractional_start(x):
    s = 0.0
    for i, v in enumerate(x, 0.5):
        s = s + i * v
    return s


INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in range(2)] + [np.array([0.0, -1.0, 2.0])]


@pytest.mark.parametrize("f", [counted, counted_in_comprehensions])
def test_enumerate_with_a_start_matches_jax(f):
    check_against_jax(f, INPUTS, seed=23)


def test_a_start_that_is_not_an_integer_raises_at_the_users_line():
    line = inspect.getsourcelines(fractional_start)[1] + 2
    with pytest.raises(TypeError, match="cannot be interpreted as an integer") as info:
        ad.engine("sct").grad(fractional_start)(INPUTS[0])
    assert f"test_probe10_python_enumerate.py, line {line}" in "".join(info.value.__notes__)
