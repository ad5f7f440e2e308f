"""Probe 37: ``SCTEngine(control="lax")`` and a loop variable read as a Python int, and a branch in a loop
kept in Python's form.

``lax.scan`` runs a loop's body once on a traced index. ``d["k" + str(i)]`` then raised a KeyError from
generated code, and ``"k" + str(i) in d`` or ``isinstance(i, int)`` gave another value with no error (the
tracer's text, its type). Such a loop now keeps its Python form (found by :mod:`..analysis.loop_index`), as one
with a ``break`` does. And in reverse mode a branch inside such a loop saved ``None`` for a variable it sets
(the branch's own unbound local, not the value before it): a TypeError from generated code in the reverse of
the iteration before. Checked against JAX, jitted too.
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
TOL = dict(rtol=1e-11, atol=1e-12)
INPUTS = [np.array([0.7, 1.3, -0.4]), np.array([-0.2, 0.9, 1.6])]


def key_from_str(x):
    d = {"k0": x[0], "k1": x[1], "k2": x[2]}
    s = 0.0
    for i in range(3):
        s = s * 2.0 + d["k" + str(i)] ** 2
    return s


def key_membership(x):
    d = {"k0": x[0], "k2": x[2]}
    s = 0.0
    for i in range(3):
        k = "k" + str(i)
        if k in d:
            s = s * 2.0 + d[k] * x[1]
        else:
            s = s * 2.0 - anp.sin(x[i])
    return s


def isinstance_of_the_index(x):
    s = 0.0
    for i in range(3):
        w = 1.0 if isinstance(i, int) else -5.0
        s = s * 2.0 + x[i] * w
    return s


def f_string_key(x):
    d = {"a0": x[0] * x[1], "a1": x[1], "a2": anp.exp(x[2])}
    s = 0.0
    for j in range(3):
        s = s + d[f"a{j}"] * x[j]
    return s


def bit_length_of_the_index(x):
    s = 0.0
    for i in range(3):
        s = s * 2.0 + x[i] * i.bit_length()
    return s


def branch_in_a_loop_with_a_break(x):
    s = 0.0
    for i in range(3):
        if x[i] > 0:
            w = x[i] * 2.0
        else:
            w = -5.0
        s = s * 2.0 + x[i] * w
        if i > 5:
            break
    return s


def static_branch_in_a_loop_with_a_break(x):
    total = x[0]
    for k in range(3):
        if k % 2 == 0:
            scale = anp.cos(x[k])
        else:
            scale = -5.0
        if k > 5:
            break
        total = total * scale + x[k]
    return total


PROGRAMS = [key_from_str, key_membership, isinstance_of_the_index, f_string_key, bit_length_of_the_index,
            branch_in_a_loop_with_a_break, static_branch_in_a_loop_with_a_break]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_lax_engine_against_jax(f):
    eng = ad.engine("sct", control="lax")
    fj = types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)
    for x in map(jnp.asarray, INPUTS):
        value, grad = eng.value_and_grad(f)(x)
        want_value, want_grad = jax.value_and_grad(fj)(x)
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)
        np.testing.assert_allclose(jax.jit(eng.grad(f))(x), want_grad, **TOL)
        t = jnp.cos(x)
        np.testing.assert_allclose(eng.jvp(f, (x,), (t,))[1], jax.jvp(fj, (x,), (t,))[1], **TOL)
        np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(fj)(x), **TOL)
