"""Review 2 of h11's SCT analysis (analysis/zero_cotangents.py): where a cotangent may still be the 0.0
placeholder, the reverse sweep guards the rule that reads it, so that a rule whose factor is infinite there
(``sqrt`` at 0) is left out, as JAX leaves out a symbolic zero. Three places were taken as certain and gave
nan for JAX's finite gradient, with no error: the first assignment of a name the function returns again later
(``y = sqrt(z); y = 2 * x; return y``: the result's name was always taken as certain), an element of a
tuple display read only by another element (``t = (sqrt(z), 2 * x); return t[1]``), and an argument a callee
or a nested function reads only in a branch not taken; likewise a dict display's value, an appended or popped
element, a named tuple's field and a callee's returned element (a display's elements, an append's and a callee's
arguments are parts of the step's cotangent: any may be the placeholder). Against JAX in float64, on several
seeds, first and second order (higher="sct" and the default); adcompare.numpy runs on JAX's tracers for the oracle."""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def name_reused(x):
    y = anp.sqrt(x - x)
    y = x * 2.0 + x * x
    return y


def element_unread(x):
    t = (anp.sqrt(x - x), x * 2.0 * x)
    return t[1]


def branch_callee(z, x):
    if x > 100.0:
        return z * x
    return x * x * 3.0


def argument_unread(x):
    y = anp.sqrt(x - x)
    return branch_callee(y, x)


def closure_unread(x):
    y = anp.sqrt(x - x)

    def g(a):
        if a > 100.0:
            return y * a
        return a * a * a

    return g(x)


class State(NamedTuple):
    pos: float
    vel: float


def dict_value_unread(x):
    d = {"b": anp.sqrt(x - x), "a": x * x * 2.0}
    return d["a"]


def appended_unread(x):
    xs = []
    xs.append(anp.sqrt(x - x))
    xs.append(x * x * 2.0)
    return xs[1]


def field_unread(x):
    s = State(anp.sqrt(x - x), x * x * 2.0)
    return s.vel


def pair(x):
    return (anp.sqrt(x - x), x * x * 2.0)


def returned_element_unread(x):
    a, b = pair(x)
    return b * x


def popped_unread(x):
    xs = [x * x * 2.0, anp.sqrt(x - x)]
    xs.pop()
    return xs[0]


PROGRAMS = [name_reused, element_unread, argument_unread, closure_unread, dict_value_unread, appended_unread,
            field_unread, returned_element_unread, popped_unread]
ENGINES = [("sct", {}), ("sct", {"higher": "sct"})]


@pytest.mark.parametrize("f", PROGRAMS)
@pytest.mark.parametrize("name, options", ENGINES)
def test_a_cotangent_that_may_be_the_placeholder_is_guarded(f, name, options):
    eng = ad.engine(name, **options)
    oracle = jax.value_and_grad(f)
    hessian = jax.hessian(f)
    xs = 0.5 + np.random.default_rng(3).uniform(size=3)
    for x in xs:
        value, grad = eng.value_and_grad(f)(x)
        want_value, want_grad = oracle(x)
        assert np.isfinite(want_grad) and np.isclose(value, want_value, rtol=1e-12)
        assert np.isclose(grad, want_grad, rtol=1e-12, atol=1e-14)
    assert np.isclose(eng.hessian(f)(xs[0]), hessian(xs[0]), rtol=1e-10, atol=1e-12)
