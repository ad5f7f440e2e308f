"""Probe 9: Python's ``sum``, ``max``, ``min``, ``pow``, ``list``, ``dict`` on differentiated values, on SCT.

JAX differentiates these builtins as the Python they are (additions, comparisons, ``**`` on its
tracers), and so does the overloading engine; SCT refused them ("max() of a differentiated value",
"a call to sum, which is neither a vocabulary primitive nor a function with source"), so programs in
the style of autograd's and Tangent's tests (``sum(parts)``, ``max(x, 0.0)``, ``pow(x, 2)``) did not
run. SCT now transforms them as plain Python functions that compute the same value the same way
(``front/builtin_source.py``): ``max`` keeps the first of the largest, so at a tie the derivative
goes to the first argument, as in JAX. ``list(xs)`` (a new list, which may be appended to) and
``dict(a=x, b=y)`` (a display) were refused the same way, and are taken the same way. Checked with
grad, jvp, vjp and the Hessian against JAX in float64 on several seeds, with negative values, zeros
and ties among them.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare.numpy as anp
from tests.test_probe9_python_lists import check_against_jax

jax.config.update("jax_enable_x64", True)


def sums(x):
    parts = [x * 2.0, anp.sin(x), x[::-1]]
    return anp.sum(sum(parts) ** 2) + sum(x) * sum(x * x, 1.0) + sum(v * v for v in x)


def maxes_and_mins(x):
    a, b = x[0], x[1]
    return max(a, b) * min(a, b, 0.5) + max([a * a, b, 1.0]) - min(x) + sum([max(v, 0.0) for v in x])


def running_max(x):
    best = x[0]
    for i in range(1, len(x)):
        best = max(best, x[i] * x[i - 1])
    if max(x[0], x[1]) > 0.0:
        best = best * x[0]
    return best


def powers(x):
    return pow(x[0], 2) + pow(x[1] * x[1] + 1.0, x[2]) + pow(2.0, x[3])


def builtins_on_constants(x):
    s = x[0]
    for _ in range(max(2, len(x) - 1) + min(3, 1)):
        s = s * 0.5 + sum([1.0, 2.0]) + pow(2, 3)
    return s


def containers_from_builtins(x):
    items = list(x)
    items.append(x[0] * 3.0)
    squares = list(v * v for v in x)
    p = dict(w=x[0], rest={"b": x[1], "c": [x[2], x[3] * x[0]]})
    steps = 0.0
    for k in list(range(2)):
        steps = steps + k
    return sum(items) * squares[1] + p["w"] * p["rest"]["c"][1] + anp.sum(anp.array(squares)) * steps


INPUTS = [np.random.default_rng(seed).normal(size=4) for seed in range(1)] + [np.array([0.0, 0.0, -1.5, 0.0])]


@pytest.mark.parametrize("f", [sums, maxes_and_mins, running_max, powers, builtins_on_constants,
                               containers_from_builtins])
def test_builtins_match_jax(f):
    check_against_jax(f, INPUTS, seed=3)
