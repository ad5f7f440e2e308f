"""Probe 36: a ``for`` loop over a range whose target reuses a name that held a differentiated value.

``k = x[0] * 2.0; for k in range(3): s = s + k * x[1]``: inside the loop (and after it) ``k`` is an integer,
a constant, but SCT kept the derivative ``k`` had before the loop, so the gradient, jvp and Hessians were
wrong with no error (the values right): the loop bound its target without an assignment the sweeps see. Such
a loop now copies its own iteration variable into the name at each step, as it did where the body assigns
the name. Checked against JAX on the same source: before the loop, after it, nested, a parameter as the
target, a callee's loop, reversed ranges, ``break``, and a while loop around it.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-12)
INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in (36, 1, 8)]
ENGINES = {"sct": ad.engine("sct"), "sct-boxes": ad.engine("sct", higher="boxes"),
           "overloading": ad.engine("overloading")}


def before_the_loop(x):
    k = x[0] * 2.0
    s = anp.sin(k)
    for k in range(3):
        s = s + k * x[1]
    return s * x[2]


def used_after_the_loop(x):
    i = anp.sum(x * x)
    for i in range(len(x)):  # noqa: B007  (i is read after the loop)
        x = x * 1.5
    return anp.sum(x) * i + i


def as_an_index(x):
    j = x[2] ** 2
    total = j
    for j in reversed(range(3)):
        total = total + x[j] * j
    return total * j


def nested_loops(x):
    s = x[0] * x[1]
    for a in range(2):
        for a in range(3):
            s = s + a * x[2]
        s = s * (a + 1.0)
    return s + a


def a_parameter(x, n):
    for n in range(2):
        x = anp.sin(x) * (n + 1.0)
    return anp.sum(x) * n


def _inner(y, t):
    for t in range(2):
        y = y + t * y
    return y * t


def in_a_callee(x):
    return anp.sum(_inner(x, x[0]))


def with_break_in_while(x):
    m = x[1] * 3.0
    count = 0
    while count < 2:
        for m in range(4):
            if m == 2:
                break
            x = x + m * x[0]
        count = count + 1
    return anp.sum(x * m)


PROGRAMS = [before_the_loop, used_after_the_loop, as_an_index, nested_loops, in_a_callee, with_break_in_while]


def _jax(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", list(ENGINES))
def test_the_loop_target_is_a_constant_as_in_jax(f, name):
    eng, fj = ENGINES[name], _jax(f)
    for x in INPUTS:
        value, grad = eng.value_and_grad(f)(x)
        want_value, want_grad = jax.value_and_grad(fj)(jnp.asarray(x))
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)
        _, tangent = eng.jvp(f, (x,), (x[::-1].copy(),))
        np.testing.assert_allclose(tangent, want_grad @ x[::-1], **TOL)
        np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(fj)(jnp.asarray(x)), **TOL)


@pytest.mark.parametrize("name", list(ENGINES))
def test_a_parameter_as_the_loop_target(name):
    eng, fj = ENGINES[name], _jax(a_parameter)
    for x in INPUTS:
        n = x[0] * 4.0
        got = eng.grad(a_parameter, argnums=(0, 1))(x, n)
        want = jax.grad(fj, argnums=(0, 1))(jnp.asarray(x), n)
        np.testing.assert_allclose(got[0], want[0], **TOL)
        np.testing.assert_allclose(got[1], want[1], **TOL)
