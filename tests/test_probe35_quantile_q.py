"""Probe 35: the derivative of ``quantile``/``percentile`` (and their nan forms) in ``q``.

JAX differentiates ``jnp.quantile(a, q)`` in ``q`` too (``linear``: the weight ``q (n - 1) - low`` moves between
the two neighbours). ``percentile`` and ``nanpercentile`` read ``q``'s primal value on both engines, and
``nanquantile`` on SCT (its refusal of an active ``q`` tested for an overloading box only): the derivative in ``q``
was dropped, silently. ``quantile`` refused an active ``q`` (SCT by accident, on ``np.shape``). Each now
differentiates ``q`` as JAX's does, checked against ``jax.grad``/``jax.jvp`` of the jnp program in float64.
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
INPUTS = [np.random.default_rng(seed).uniform(0.05, 0.95, size=(3, 4)) for seed in (35, 53, 7)]


def quantile_q(x):  # q from the data itself: a scalar and a vector of quantiles
    return anp.sum(anp.quantile(x, x[0, 1])) + anp.sum(anp.quantile(x, x[1, :2] * 0.9, axis=1) * x[2, :1])


def percentile_q(x):
    return anp.sum(anp.percentile(x, x[0] * 100.0, axis=0, keepdims=True) ** 2)


def nanquantile_q(x):
    y = anp.where(x > 0.9, anp.nan, x)
    return anp.sum(anp.nanquantile(y, x[2, 1], axis=0)) + anp.sum(anp.nanquantile(y, x[0, :3], axis=(0, 1)))


def nanpercentile_q(x):
    return anp.sum(anp.nanpercentile(x, x[1, 2] * 100.0, axis=1) * x[0, :3])


def quantile_methods(x):
    total = 0.0
    for method in ("lower", "higher", "midpoint", "nearest"):
        total = total + anp.sum(anp.quantile(x, x[0, 0], axis=1, method=method)) * x[1, 1]
    return total


def _on_jnp(f):  # the same code with anp read as jnp: JAX's program
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp})


PROGRAMS = [quantile_q, percentile_q, nanquantile_q, nanpercentile_q, quantile_methods]


@pytest.mark.parametrize("f", PROGRAMS, ids=[f.__name__ for f in PROGRAMS])
@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_the_derivative_in_q_is_jaxs(f, engine):
    eng = ad.engine(engine)
    for x in INPUTS:
        value, grad = jax.value_and_grad(_on_jnp(f))(jnp.asarray(x))
        np.testing.assert_allclose(f(x), value, **TOL)  # NumPy's own run
        got_value, got_grad = eng.value_and_grad(f)(x)
        np.testing.assert_allclose(got_value, value, **TOL)
        np.testing.assert_allclose(got_grad, grad, **TOL)
        v = np.random.default_rng(1).normal(size=x.shape)
        _, tangent = eng.jvp(f, (x,), (v,))
        np.testing.assert_allclose(tangent, np.sum(grad * v), **TOL)
