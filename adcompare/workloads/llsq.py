"""``llsq``: linear least squares with a polynomial basis (cmpad / GradBench llsq).

f(x) = ½ Σ_i (s_i − Σ_j x_j t_i^j)², with t_i = −1 + 2i/(n−1) and
s_i = sign(t_i) for i = 0..n−1, and j = 0..m−1 where m = len(x): the fit of a
degree m−1 polynomial to a step. The natural form loops over j and builds the
powers t^j by repeated multiplication (the "polynomial loop").

Arguments: x (m values, differentiated), then the constants t and s (n values
each). Sizes (n, m): (8, 4) tiny, (16, 128), (256, 128), (4096, 128) large.
Inputs: x ~ N(0, 1), seeded.
"""

from __future__ import annotations

import numpy as np

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register


def llsq(x, t, s):
    residual = s
    power = anp.ones_like(t)
    for j in range(len(x)):
        residual = residual - x[j] * power
        power = power * t
    return 0.5 * anp.sum(residual * residual)


def llsq_elemental(x, t, s):
    residual = s
    power = np.ones_like(t)
    for j in range(el.shape(x)[0]):
        residual = el.subtract(residual, el.multiply(el.getitem(x, j), power))
        power = power * t  # t is a constant: plain numpy
    return el.multiply(0.5, el.sum(el.multiply(residual, residual)))


def llsq_grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The points t_i = −1 + 2i/(n−1) and the targets s_i = sign(t_i)."""
    t = -1.0 + 2.0 * np.arange(n) / (n - 1)
    return t, np.sign(t)


def llsq_inputs(size: tuple[int, int], rng) -> tuple:
    n, m = size
    return (rng.normal(size=m),) + llsq_grid(n)


register(Workload(
    "llsq", llsq, llsq_inputs, {"tiny": (8, 4), "small": (16, 128), "medium": (256, 128),
                                "large": (4096, 128)},
    tags=frozenset({"array", "control-flow"}), elemental=llsq_elemental))
