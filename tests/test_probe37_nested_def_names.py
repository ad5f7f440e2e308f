"""Probe 37: a nested function that defines a function under a name the enclosing function also binds.

``def mk(k): def h(v): ...; return h`` inside ``f``, then ``for h in [mk(1.0), mk(2.0)]``: the ``h`` that ``mk``
returns is its own, but SCT's closure conversion counted only assignments and parameters as a nested function's
own names, so it passed ``f``'s ``h`` (the loop's, not yet bound) into the lifted ``mk``: an UnboundLocalError from
generated code, or "SCT internal error: ... reads ['h'] and never sets them" in a generator. A ``def``, a
``class`` and ``except ... as name`` inside a nested function now bind its own name (SCT refuses the last two
inside code it transforms, at their line). Checked against JAX.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from probe16_check import agree

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
INPUTS = [np.random.default_rng(seed).normal(size=3) for seed in (37, 6)]


def factory_reused_as_loop_name(x):
    def mk(k):
        def h(v):
            return anp.sin(v) * k
        return h
    s = 0.0
    for h in [mk(1.0), mk(2.0)]:
        s = s + anp.sum(h(x) * x)
    return s


def factory_in_a_generator(x):
    def mk(k):
        def h(v):
            return v * v * k
        return h
    return sum(anp.sum(h(x)) for h in [mk(1.5), mk(x[0])])


def inner_def_shadows_an_outer_value(x):
    g = x * 2.0

    def outer(v):
        def g(u):
            return u ** 3
        return g(v) + v
    return anp.sum(outer(x) * g)


PROGRAMS = [factory_reused_as_loop_name, factory_in_a_generator, inner_def_shadows_an_outer_value]


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_a_nested_functions_own_def_is_its_own(f):
    fj = types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)
    for x in INPUTS:
        agree(ad.engine("sct"), f, fj, x)
