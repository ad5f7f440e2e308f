"""``mlp``: the mean squared error of a two-layer tanh perceptron on a seeded batch.

    prediction = tanh(X W1 + b1) W2 + b2,   f = mean((prediction − Y)²),

with the input, hidden and output widths and the batch all equal to the
named width w. Arguments: W1 (w×w), b1 (w), W2 (w×w), b2 (w), all
differentiated (2w² + 2w values), then the constants X and Y (w×w each).
Sizes: w = 3 (tiny), 8, 128, 1024 (large).

Inputs, seeded, in this order: W1 and W2 ~ N(0, 1/w), b1 and b2 ~ N(0, 0.1²),
X ~ N(0, 1), Y ~ N(0, 1).
"""

from __future__ import annotations

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.workloads.registry import Workload, register


def mlp(w1, b1, w2, b2, inputs, targets):
    hidden = anp.tanh(inputs @ w1 + b1)
    prediction = hidden @ w2 + b2
    error = prediction - targets
    return anp.mean(error * error)


def mlp_elemental(w1, b1, w2, b2, inputs, targets):
    hidden = el.tanh(el.add(el.matmul(inputs, w1), b1))
    prediction = el.add(el.matmul(hidden, w2), b2)
    error = el.subtract(prediction, targets)
    return el.mean(el.multiply(error, error))


def mlp_inputs(width: int, rng) -> tuple:
    scale = 1.0 / width**0.5
    w1 = rng.normal(scale=scale, size=(width, width))
    w2 = rng.normal(scale=scale, size=(width, width))
    b1 = rng.normal(scale=0.1, size=width)
    b2 = rng.normal(scale=0.1, size=width)
    inputs = rng.normal(size=(width, width))
    targets = rng.normal(size=(width, width))
    return w1, b1, w2, b2, inputs, targets


register(Workload(
    "mlp", mlp, mlp_inputs, {"tiny": 3, "small": 8, "medium": 128, "large": 1024},
    argnums=(0, 1, 2, 3), tags=frozenset({"array"}), elemental=mlp_elemental))
