"""Problems with Python control flow: branches, early returns, loops, while."""

from __future__ import annotations

import adcompare.numpy as anp
from adcompare.workloads import Workload, register


def piecewise(x):
    """if / elif / else with an early return, then a branch on a computed value."""
    if x < -1.0:
        return -x * x
    elif x < 0.5:
        y = anp.sin(x) * 2.0
    else:
        y = anp.exp(-x) + x
    if y > 0.5:
        return y * y
    return y - 0.25


def loop_accumulate(x):
    """A for loop over the elements of x that carries a scalar state."""
    acc = 0.0
    for i in range(len(x)):
        acc = 0.5 * acc + x[i] * anp.cos(acc)
    return acc


def newton_sqrt(x):
    """sqrt(x) by Newton's iteration: a while loop whose trip count depends on x."""
    y = x
    while abs(y * y - x) > 1e-10 * x:
        y = 0.5 * (y + x / y)
    return y


register(Workload(
    "piecewise", piecewise, lambda n, rng: (float(rng.uniform(-2, 2)),),
    {"tiny": None}, tags=frozenset({"scalar", "control-flow"})))
register(Workload(
    "loop_accumulate", loop_accumulate, lambda n, rng: (rng.uniform(-1, 1, n),),
    {"tiny": 5, "small": 100, "medium": 1000}, tags=frozenset({"array", "control-flow"})))
register(Workload(
    "newton_sqrt", newton_sqrt, lambda n, rng: (float(rng.uniform(0.1, 10.0)),),
    {"tiny": None}, tags=frozenset({"scalar", "control-flow"})))
