"""Probe 9: for loops over ``enumerate``, ``zip`` and ``reversed`` and with tuple targets, on SCT, as in JAX.

``for i, v in enumerate(x)``, ``for a, b in zip(xs, ys)``, ``for a, b in pairs`` and ``for v in
reversed(xs)`` were refused by SCT ("a for loop target that is not a single name", "iterating over
zip"), though its comprehensions took the same forms. A for statement is now lowered as a
comprehension's loop is (``front/for_targets.py``): the sequences held first, a loop by index, the
target assigned from the items; ``enumerate(zip(...))`` too, in both. A loop over an array method's
result (``for row in x.reshape(2, 3)``) was refused as "iterating over x.reshape(...)"; it runs over
the array's first axis, as a loop over an array does. Break, continue, a return inside,
nested loops and a body that assigns the loop variables are checked with grad, jvp, vjp and the
Hessian against JAX in float64 on several seeds, with negative values and zeros among them.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare.numpy as anp
from tests.test_probe9_python_lists import check_against_jax

jax.config.update("jax_enable_x64", True)


def enumerate_with_jumps(x):
    s = 0.0
    for i, v in enumerate(x):
        if i == 1:
            continue
        v = v * 2.0
        s = s + v * (i + 1)
        if i > 3:
            break
    return s


def zips(x):
    s = 0.0
    for a, b, c in zip(x, x[1:] * 2.0, x[::-1]):
        s = s + a * b - c
    for k, (a, b) in enumerate(zip(x[1:], anp.sin(x))):
        s = s * 0.5 + a * b * k
    return s + sum(a * k for k, (a, b) in enumerate(zip(x, x[::-1])))


def pairs_and_reversed(x):
    pairs = [(x[0], 1.0), (2.0, x[1] * x[1]), (x[2], x[3])]
    s = 0.0
    for a, b in pairs:
        s = s + a * b
    for (a, b) in reversed(pairs):
        s = s * a + b
    for v in reversed(x):
        s = s * 0.9 + v
    return s


def nested_rows(x):
    s = 0.0
    for i, row in enumerate(x.reshape(2, 3)):
        for j, w in enumerate(row):
            if w > 1.0:
                return s * w
            s = s + w * row[j - 1] * (i - j)
    return s


def iterates_array_methods(x):
    s = 0.0
    for row in x.reshape(2, 3):
        s = s * 0.5 + anp.sum(row * row)
    for v in x.ravel():
        s = s + v
    for col in x.reshape(3, 2).transpose():
        s = s + col[0] * col[-1]
    return s


INPUTS = [np.random.default_rng(seed).normal(size=6) for seed in range(2)] + [np.array([0.0, -1.0, 2.0, 0.0, 0.5, 0.0])]


@pytest.mark.parametrize("f", [enumerate_with_jumps, zips, pairs_and_reversed, nested_rows,
                               iterates_array_methods])
def test_loops_match_jax(f):
    check_against_jax(f, INPUTS, seed=5)
