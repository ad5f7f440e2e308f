"""Problems with Python control flow: branches, early returns, loops, while."""

from __future__ import annotations

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register


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


def piecewise_elemental(x):
    if el.primal(x) < -1.0:
        return el.negative(el.multiply(x, x))
    elif el.primal(x) < 0.5:
        y = el.multiply(el.sin(x), 2.0)
    else:
        y = el.add(el.exp(el.negative(x)), x)
    if el.primal(y) > 0.5:
        return el.multiply(y, y)
    return el.subtract(y, 0.25)


def loop_accumulate(x):
    """A for loop over the elements of x that carries a scalar state."""
    acc = 0.0
    for i in range(len(x)):
        acc = 0.5 * acc + x[i] * anp.cos(acc)
    return acc


def loop_accumulate_elemental(x):
    acc = 0.0
    for i in range(el.shape(x)[0]):
        acc = el.add(el.multiply(0.5, acc), el.multiply(el.getitem(x, i), el.cos(acc)))
    return acc


def newton_sqrt(x):
    """sqrt(x) by Newton's iteration: a while loop whose trip count depends on x."""
    y = x
    while abs(y * y - x) > 1e-10 * x:
        y = 0.5 * (y + x / y)
    return y


def newton_sqrt_elemental(x):
    y = x
    while abs(el.primal(y) * el.primal(y) - el.primal(x)) > 1e-10 * el.primal(x):
        y = el.multiply(0.5, el.add(y, el.divide(x, y)))
    return y


register(Workload(
    "piecewise", piecewise, lambda n, rng: (float(rng.uniform(-2, 2)),),
    {"tiny": None}, tags=frozenset({"scalar", "control-flow"}), elemental=piecewise_elemental))
register(Workload(
    "loop_accumulate", loop_accumulate, lambda n, rng: (rng.uniform(-1, 1, n),),
    {"tiny": 5, "small": 100, "medium": 1000}, tags=frozenset({"array", "control-flow"}),
    elemental=loop_accumulate_elemental))
register(Workload(
    "newton_sqrt", newton_sqrt, lambda n, rng: (float(rng.uniform(0.1, 10.0)),),
    {"tiny": None}, tags=frozenset({"scalar", "control-flow"}), elemental=newton_sqrt_elemental))
