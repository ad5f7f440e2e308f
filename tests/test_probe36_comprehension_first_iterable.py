"""Probe 36: a comprehension whose first iterable reads the name its target binds.

Python runs a comprehension's first iterable in the enclosing scope: ``sum(x * x for x in [x[0], x[1]])`` reads
the parameter ``x`` there, then binds the comprehension's own ``x``. SCT lifts a comprehension into a function,
and evaluated the iterable inside it, where ``x`` was the unbound inner name: an UnboundLocalError from its
generated code. The iterable is now evaluated outside and passed in. Checked against JAX on the same source.
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
INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in (36, 4)]


def generator_of_the_parameter(x):
    return sum(x * x for x in [x[0], x[1], x[2]]) * x[0]


def list_of_the_parameter(x):
    return anp.sum(anp.stack([x * 2.0 for x in [x[2], x[0]]])) + x[1]


def nested_generators(x):
    return sum(v * x for x in [x[0], x[1]] for v in [x, 2.0]) * x[2]


def dict_of_the_parameter(x):
    d = {k: x * k for k, x in [(1.0, x[0]), (2.0, x[1])]}
    return d[1.0] + d[2.0] * x[2]


PROGRAMS = [generator_of_the_parameter, list_of_the_parameter, nested_generators, dict_of_the_parameter]


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("eng", [ad.engine("sct"), ad.engine("sct", higher="boxes")], ids=["sct", "sct-boxes"])
def test_the_first_iterable_reads_the_enclosing_name(f, eng):
    fj = types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)
    for x in INPUTS:
        value, grad = eng.value_and_grad(f)(x)
        want_value, want_grad = jax.value_and_grad(fj)(jnp.asarray(x))
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)
        np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(fj)(jnp.asarray(x)), **TOL)
