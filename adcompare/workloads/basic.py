"""Small array and scalar problems: the survey's example, polynomials, vectors."""

from __future__ import annotations

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register


def seed(x1, x2):
    """The survey's running example: ln(x1) + x1*x2 - sin(x2)."""
    return anp.log(x1) + x1 * x2 - anp.sin(x2)


def seed_elemental(x1, x2):
    return el.subtract(el.add(el.log(x1), el.multiply(x1, x2)), el.sin(x2))


def polynomial(x):
    return 3.0 * x**4 - 2.0 * x**3 + 0.5 * x**2 - 5.0 * x + 1.0


def polynomial_elemental(x):
    y = el.subtract(el.multiply(3.0, el.power(x, 4)), el.multiply(2.0, el.power(x, 3)))
    y = el.subtract(el.add(y, el.multiply(0.5, el.power(x, 2))), el.multiply(5.0, x))
    return el.add(y, 1.0)


def rosenbrock(x):
    """sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2."""
    head, tail = x[:-1], x[1:]
    return anp.sum(100.0 * (tail - head**2) ** 2 + (1.0 - head) ** 2)


def rosenbrock_elemental(x):
    head, tail = el.getitem(x, slice(None, -1)), el.getitem(x, slice(1, None))
    valley = el.multiply(100.0, el.power(el.subtract(tail, el.power(head, 2)), 2))
    return el.sum(el.add(valley, el.power(el.subtract(1.0, head), 2)))


def broadcasting(x, w, b):
    """x (n, 1) against w (m,) against a scalar b: every operand broadcasts."""
    return anp.sum(anp.tanh(x * w + b) * w) / b


def broadcasting_elemental(x, w, b):
    return el.divide(el.sum(el.multiply(el.tanh(el.add(el.multiply(x, w), b)), w)), b)


def reductions(x):
    rows = anp.max(x, axis=1)
    cols = anp.mean(x * x, axis=0, keepdims=True)
    return anp.sum(rows) + anp.sum(cols * x) / 3.0 + anp.logsumexp(x)


def reductions_elemental(x):
    rows = el.max(x, axis=1)
    cols = el.mean(el.multiply(x, x), axis=0, keepdims=True)
    return el.add(el.add(el.sum(rows), el.divide(el.sum(el.multiply(cols, x)), 3.0)), el.logsumexp(x))


def matmul(a, b, v):
    return anp.sum(anp.tanh(a @ b) @ v) + anp.dot(v, v)


def matmul_elemental(a, b, v):
    return el.add(el.sum(el.matmul(el.tanh(el.matmul(a, b)), v)), el.dot(v, v))


def _uniform(lo, hi):
    return lambda rng: float(rng.uniform(lo, hi))


register(Workload(
    "seed", seed, lambda n, rng: (float(rng.uniform(0.5, 2.0)), float(rng.uniform(-2, 2))),
    {"tiny": None}, argnums=(0, 1), tags=frozenset({"scalar"}), elemental=seed_elemental))
register(Workload(
    "polynomial", polynomial, lambda n, rng: (float(rng.uniform(-2, 2)),),
    {"tiny": None}, tags=frozenset({"scalar"}), elemental=polynomial_elemental))
register(Workload(
    "rosenbrock", rosenbrock, lambda n, rng: (rng.uniform(-2, 2, n),),
    {"tiny": 4, "small": 100, "medium": 10_000, "large": 1_000_000}, tags=frozenset({"array"}),
    elemental=rosenbrock_elemental))
register(Workload(
    "broadcasting", broadcasting,
    lambda n, rng: (rng.normal(size=(n, 1)), rng.normal(size=n + 1), float(rng.uniform(0.5, 2))),
    {"tiny": 3, "small": 100, "medium": 1000}, argnums=(0, 1, 2), tags=frozenset({"array"}),
    elemental=broadcasting_elemental))
register(Workload(
    "reductions", reductions, lambda n, rng: (rng.normal(size=(n, n + 2)),),
    {"tiny": 3, "small": 100, "medium": 1000}, tags=frozenset({"array"}), elemental=reductions_elemental))
register(Workload(
    "matmul", matmul,
    lambda n, rng: (rng.normal(size=(n, n + 1)) / n, rng.normal(size=(n + 1, n + 2)), rng.normal(size=n + 2)),
    {"tiny": 3, "small": 64, "medium": 512}, argnums=(0, 1, 2), tags=frozenset({"array"}),
    elemental=matmul_elemental))
