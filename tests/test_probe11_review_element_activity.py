"""Review of h11's element-wise activity (SCT, analysis/activity): an element of a tuple display read by a
constant position or unpacked is differentiated only if that element may be. An element that becomes
differentiated in a later loop iteration, after the display itself was found differentiated, was missed:
a particle's position, unpacked from a display whose element (its velocity) becomes differentiated only through
the force of a later step, stayed undifferentiated: a zero gradient with no error (and GradBench's particle,
forward over forward, gave -0.0095 for 36.009). Against JAX in float64, several seeds."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp


def force(x, w):
    return (w * x[0], anp.sin(w) * x[1])


def euler_for(w):
    x0, x1, v0, v1, dt = 0.0, 8.0, 0.75, 0.0, 0.1
    for _ in range(4):
        g0, g1 = force((x0, x1), w)
        x0, x1, v0, v1 = x0 + dt * v0, x1 + dt * v1, v0 - dt * g0, v1 - dt * g1
    return x0 * x1


def euler_while(w):
    x0, x1, v0, v1, dt = 0.0, 8.0, 0.75, 0.0, 0.1
    while True:
        g0, g1 = force((x0, x1), w)
        if x1 + dt * v1 > 0.0:
            x0, x1, v0, v1 = x0 + dt * v0, x1 + dt * v1, v0 - dt * g0, v1 - dt * g1
        else:
            return (x0 - x1 / v1 * v0) ** 2


def swap_in_loop(x):
    a, b = 0.0, 1.0
    for _ in range(3):
        a, b = b, a * x
    return a * x + b


def index_in_loop(x):
    t = (1.0, 2.0)
    for _ in range(3):
        t = (t[1], t[0] * x)
    return t[0] + t[1] * x


def while_unpack(x):
    a, b, n = 1.0, 0.5, 0
    while n < 4:
        a, b, n = b * 1.0, a * x + b, n + 1
    return a


PROGRAMS = [euler_for, euler_while, swap_in_loop, index_in_loop, while_unpack]
ENGINES = [("sct", {}), ("sct", {"higher": "sct"}), ("overloading", {})]


@pytest.mark.parametrize("f", PROGRAMS)
@pytest.mark.parametrize("name, options", ENGINES)
def test_an_element_varied_in_a_later_iteration_is_differentiated(f, name, options):
    eng = ad.engine(name, **options)
    for x in 0.5 + np.random.default_rng(0).uniform(size=2):
        assert np.isclose(eng.grad(f)(x), jax.grad(f)(x), rtol=1e-12, atol=1e-14)
        assert np.isclose(eng.jvp(f, (x,), (1.0,))[1], jax.jvp(f, (x,), (1.0,))[1], rtol=1e-12, atol=1e-14)
        assert np.isclose(eng.hessian(f)(x), jax.hessian(f)(x), rtol=1e-12, atol=1e-14)
