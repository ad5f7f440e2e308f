"""Nested defs that are only called are lifted to module level (lambda lifting), not made closures.

``def inner(v): ...`` inside a function SCT transforms, read only as the callee of later calls, becomes
``inner_lifted(c, v)`` of the outer variables it reads (``c``), passed at each call: an ordinary callee, so its
gradient costs what a module-level helper's does (a closure's went through ``apply``, about 3.6x slower on the
loop below), its second order is SCT's own code again (it took the boxes), and a variable assigned again after
the def is read when the call runs, as Python reads it (a closure refused it). Any other nested function (read as
a value, by a derivative, in a comprehension, by itself) is still a closure.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct import SCTEngine
from adcompare.engines.sct.errors import SCTError
from tests.test_sct_higher import _no_traces

jax.config.update("jax_enable_x64", True)

np_ = anp  # the programs' NumPy: their JAX twins are the same code with jax.numpy here (see _twin)


def _twin(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "np_": jnp}, f.__name__)


def looped(x):
    c = np_.sum(x)

    def inner(v, scale):
        return np_.sin(v * c) * scale + v

    h = x
    for _ in range(4):
        h = inner(h, scale=0.5)
    return np_.sum(h * h)


def rebound(x):
    c = x * 2.0

    def g(v):
        return v * c

    y = g(x)
    c = np_.sin(x)  # Python reads c when g runs: the second call sees this one
    return np_.sum(y + g(x) ** 2)


def two_helpers(x):
    def stats(v):
        return np_.mean(v), np_.std(v)

    def mix(a, b):
        return a * b + np_.sum(x) * a

    m, s = stats(x * x)
    m2, s2 = stats(np_.cos(x))
    return mix(m, s) + mix(m2, b=s2)


def with_lambda(x):
    c = np_.sum(x)
    f = lambda v: np_.tanh(v * c) + v  # noqa: E731  (a lambda bound to a name and only called: lifted too)
    return np_.sum(f(x) * f(x * 2.0))


@pytest.mark.parametrize("f", [looped, rebound, two_helpers, with_lambda])
def test_lifted_defs_against_jax_first_and_second_order_without_boxes(f, monkeypatch):
    theirs = _twin(f)
    cases = []
    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=3) * 0.7
        cases.append((x, jax.grad(theirs)(jnp.asarray(x)), jax.hessian(theirs)(jnp.asarray(x))))
    for x, grad, _ in cases:
        np.testing.assert_allclose(SCTEngine().grad(f)(x), grad, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ad.engine("overloading").grad(f)(x), grad, rtol=1e-10, atol=1e-12)
    _no_traces(monkeypatch)
    for x, _, hessian in cases:
        np.testing.assert_allclose(SCTEngine().hessian(f)(x), hessian, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(SCTEngine().hessian(f, mode="rev-rev")(x), hessian, rtol=1e-9, atol=1e-11)


def test_the_generated_code_calls_the_lifted_def():
    for f, lifted in ((looped, "inner_lifted"), (with_lambda, "f_lifted")):
        source = SCTEngine().source(f)
        assert lifted in source and "make_closure" not in source and "apply" not in source


def as_value(x):
    def inner(v):
        return v * anp.sum(x)

    fs = [inner]
    return anp.sum(fs[0](x))


def test_a_def_read_as_a_value_is_still_a_closure():
    x = np.array([0.3, -0.5, 1.1])
    assert "make_closure" in SCTEngine().source(as_value)
    expected = jax.grad(lambda v: jnp.sum(v * jnp.sum(v)))(jnp.asarray(x))
    np.testing.assert_allclose(SCTEngine().grad(as_value)(x), expected, rtol=1e-12)


def refused_inside(x):
    def inner(v):
        with open(__file__):
            return v
    return inner(x)


def test_a_refusal_inside_a_lifted_def_names_the_users_line():
    line = refused_inside.__code__.co_firstlineno + 2
    with pytest.raises(SCTError, match=rf"test_sct34_direct_defs\.py, line {line}"):
        SCTEngine().grad(refused_inside)(1.0)


g = np.array([1.0, 2.0, 3.0])  # a global array with the name of the nested defs below (a notebook's g = grad(...))


def shadows_a_global_array(x):
    def g(v):
        return np_.sin(v)

    if np_.sum(x) > 0:
        return np_.sum(g(x))
    return np_.sum(g(x * 2.0)) + np_.sum(np_.stack([g(v) for v in x]))


def test_a_nested_def_named_as_a_global_array():
    """The def's name is the function's local: SCT resolved it as the global array, and ``array in (map, zip)``
    (elementwise ==) raised "truth value of an array is ambiguous", ``array in weakset`` "unhashable"."""
    for x in (np.array([0.3, -0.2, 0.5]), np.array([-0.3, -0.2, 0.4])):
        expected = jax.grad(_twin(shadows_a_global_array))(jnp.asarray(x))
        for engine in (SCTEngine(), ad.engine("overloading")):
            np.testing.assert_allclose(engine.grad(shadows_a_global_array)(x), expected, rtol=1e-12)


SCT = SCTEngine()  # known when the functions below are transformed: their derivatives taken inside are programs


def derivative_at_once(x):
    def inner(y):
        return np_.sum(np_.sin(y * x) * y)

    h = x
    for _ in range(3):
        h = h - 0.1 * SCT.grad(inner)(h)
    confusion = SCT.grad(lambda y: np_.sum(x * y) * SCT.grad(lambda z: np_.sum(x + z))(y)[0])(x)
    return np_.sum(h * h) + np_.sum(confusion)


def _cumulative(y):
    return np_.sum(np_.cumprod(y) * y)


def derivative_of_a_rule_sct_refuses_again(x):
    return np_.sum(SCT.grad(_cumulative)(x) * x)


@pytest.mark.parametrize("f", [derivative_at_once, derivative_of_a_rule_sct_refuses_again])
def test_a_derivative_taken_at_once_is_a_call_of_its_program(f):
    """``SCT.grad(inner)(h)``, SCT a global engine: a call of the program of ``inner_lifted`` (no derive/apply
    stand-ins; about 3x faster at first order), no perturbation confusion, JAX's values; where the program's rule
    (cumprod's) cannot be transformed again, that call runs on the boxes (it raised SCT's internal refusal)."""
    twin = types.FunctionType(f.__code__, {**f.__globals__, "np_": jnp, "SCT": jax, "_cumulative": _twin(_cumulative)})
    if f is derivative_at_once:
        source = SCT.source(f)
        assert "grad_program" in source and "derive" not in source and "apply" not in source
    for seed in (0, 1):
        x = np.random.default_rng(seed).uniform(-1.0, 1.0, 3)
        np.testing.assert_allclose(SCT.grad(f)(x), jax.grad(twin)(jnp.asarray(x)), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(SCT.hessian(f)(x), jax.hessian(twin)(jnp.asarray(x)), rtol=1e-9, atol=1e-11)
