"""SCT ``control="lax"``: a lowered ``and``/``or`` evaluates a later operand only where Python's short cut does.

Probe 14 lowered ``a and b`` in a branch or loop test to ``test_and(a, b)`` (:mod:`adcompare.engines.sct.emit.
lax_logic`) for ``b`` a comparison or arithmetic, taken as free of effects and errors. But such an operand may
raise exactly where Python skips it: ``scale is not None and scale > 1.0`` with ``scale`` None (TypeError),
``n != 0 and 3.0 / n > 1.0`` with n 0 (ZeroDivisionError), ``m is None or m.ndim > 0`` (AttributeError). Each
ran at 26bb504 and raised after the lowering, on concrete values and under ``jax.jit`` alike. The later operands
are now thunks, run only where Python runs them (all of them once an operand is traced, as before). JAX's
gradients of the same functions are the oracle; traced tests (under ``jax.jit``) keep being lowered.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad

jax.config.update("jax_enable_x64", True)


def none_guard(x, scale=None):
    if scale is not None and scale > 1.0:
        y = x * scale
    else:
        y = x * x
    return y


def zero_guard(x, n):
    if n != 0 and 3.0 / n > 1.0:
        y = x * 2.0
    else:
        y = x * x
    return y


def attribute_guard(x, m=None):
    if m is None or m.ndim > 0:
        y = x * 2.0
    else:
        y = x * x
    return y


def loop_guard(x, k):
    while k > 0 and 1 // k >= 0:
        x = x * 1.5
        k = k - 1
    return x


CASES = [(none_guard, ()), (none_guard, (2.0,)), (zero_guard, (0,)), (zero_guard, (2,)), (attribute_guard, ()),
         (attribute_guard, (np.float64(1.0),)), (loop_guard, (2,))]


@pytest.mark.parametrize("higher", ["boxes", "sct"])
@pytest.mark.parametrize("fn, rest", CASES)
def test_later_operand_only_where_python_runs_it(fn, rest, higher):
    eng = ad.engine("sct", control="lax", higher=higher)
    x = jnp.float64(0.7)
    np.testing.assert_allclose(eng.grad(fn)(x, *rest), jax.grad(fn)(x, *rest), rtol=1e-12)
    np.testing.assert_allclose(eng.jvp(lambda x: fn(x, *rest), (x,), (1.0,))[1], jax.grad(fn)(x, *rest),
                               rtol=1e-12)
    np.testing.assert_allclose(eng.hessian(fn)(x, *rest), jax.hessian(fn)(x, *rest), rtol=1e-12)


def traced(x, lo):
    if x > lo and x * x < 4.0 or not x < 3.0:
        y = x * x * x
    else:
        y = -x
    return y


def test_traced_operands_still_lowered_under_jit():
    eng = ad.engine("sct", control="lax")  # (SCT's own second order: boxes' jacfwd is refused under jit)
    grad, hessian = jax.jit(eng.grad(traced)), jax.jit(eng.hessian(traced))
    for x in (-0.5, 0.5, 2.5, 3.5):
        x = jnp.float64(x)
        np.testing.assert_allclose(grad(x, 0.0), jax.grad(traced)(x, 0.0), rtol=1e-12)
        np.testing.assert_allclose(hessian(x, 0.0), jax.hessian(traced)(x, 0.0), rtol=1e-12)
