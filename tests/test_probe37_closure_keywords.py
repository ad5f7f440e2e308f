"""Probe 37: a nested function with defaults, called with its defaulted parameters by keyword.

SCT lifts a nested ``def`` or ``lambda`` with defaults into a function that takes the defaulted parameters by
position (``*_sct_rest``), so ``w(3.0, x, p=2.0)``, ``functools.partial(w, 3.0, p=2.0)`` and
``h(x, sc=2.0)`` raised a TypeError from the lifted function ("got an unexpected keyword argument"). A call of
such a closure now passes keywords that name its parameters by position; Python's own TypeErrors stay for a
keyword given twice, an unknown one and a missing argument; a call that skips a defaulted parameter and names a
later one is refused, naming the user's line. Checked against JAX on the same source.
"""

from __future__ import annotations

import functools
import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from probe16_check import agree

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError

jax.config.update("jax_enable_x64", True)
INPUTS = [np.random.default_rng(seed).uniform(0.5, 2.0, size=3) for seed in (37, 5)]


def keyword_call(x):
    def w(a, v, p=1.0):
        return a * v ** p
    return anp.sum(w(3.0, x, p=2.0))


def keywords_out_of_order(x):
    def w(a, v, p=1.0, q=2.0):
        return a * v ** p + q * v
    return anp.sum(w(2.0, x, q=1.5, p=3.0)) + anp.sum(w(1.5, x, 2.0, q=0.5))


def partial_with_keyword(x):
    def w(a, v, p=1.0):
        return a * v ** p
    g = functools.partial(w, 3.0, p=2.0)
    return anp.sum(g(x))


def listed_closure(x):
    def w(a, v, p=1.0):
        return a * anp.sin(v) ** p
    fs = [w, w]
    return anp.sum(fs[1](x[0], x, p=3.0))


def lambda_in_a_loop(x):
    s = 0.0
    for k in range(3):
        h = lambda v, sc=1.0, i=k: sc * v[i] ** 2  # noqa: E731
        s = s + h(x, sc=2.0 + k)
    return s


def keyword_of_a_lambda_without_defaults(x):
    s = 0.0
    for k in range(3):
        h = lambda v, sc: sc * v[1] ** 3  # noqa: E731
        s = s + h(x, sc=2.0 + k)
    return s


PROGRAMS = [keyword_call, keywords_out_of_order, partial_with_keyword, listed_closure, lambda_in_a_loop,
            keyword_of_a_lambda_without_defaults]
ENGINES = [ad.engine("sct"), ad.engine("sct", control="lax")]


def _oracle(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("eng", ENGINES, ids=["sct", "sct-lax"])
def test_keywords_of_a_closure_with_defaults(f, eng):
    for x in INPUTS:
        agree(eng, f, _oracle(f), x if eng.control == "python" else jnp.asarray(x))


def twice(x):
    def w(a, v, p=1.0):
        return a * v ** p
    return anp.sum(w(3.0, x, 2.0, p=2.0))


def unknown(x):
    def w(a, v, p=1.0):
        return a * v ** p
    return anp.sum(w(3.0, x, r=2.0))


def missing(x):
    def w(a, v, p=1.0):
        return a * v ** p
    return anp.sum(w(3.0, p=2.0))


@pytest.mark.parametrize("f,text", [(twice, "multiple values for argument 'p'"),
                                    (unknown, "unexpected keyword argument 'r'"),
                                    (missing, "missing 1 required positional argument: 'v'")],
                         ids=["twice", "unknown", "missing"])
def test_python_errors_of_a_bad_call(f, text):
    with pytest.raises(TypeError, match=text):
        jax.grad(_oracle(f))(jnp.asarray(INPUTS[0]))  # Python's own error, under JAX
    with pytest.raises(TypeError, match=text):
        ad.engine("sct").grad(f)(INPUTS[0])


def skips_a_default(x):
    s = 0.0
    for k in range(3):
        h = lambda v, i=k, sc=1.0: sc * v[i] ** 2  # noqa: E731
        s = s + h(x, sc=2.0)
    return s


def test_skipping_a_default_is_refused_at_the_users_line():
    with pytest.raises(SCTError, match="skips its defaulted parameter 'i' and names 'sc'") as info:
        ad.engine("sct").grad(skips_a_default)(INPUTS[0])
    assert info.value.filename == __file__
    assert info.value.line == skips_a_default.__code__.co_firstlineno + 4
