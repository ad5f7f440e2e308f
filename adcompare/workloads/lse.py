"""``lse``: log-sum-exp, written from primitives (GradBench's lse).

lse(x) = a + log Σ_i exp(x_i − a), with a = max_i x_i, which keeps every
exponent ≤ 0. The gradient is softmax(x); the derivative through ``a``
cancels exactly (1 − Σ softmax = 0), so the choice of max's subgradient does
not matter. Both forms take x (n values, all differentiated).

Sizes: n = 8 (tiny, kept small so a Hessian is n cheap passes), 2500,
2500·2^4 = 40000, 2500·2^8 = 640000 (GradBench's n = 2500·2^k).
Inputs: x ~ N(0, 1), seeded.
"""

from __future__ import annotations

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register


def lse(x):
    a = anp.max(x)
    return a + anp.log(anp.sum(anp.exp(x - a)))


def lse_elemental(x):
    a = el.max(x)
    return el.add(a, el.log(el.sum(el.exp(el.subtract(x, a)))))


def lse_inputs(n: int, rng) -> tuple:
    return (rng.normal(size=n),)


register(Workload(
    "lse", lse, lse_inputs, {"tiny": 8, "small": 2500, "medium": 2500 * 2**4, "large": 2500 * 2**8},
    tags=frozenset({"array"}), elemental=lse_elemental))
