"""Probe 36: ``+x`` and ``x.mT`` in code SCT transforms, and ``anp.positive`` of a Python number.

- SCT read ``+x`` as a second name of ``x``, so ``z = +x; z[i] = v`` was refused as a write another name may
  see; NumPy's ``+x`` is a new array. SCT now lowers it to the vocabulary's ``positive`` (a copy), whose writes
  no other name sees: first and second order against JAX on the functional program.
- ``x.mT`` and ``+s`` of a value not differentiated raised a NameError from the generated code (the
  vocabulary's name was bound for the call's lowering, not in the generated code's globals).
- ``anp.positive(2.0)`` made a float64 array, strong in promotion, where JAX's ``+2.0`` (and ``anp.negative``'s)
  is a weak Python number: ``positive(2.0) * float32`` was float64, JAX's float32.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-12)
INPUTS = [np.random.default_rng(seed).normal(size=3) + 1.5 for seed in (36, 63, 7)]
ENGINES = [ad.engine("sct"), ad.engine("sct", higher="boxes"), ad.engine("overloading")]


def plus_then_write(x):
    z = +x
    z[0] = 3.0 * z[1] * x[2]
    return anp.sum(z * x) + anp.sum(anp.sin(z))


def plus_then_write_jax(x):  # the same program, written functionally
    z = x.at[0].set(3.0 * x[1] * x[2])
    return jnp.sum(z * x) + jnp.sum(jnp.sin(z))


def plus_of_expression(x):
    z = +(x * x)
    z[1] = -z[1]
    return anp.sum(z * anp.cos(x))


def plus_of_expression_jax(x):
    z = (x * x).at[1].multiply(-1.0)
    return jnp.sum(z * jnp.cos(x))


def constants_and_inactive(x, s, m):
    return anp.sum(x * +s) + anp.sum((x * x) @ m.mT) * +2.0 - +(-1.5)


PROGRAMS = [(plus_then_write, plus_then_write_jax), (plus_of_expression, plus_of_expression_jax)]


@pytest.mark.parametrize("f, oracle", PROGRAMS, ids=[f.__name__ for f, _ in PROGRAMS])
@pytest.mark.parametrize("eng", ENGINES, ids=["sct", "sct-boxes", "overloading"])
def test_a_write_into_plus_x_leaves_x_alone(f, oracle, eng):
    for x in INPUTS:
        kept = x.copy()
        np.testing.assert_allclose(f(x.copy()), oracle(jnp.asarray(x)), **TOL)  # NumPy's own run
        value, grad = eng.value_and_grad(f)(x)
        want_value, want_grad = jax.value_and_grad(oracle)(jnp.asarray(x))
        np.testing.assert_allclose(value, want_value, **TOL)
        np.testing.assert_allclose(grad, want_grad, **TOL)
        np.testing.assert_array_equal(x, kept)
        np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(oracle)(jnp.asarray(x)), **TOL)
        _, tangent = eng.jvp(f, (x,), (kept[::-1].copy(),))
        np.testing.assert_allclose(tangent, want_grad @ kept[::-1], **TOL)


@pytest.mark.parametrize("eng", ENGINES, ids=["sct", "sct-boxes", "overloading"])
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_plus_and_mt_of_values_not_differentiated(eng, backend):
    oracle = jax.grad(lambda x, s, m: jnp.sum(x * +s) + jnp.sum((x * x) @ m.mT) * 2.0 + 1.5)
    m = np.arange(9.0).reshape(3, 3) / 4.0
    for x in INPUTS:
        s = x[::-1] * 0.5
        args = (x, s, m) if backend == "numpy" else tuple(jnp.asarray(a) for a in (x, s, m))
        np.testing.assert_allclose(eng.grad(constants_and_inactive)(*args), oracle(x, s, m), **TOL)
        np.testing.assert_allclose(eng.grad(constants_and_inactive)(args[0], 2.0, args[2]),
                                   oracle(x, 2.0, m), **TOL)


@pytest.mark.parametrize("value", [2.0, 3, 1.5 + 0.5j, np.float32(2.0), np.array(2.0), np.ones(2, np.float32)])
def test_positive_promotes_as_jax(value):
    f32 = np.ones(2, np.float32)
    got, want = anp.positive(value), jnp.positive(value)
    assert (got * f32).dtype == (want * jnp.asarray(f32)).dtype
    np.testing.assert_array_equal(got, want)
