"""Probe 11 (Tangent's test programs adapted): a write by index into a local list, ``xs[i] = v``, on the SCT engine.

Tangent's ``test_subscript_overwrite`` (``x = [1, a * a, 3]; x[1] = x[0] * x[1]``) and a loop squaring each
element of a list in place were refused by SCT as "writing into the list 'x' by index", though JAX runs them (a
list is Python's, its elements tracers). A write with an integer index into a local list SCT sees made (a
display, a comprehension, ``list(...)``; appended to and popped from) now rebuilds the list with the value at
that position (``builtin_source.python_list_set``, transformed as any callee), checked as an append is: a
second name for the list is refused. An index out of range, or not an integer, raises Python's error at the
user's line; a slice write into a list stays refused. Checked with grad, jvp, vjp and the Hessian (both
``higher`` settings) against JAX in float64 on several seeds.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.oracle import max_error

jax.config.update("jax_enable_x64", True)

SCT = ad.engine("sct")
BOXES = ad.engine("sct", higher="boxes")


def subscript_overwrite(a):
    x = [1, a * a, 3]
    x[1] = x[0] * x[1]
    return x[1] + x[1] * a


def squared_in_place(a):
    xs = [a, a * 2.0, anp.sin(a)]
    for i in range(len(xs)):
        xs[i] = xs[i] * xs[i]
    xs[-1] = xs[-1] * a
    return xs[0] + xs[1] * xs[2]


def hidden_states(x):
    hs = [x * 0.0 for _ in range(3)]
    for t in range(1, 3):
        hs[t] = anp.tanh(hs[t - 1] + x * t)
    hs.append(x)
    hs[0] = hs.pop() * 2.0
    return anp.sum(anp.stack(hs) ** 2)


@pytest.mark.parametrize("a", [-1.3, 0.4, 0.9])
def test_writes_into_a_list_of_scalars_are_jax(a):
    for f in (subscript_overwrite, squared_in_place):
        assert max_error(SCT.grad(f)(a), jax.grad(f)(a)) < 1e-12
        assert max_error(SCT.jvp(f, (a,), (0.3,)), jax.jvp(f, (a,), (0.3,))) < 1e-12
        if a == -1.3:  # (JAX's Hessian is the slow part: one point)
            hessian = jax.hessian(f)(a)
            assert max_error(SCT.hessian(f)(a), hessian) < 1e-10
            assert max_error(BOXES.hessian(f)(a), hessian) < 1e-10


@pytest.mark.parametrize("seed", range(3))
def test_writes_into_a_list_of_arrays_are_jax(seed):
    x = np.random.default_rng(seed).normal(size=3)
    xj = jax.numpy.asarray(x)
    y, pullback = SCT.vjp(hidden_states, x)
    y_jax, pullback_jax = jax.vjp(hidden_states, xj)
    assert max_error((y, pullback(0.6)), (y_jax, pullback_jax(0.6))) < 1e-12
    if seed == 0:
        assert max_error(SCT.hessian(hidden_states)(x), jax.hessian(hidden_states)(xj)) < 1e-10


def out_of_range(a):
    xs = [a, a]
    xs[2] = a
    return xs[0]


def float_index(a):
    xs = [a, a]
    xs[1.0] = a
    return xs[0]


def second_name(a):
    xs = [a, a]
    ys = xs
    xs[0] = a * 3.0
    return ys[0]


def slice_write(a):
    xs = [a, a]
    xs[0:1] = [a * 2.0]
    return xs[0]


@pytest.mark.parametrize("f, error, message", [
    (out_of_range, IndexError, "list assignment index out of range"),
    (float_index, TypeError, "list indices must be integers or slices, not float"),
    (second_name, ad.SCTError, "a second reference to the list 'xs'"),
    (slice_write, ad.SCTError, "writing into the list 'xs' by index"),
])
def test_writes_python_refuses_or_sct_cannot_take_name_the_line(f, error, message):
    with pytest.raises(error, match=message) as info:
        SCT.grad(f)(0.5)
    located = str(info.value) + "".join(getattr(info.value, "__notes__", []))
    assert f"line {f.__code__.co_firstlineno + 2}" in located  # (second_name: at ys = xs)
