"""``ode``: the last state of an ODE solved by RK4 (after cmpad / GradBench's ode).

The system, for a parameter vector x of length n and a state y of length n:

    y_0′ = x_0,   y_i′ = (Σ_{j=1..i} x_j) · y_{i−1}  for i = 1..n−1,   y(0) = 0,

integrated over t ∈ [0, 2] by s steps of the classical fourth-order Runge–Kutta
method, written as a Python loop that carries the state. The output is
y_{n−1}(2). The exact solution is y_i(t) = x_0 · Π_{j=1..i} c_j · t^{i+1}/(i+1)!
with c_j = Σ_{k=1..j} x_k, so RK4 is exact for n ≤ 4 and otherwise has an
O(h⁴) error. This is WORKLOADS.md's system; cmpad's (and GradBench's) has
y_i′ = x_i y_{i−1} instead, whose last component underflows for large n with
x ~ U(0, 1), where the partial sums c_j keep y_{n−1}(2) of order 2x_0/n.

One RK4 step moves information at most four components down the chain, so
y_{n−1} depends on x only when 4s ≥ n; every named size keeps to that, which
is why the large size takes s = 250 rather than WORKLOADS.md's s ≤ 100 (at
n = 1000, s = 100 the output is identically 0).

Arguments: x (n values, differentiated), then the constants ``lower`` (the
(n−1)×(n−1) lower-triangular matrix of ones, so lower @ x[1:] gives the
partial sums c) and ``steps`` (s). ``ode_checkpointed`` (``ode@step``, ``ode@sqrt``, ``ode@k``) takes the same
steps in segments of k, each an ``ad.checkpoint`` function of the state;
``every`` (k) follows the inputs.

Sizes (n, s): (4, 2) tiny, (10, 10),
(100, 50), (1000, 250) large. Inputs: x ~ U(0, 1), seeded.
"""

from __future__ import annotations

import jax
import numpy as np

import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare.checkpoint import checkpoint
from adcompare.workloads.registry import Workload, register, register_checkpointed

T_END = 2.0


def ode_rhs(x, rates, y):
    """y′: x_0 for the first component, c_i · y_{i−1} for the others."""
    return anp.concatenate([x[:1], rates * y[:-1]])


def ode(x, lower, steps):
    rates = anp.matmul(lower, x[1:])
    y = rk4_steps(x, rates, anp.zeros(len(x), like=x), T_END / steps, steps)
    return y[-1]


def ode_rhs_elemental(x, rates, y):
    head = el.getitem(x, slice(None, 1))
    tail = el.multiply(rates, el.getitem(y, slice(None, -1)))
    return el.concatenate([head, tail])


def ode_elemental(x, lower, steps):
    rates = el.matmul(lower, el.getitem(x, slice(1, None)))
    y = rk4_steps_elemental(x, rates, el.zeros(el.shape(x)[0], like=x), T_END / steps, steps)
    return el.getitem(y, -1)


def rk4_steps(x, rates, y, h, count):
    """``count`` RK4 steps of size h from y: ``ode``'s loop, and a checkpointable segment of it."""
    for _ in range(count):
        k1 = ode_rhs(x, rates, y)
        k2 = ode_rhs(x, rates, y + (0.5 * h) * k1)
        k3 = ode_rhs(x, rates, y + (0.5 * h) * k2)
        k4 = ode_rhs(x, rates, y + h * k3)
        y = y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


rk4_steps_checkpointed = checkpoint(rk4_steps, static_argnums=(3, 4))


def ode_checkpointed(x, lower, steps, every):
    """ode, its steps cut into checkpointed segments of ``every`` steps (the last may be shorter)."""
    rates = anp.matmul(lower, x[1:])
    y = anp.zeros(len(x), like=x)
    for start in range(0, steps, every):
        y = rk4_steps_checkpointed(x, rates, y, T_END / steps, min(every, steps - start))
    return y[-1]


def rk4_steps_elemental(x, rates, y, h, count):
    """``rk4_steps`` in elemental form: ``ode_elemental`` is this over every step."""
    for _ in range(count):
        k1 = ode_rhs_elemental(x, rates, y)
        k2 = ode_rhs_elemental(x, rates, el.add(y, el.multiply(0.5 * h, k1)))
        k3 = ode_rhs_elemental(x, rates, el.add(y, el.multiply(0.5 * h, k2)))
        k4 = ode_rhs_elemental(x, rates, el.add(y, el.multiply(h, k3)))
        slope = el.add(el.add(k1, el.multiply(2.0, k2)), el.add(el.multiply(2.0, k3), k4))
        y = el.add(y, el.multiply(h / 6.0, slope))
    return y


rk4_steps_elemental_checkpointed = checkpoint(rk4_steps_elemental, static_argnums=(3, 4))


def ode_checkpointed_elemental(x, lower, steps, every):
    rates = el.matmul(lower, el.getitem(x, slice(1, None)))
    y = el.zeros(el.shape(x)[0], like=x)
    for start in range(0, steps, every):
        y = rk4_steps_elemental_checkpointed(x, rates, y, T_END / steps, min(every, steps - start))
    return el.getitem(y, -1)


def ode_scan(x, lower, steps, every=0):
    """ode as one ``jax.lax.scan`` (JAX values only), the JAX peer's form at many steps.

    ``every`` > 0 checkpoints segments of that many steps with ``jax.checkpoint``, as ``ode_checkpointed``.
    """
    rates = anp.matmul(lower, x[1:])
    h = T_END / steps

    def run(y, count):
        return jax.lax.scan(lambda y, _: (rk4_steps(x, rates, y, h, 1), None), y, None, length=count)[0]

    y = anp.zeros(len(x), like=x)
    if every == 0:
        return run(y, steps)[-1]
    segment = jax.checkpoint(run, static_argnums=(1,))
    y = jax.lax.scan(lambda y, _: (segment(y, every), None), y, None, length=steps // every)[0]
    if steps % every:
        y = segment(y, steps % every)
    return y[-1]


def ode_inputs(size: tuple[int, int], rng) -> tuple:
    n, steps = size
    return rng.uniform(0.0, 1.0, n), np.tril(np.ones((n - 1, n - 1))), steps


register(Workload(
    "ode", ode, ode_inputs, {"tiny": (4, 2), "small": (10, 10), "medium": (100, 50), "large": (1000, 250)},
    tags=frozenset({"array", "control-flow"}), elemental=ode_elemental, scan=ode_scan))
register_checkpointed("ode", ode_checkpointed, ode_checkpointed_elemental, steps=lambda size: size[1])
