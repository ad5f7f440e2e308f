"""Probe 11 (Tangent's test programs adapted): a local list used as a stack, ``seq.pop()``, on the SCT engine.

Tangent's ``stack_pushing``, ``useless_stack_ops`` and ``redefining_var_as_list`` push a value and pop it back
(``tangent.push``/``tangent.pop``); in plain Python, as JAX runs it, that is ``stack.append(a)`` then
``aa = stack.pop()``. SCT took the append but refused the pop as "the method .pop() on a differentiated value",
with the hint "use adcompare.numpy functions", and a bare ``stack.pop()`` statement as "an expression statement".
``seq.pop()`` (or ``seq.pop(-1)``) of a local list is now its last element, read, and ``seq`` rebound to a new
list without it (front/anf; the list must be local and seen by no other name, as for ``append``: front/aliases).
A pop of a parameter, of a global or of an aliased list, and ``pop(i)`` at another position, are refused by name
at their line. Checked with grad, jvp, vjp and the Hessian (both ``higher`` settings) against JAX in float64.
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


def push_pop(a):
    stack = []
    y = a * a
    stack.append(a)
    aa = stack.pop()
    z = y * aa
    return z * aa


def pops_in_expressions(x):
    stack = [x[0], anp.sin(x[1])]
    stack.append(x[2] * x[0])
    s = stack.pop() * stack.pop(-1)
    stack.append(s)
    stack.append(99.0)
    stack.pop()
    for v in x:
        stack.append(v * s)
    while len(stack) > 1:
        s = s * 0.5 + stack.pop() * x[1]
    return s + stack[0]


def popped_and_redefined(a):
    stack = []
    x = a
    stack.append(x)
    x = [a]
    x = stack.pop()
    return a * a * len(x) if isinstance(x, list) else a * a + len(stack)


POINTS = [np.random.default_rng(seed).normal(size=3) for seed in range(3)]


@pytest.mark.parametrize("seed", range(3))
def test_pop_of_a_scalar_stack_is_jax(seed):
    for f in (push_pop, popped_and_redefined):
        a = float(POINTS[seed][0])
        assert max_error(SCT.grad(f)(a), jax.grad(f)(a)) < 1e-12
        assert max_error(SCT.jvp(f, (a,), (0.7,)), jax.jvp(f, (a,), (0.7,))) < 1e-12
        if seed == 0:  # (JAX's Hessian is the slow part: one point)
            hessian = jax.hessian(f)(a)
            assert max_error(SCT.hessian(f)(a), hessian) < 1e-10
            assert max_error(BOXES.hessian(f)(a), hessian) < 1e-10


@pytest.mark.parametrize("seed", range(3))
def test_pops_in_expressions_and_loops_are_jax(seed):
    x = POINTS[seed]
    xj = jax.numpy.asarray(x)
    assert max_error(SCT.grad(pops_in_expressions)(x), jax.grad(pops_in_expressions)(xj)) < 1e-12
    y, pullback = SCT.vjp(pops_in_expressions, x)
    y_jax, pullback_jax = jax.vjp(pops_in_expressions, xj)
    assert max_error((y, pullback(-0.3)), (y_jax, pullback_jax(-0.3))) < 1e-12
    if seed == 0:
        assert max_error(SCT.hessian(pops_in_expressions)(x), jax.hessian(pops_in_expressions)(xj)) < 1e-10


G = [1.0, 2.0]


def pop_of_parameter(xs):
    return xs.pop() * 2.0


def pop_of_global(a):
    return G.pop() * a


def pop_of_aliased(a):
    st = [a, a * 2.0]
    t = st
    v = st.pop()
    return v * t[0]


def pop_at_front(a):
    st = [a, a * 2.0]
    return st.pop(0)


@pytest.mark.parametrize("f, args, message, line", [
    (pop_of_parameter, ([1.0, 2.0],), "xs.pop() on a value that is not a local list", 2),
    (pop_of_global, (1.5,), "G.pop() on a value that is not a local list", 2),
    (pop_of_aliased, (1.5,), "a second reference to the list 'st', which is appended to", 3),
    (pop_at_front, (1.5,), "v = st[i]", 3),
])
def test_pops_sct_cannot_take_are_refused_at_their_line(f, args, message, line):
    with pytest.raises(ad.SCTError) as err:
        SCT.grad(f)(*args)
    text = str(err.value)
    assert message in text
    assert f"line {f.__code__.co_firstlineno + line - 1}" in text
    assert G == [1.0, 2.0]
