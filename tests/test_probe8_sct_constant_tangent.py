"""SCT's second-order programs leave out a constant's zero tangent, as JAX does: no 0 * nan.

The Hessian (forward over reverse, the default) of ``sum(x ** p)`` with ``p`` a non-differentiated
argument was nan in every row where ``x < 0``, with no error (JAX and the overloading engine: finite).
The gradient program hands ``p`` from its forward sweep to its backward sweep among the residuals, so
the forward transform of it gives ``p`` a tangent, a symbolic zero; the JVP rule of ``x ** y`` for
``y``, ``log(x) * ans * t``, was still applied to it, and ``log(x)`` is nan at ``x < 0``. Forward-mode
generated code now leaves out an operand's rule when its tangent is a symbolic zero, as the
primitives' joint rules already did. The same held at first order: the jvp of a loop
``s = x[i] ** s`` from a constant ``s = 2.0`` was nan at ``x[0] < 0``. Checked against JAX in float64
on several seeds; the forward rules are still recognised when generated code is transformed again
(a third derivative).
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

P = np.array([1.0, 2.0, 3.0])


def scalar_power(x, p):
    return anp.sum(x ** p)


def array_power(x, p):
    return anp.sum(anp.power(x, p) * x)


def constant_power(x):
    return anp.sum(x ** np.array([1.0, 2.0, 3.0]) * anp.sin(x))


def _negative(seed):
    return -np.abs(np.random.default_rng(seed).normal(size=3)) - 0.1


@pytest.mark.parametrize("mode", ["fwd-rev", "rev-rev"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hessian_at_negative_base_matches_jax(mode, seed):
    x = _negative(seed)
    eng = ad.engine("sct")
    for f, args in ((scalar_power, (x, 3.0)), (array_power, (x, P)), (constant_power, (x,))):
        want = jax.hessian(f)(*args)
        assert np.all(np.isfinite(want))
        np.testing.assert_allclose(eng.hessian(f, 0, mode)(*args), want, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("seed", [0, 1])
def test_hvp_and_third_order_match_jax(seed):
    x, v = _negative(seed), np.random.default_rng(seed + 10).normal(size=3)
    eng = ad.engine("sct")
    got = eng.hvp(lambda y: scalar_power(y, 3.0), (x,), (v,))
    np.testing.assert_allclose(got, jax.jvp(jax.grad(lambda y: scalar_power(y, 3.0)), (x,), (v,))[1], rtol=1e-12)

    def sines(t):  # forward over forward over reverse: the forward code transformed again
        return anp.sum(anp.sin(t * x) * anp.exp(t[::-1] * v) * t ** 3.0)

    t = np.array([0.7, -0.4, 1.1])
    third = eng.jacfwd(eng.hessian(sines))(t)
    np.testing.assert_allclose(third, jax.jacfwd(jax.hessian(sines))(t), rtol=1e-12, atol=1e-13)


def power_chain(x):
    s = 2.0  # a constant: its tangent is the placeholder zero until the loop makes s active
    for i in range(3):
        s = x[i] ** s
    return s


@pytest.mark.parametrize("seed", [0, 1])
def test_first_order_jvp_through_a_constant_exponent_matches_jax(seed):
    """First order too: jvp was nan (0.0 * log(x[0]) for the constant first exponent, x[0] < 0)."""
    rng = np.random.default_rng(seed)
    x = np.array([-0.8, 1.3, 0.9]) + rng.uniform(-0.1, 0.1, size=3)
    t = rng.normal(size=3)
    eng = ad.engine("sct")
    y, y_dot = eng.jvp(power_chain, (x,), (t,))
    y_jax, y_dot_jax = jax.jvp(power_chain, (x,), (t,))
    np.testing.assert_allclose((y, y_dot), (y_jax, y_dot_jax), rtol=1e-12)
    np.testing.assert_allclose(eng.hessian(power_chain)(x), jax.hessian(power_chain)(x), rtol=1e-12)
