"""Probe 11 (Tangent's test programs adapted): an integer kept in a tuple or list beside differentiated values.

Tangent's ``passthru_pack`` and ``unpacking_args_saxpy`` pack values into a tuple and read them back; with an
integer among them (``t = (a, n)``, then ``range(t[1])``, or ``s, m = t``), SCT refused the loop as
"range() of a differentiated value": its activity analysis judged a variable as a whole, so every element read
from a tuple holding a differentiated value was differentiated. JAX runs these (the integer stays an integer).
An element read by a constant position (``t[1]``, ``t[-1]``), or unpacked, from a local variable every
definition of which is a tuple or list display of one length, is now differentiated only if that element may be
(analysis/activity). The derivatives are checked with grad, jvp, vjp and the Hessian (both ``higher`` settings)
against JAX in float64 on several seeds; a tuple built in a loop, with a differentiated value at the position
read, keeps its derivative.
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


def count_in_tuple(a, n):
    t = (a * 1.5, n)
    s = a
    for _i in range(t[1]):
        s = s * t[0] + anp.sin(s)
    return s


def count_unpacked(a, n):
    packed = (anp.cos(a), n + 1)
    b, m = packed
    s = b
    for _i in range(m):
        s = s * a
    return s


def count_in_list_read_from_the_end(x, n):
    cfg = [x * 2.0, n, 0.5]
    s = 0.0
    for _i in range(cfg[-2]):
        s = s + anp.sum(cfg[0] * x) * cfg[-1]
    return s


def state_carried_in_a_tuple(a, n):
    state = (a, 0)
    for _i in range(n):
        state = (state[0] * a + state[1], state[1] + 1)
    s = state[0]
    for _i in range(state[1]):
        s = s * 0.9 + a
    return s


SCALARS = [(-0.7, 2), (0.4, 3), (1.3, 1)]


@pytest.mark.parametrize("a, n", SCALARS)
@pytest.mark.parametrize("f", [count_in_tuple, count_unpacked, state_carried_in_a_tuple])
def test_an_integer_beside_differentiated_values_stays_an_integer(f, a, n):
    assert max_error(SCT.grad(f)(a, n), jax.grad(f)(a, n)) < 1e-12
    assert max_error(SCT.jvp(f, (a, n), (0.6, 0)), jax.jvp(lambda v: f(v, n), (a,), (0.6,))) < 1e-12
    y, pullback = SCT.vjp(f, a, n)
    y_jax, pullback_jax = jax.vjp(lambda v: f(v, n), a)
    assert max_error((y, pullback(0.8)[0]), (y_jax, pullback_jax(0.8)[0])) < 1e-12
    if (a, n) == SCALARS[0]:  # (JAX's Hessian is the slow part: one point)
        hessian = jax.hessian(f)(a, n)
        assert max_error(SCT.hessian(f)(a, n), hessian) < 1e-10
        assert max_error(BOXES.hessian(f)(a, n), hessian) < 1e-10


@pytest.mark.parametrize("seed", range(3))
def test_an_integer_read_from_the_end_of_a_list(seed):
    x = np.random.default_rng(seed).normal(size=3)
    f = count_in_list_read_from_the_end
    xj = jax.numpy.asarray(x)
    assert max_error(SCT.grad(f)(x, 2), jax.grad(f)(xj, 2)) < 1e-12
    assert max_error(SCT.hessian(f)(x, 2), jax.hessian(f)(xj, 2)) < 1e-10
