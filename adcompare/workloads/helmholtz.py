"""``helmholtz``: the Helmholtz free energy of a mixed fluid (Griewank's benchmark).

    f(x) = RT Σ_i x_i log(x_i / (1 − bᵀx))
           − xᵀAx / (√8 bᵀx) · log((1 + (1 + √2) bᵀx) / (1 + (1 − √2) bᵀx)),

with R = T = 1. Arguments: x (n values, differentiated), then the constants b
(n values) and A (n×n). Sizes: n = 4 (tiny), 10, 100, 1000 (large).

Inputs, seeded: x ~ 0.1·U(0, 1), A ~ 0.1·U(0, 1), b ~ 0.1·U(0, 1) / max(1, n/100).
The last factor is ours: bᵀx grows like n/400, and the logarithm needs
bᵀx < 1, so for n > 100 b is scaled down to keep bᵀx ≈ 0.25 or less.
"""

from __future__ import annotations

import math

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register

GAS_CONSTANT = 1.0
TEMPERATURE = 1.0
SQRT2 = math.sqrt(2.0)
SQRT8 = math.sqrt(8.0)


def helmholtz(x, b, a):
    bx = anp.dot(b, x)
    xax = anp.dot(x, anp.matmul(a, x))
    entropy = anp.sum(x * anp.log(x / (1.0 - bx)))
    attraction = xax / (SQRT8 * bx) * anp.log((1.0 + (1.0 + SQRT2) * bx) / (1.0 + (1.0 - SQRT2) * bx))
    return GAS_CONSTANT * TEMPERATURE * entropy - attraction


def helmholtz_elemental(x, b, a):
    bx = el.dot(b, x)
    xax = el.dot(x, el.matmul(a, x))
    entropy = el.sum(el.multiply(x, el.log(el.divide(x, el.subtract(1.0, bx)))))
    ratio = el.divide(el.add(1.0, el.multiply(1.0 + SQRT2, bx)), el.add(1.0, el.multiply(1.0 - SQRT2, bx)))
    attraction = el.multiply(el.divide(xax, el.multiply(SQRT8, bx)), el.log(ratio))
    return el.subtract(el.multiply(GAS_CONSTANT * TEMPERATURE, entropy), attraction)


def helmholtz_inputs(n: int, rng) -> tuple:
    x = 0.1 * rng.uniform(size=n)
    b = 0.1 * rng.uniform(size=n) / max(1.0, n / 100)
    a = 0.1 * rng.uniform(size=(n, n))
    return x, b, a


register(Workload(
    "helmholtz", helmholtz, helmholtz_inputs, {"tiny": 4, "small": 10, "medium": 100, "large": 1000},
    tags=frozenset({"array"}), elemental=helmholtz_elemental))
