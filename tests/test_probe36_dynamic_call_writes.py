"""Probe 36: a call known only when it runs (``fn(x)`` of a function passed in), whose callee writes into a
list of lists it built from its parameter's items.

SCT refuses such a call where the callee writes into its parameter (the caller's array would not see SCT's
functional write). Its reading of the callee took ``rows = [[x[0], x[1]], ...]; rows[1][0] = v`` for a write
into ``x``: a false refusal (the write replaces an item of a new list). It now counts the displays between a
name and the parameter's arrays: a write that reaches no deeper than the displays is allowed (checked against
JAX on the same source), and writes that reach the parameter's array through lists are still refused.
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
INPUTS = [np.random.default_rng(seed).normal(size=4) for seed in (36, 3, 9)]


def caller(x, fn):
    return fn(x)  # known only when it runs


def nested_list_write(x):
    rows = [[x[0], x[1]], [x[2], x[3]]]
    rows[1][0] = rows[0][1] * 5.0
    return anp.sum(anp.array(rows) ** 2)


def slot_of_a_list(x):
    rows = [x, x * 2.0]
    rows[0] = anp.sin(rows[1])
    return anp.sum(rows[0] * x)


def _jax(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)


@pytest.mark.parametrize("callee", [nested_list_write, slot_of_a_list],
                         ids=lambda f: f.__name__)
def test_writes_into_new_lists_are_not_writes_into_the_parameter(callee):
    eng, want = ad.engine("sct"), jax.grad(_jax(caller))
    for x in INPUTS:
        kept = x.copy()
        np.testing.assert_allclose(eng.grad(caller)(x, callee), want(jnp.asarray(x), _jax(callee)), **TOL)
        np.testing.assert_array_equal(x, kept)


def into_a_listed_parameter(x):
    rows = [x]
    rows[0][1] = 3.0
    return anp.sum(rows[0])


def into_a_twice_listed_parameter(x):
    rows = [[x, 1.0]]
    rows[0][0][1] = 3.0
    return anp.sum(x)


def adds_into_a_listed_parameter(x):
    rows = [x, x]
    rows[0] += 1.0
    return anp.sum(rows[1])


def through_a_loop(x):
    for r in [x]:
        r[0] = 2.0
    return anp.sum(x)


def through_an_unpacked_name(x):
    first, second = [x * 1.0, [x]]
    second[0][2] = 1.0
    return anp.sum(first * x)


WRITERS = [into_a_listed_parameter, into_a_twice_listed_parameter, adds_into_a_listed_parameter, through_a_loop,
           through_an_unpacked_name]


@pytest.mark.parametrize("callee", WRITERS, ids=lambda f: f.__name__)
def test_writes_that_reach_the_parameter_through_lists_are_refused(callee):
    x = INPUTS[0]
    changed = x.copy()
    callee(changed)
    assert not np.array_equal(changed, x)  # NumPy's own run writes into its argument
    with pytest.raises(ad.SCTError, match="writes into its parameter 'x' in place") as info:
        ad.engine("sct").grad(caller)(x.copy(), callee)
    assert "test_probe36_dynamic_call_writes.py" in str(info.value)
