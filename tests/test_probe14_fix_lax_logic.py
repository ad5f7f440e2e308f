"""Probe 14 (fix): Python's ``and``/``or``/``not`` in a traced test under ``control="lax"`` and ``jax.jit``.

``if a and b:`` (``or``, ``not``, a ``while`` test, a conditional expression) on traced values raised JAX's bare
TracerBoolConversionError from SCT's generated code. The tests of the loops and branches SCT hands to JAX are
lowered now (emit/lax_logic.py): ``and``/``or`` of plain comparisons become ``jnp.logical_and``/``logical_or``
once an operand is traced (Python's own short cut on concrete values), ``not`` becomes ``jnp.logical_not``, and an
``and``/``or`` whose skipped operand may have effects (a call, an index) is refused at the user's line, naming
``anp.logical_and``. JAX's derivatives of the same functions on concrete values are the oracle.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp
from adcompare.engines.sct.errors import SCTError


def both(x):
    if x > 0 and x < 2:
        y = x * x
    else:
        y = -x
    return y * anp.sin(x)


def either(x):
    if x < -1 or x > 1 or x == 0.5:
        y = anp.sin(x)
    else:
        y = x * 3.0
    return y


def negated(x):
    if not (x > 0 and not x > 2):
        y = x * x
    else:
        y = anp.exp(x)
    return y


def chosen(x):
    return x * x if x > 0 and x < 2 else -x


def grown(x):
    n = 0
    while n < 8 and x < 5:
        x = x * 1.5
        n = n + 1
    return x


POINTS = (-1.5, -0.5, 0.5, 1.5, 2.5)


@pytest.mark.parametrize("fn", [both, either, negated, chosen])
def test_branch_tests_lowered_under_jit(fn):
    eng = ad.engine("sct", control="lax")
    grad, jvp = jax.jit(eng.grad(fn)), jax.jit(lambda x: eng.jvp(fn, (x,), (jnp.ones_like(x),)))
    for x in POINTS:
        x = jnp.float64(x)
        want = jax.grad(fn)(x)
        np.testing.assert_allclose(grad(x), want, rtol=1e-12)
        np.testing.assert_allclose(jvp(x)[1], want, rtol=1e-12)


def test_while_test_lowered_in_forward_mode_under_jit():
    eng = ad.engine("sct", control="lax")
    jvp = jax.jit(lambda x: eng.jvp(grown, (x,), (jnp.ones_like(x),)))
    for x in (0.3, 2.0, 6.0):
        y, y_dot = jvp(jnp.float64(x))
        want_y, want_dot = jax.jvp(grown, (jnp.float64(x),), (jnp.float64(1.0),))
        np.testing.assert_allclose([y, y_dot], [want_y, want_dot], rtol=1e-12)


def test_concrete_tests_keep_pythons_short_cut():
    def guarded(xs, i):
        if i < len(xs) and xs[i] > 0:
            return xs[0] * 2.0
        return xs[0] * 3.0

    eng = ad.engine("sct", control="lax")
    xs = jnp.array([1.0, -2.0])
    assert eng.grad(guarded)(xs, 5)[0] == 3.0  # xs[5] never read, as in Python
    np.testing.assert_allclose(jax.jit(eng.grad(guarded), static_argnums=1)(xs, 0), [2.0, 0.0])


def with_call(x):
    if x > 0 and anp.sum(x) < 2:
        y = x * x
    else:
        y = -x
    return y


def test_effectful_operand_of_traced_test_refused_at_the_line():
    eng = ad.engine("sct", control="lax")
    with pytest.raises(SCTError) as err:
        jax.jit(eng.grad(with_call))(jnp.float64(0.5))
    lines, first = inspect.getsourcelines(with_call)
    assert err.value.line == first + 1 and err.value.filename == __file__
    assert "with `and` before an operand" in str(err.value) and "takes a traced value as True or False" in str(
        err.value) and "anp.logical_and" in str(err.value)
    np.testing.assert_allclose(eng.grad(with_call)(jnp.float64(0.5)), 1.0)  # concrete: Python's and


def test_second_derivative_through_the_lowered_test_under_jit():
    eng = ad.engine("sct", control="lax")
    hessian = jax.jit(eng.hessian(both))
    for x in (-0.5, 1.5, 2.5):  # each side of both tests
        np.testing.assert_allclose(hessian(jnp.float64(x)), jax.hessian(both)(jnp.float64(x)), rtol=1e-12)


def on_a_list(x):
    xs = [x, x * 2.0]
    if not xs or x > 5:  # a list's truth is its length, in Python and here
        y = -x
    else:
        y = xs[1] * x
    return y


def test_a_list_operand_keeps_pythons_truth():
    eng = ad.engine("sct", control="lax")
    for x in (0.5, 6.0):
        np.testing.assert_allclose(jax.jit(eng.grad(on_a_list))(jnp.float64(x)), jax.grad(on_a_list)(jnp.float64(x)))
