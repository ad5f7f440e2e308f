"""Probe 35: NumPy array methods users write on differentiated values, missing from the engines.

``x.take``, ``x.compress``, ``x.mT``, ``x.searchsorted``, ``x.nbytes`` and ``x.itemsize`` were refused on the
overloading engine's boxes (AttributeError) and on SCT. Each is now the vocabulary call of the same name
(``searchsorted``'s indices and the sizes are constants, as JAX's), checked against JAX in float64 on the same
source read with jnp arrays. SCT refused ``x.real`` and Python's ``divmod`` on differentiated values: now the
primitive ``real`` and ``anp.divmod`` (second order too).
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
TOL = dict(rtol=1e-12, atol=1e-13)
INPUTS = [np.random.default_rng(seed).uniform(0.1, 0.9, size=(3, 4)) for seed in (35, 53)]


def taken(x):
    return anp.sum(anp.sin(x.take(anp.array([0, 2, 2]), axis=1)) * x.take(5))


def compressed(x):
    return anp.sum(x.compress(anp.array([True, False, True]), axis=0) ** 2)


def matrix_t(x):
    return anp.sum(anp.cos(x.mT) * anp.arange(12.0).reshape(4, 3))


def searched(x):
    k = x[0].searchsorted(0.5)
    return anp.sum(x[1] * k) + x.nbytes * 1e-3 * anp.sum(x) + x.itemsize * anp.sum(x * x)


def real_part(x):
    y = x * 2.0
    return anp.sum(anp.sin(y.real) * x)


def divmod_builtin(x):
    q, r = divmod(x * 3.0, x + 1.0)
    return anp.sum(r * r + q * x)


def _on_jnp(f):  # the same code with anp read as jnp: JAX's program
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp})


CASES = [(taken, ("overloading", "sct")), (compressed, ("overloading", "sct")), (matrix_t, ("overloading", "sct")),
         (searched, ("overloading", "sct")), (real_part, ("overloading", "sct")),
         (divmod_builtin, ("overloading", "sct"))]


@pytest.mark.parametrize("f, engines", CASES, ids=[f.__name__ for f, _ in CASES])
def test_array_methods_differentiate_as_jax(f, engines):
    for x in INPUTS:
        value, grad = jax.value_and_grad(_on_jnp(f))(jnp.asarray(x))
        for name in engines:
            got_value, got_grad = ad.engine(name).value_and_grad(f)(x)
            np.testing.assert_allclose(got_value, value, **TOL)
            np.testing.assert_allclose(got_grad, grad, **TOL)


@pytest.mark.parametrize("f", [real_part, divmod_builtin])
def test_real_and_divmod_second_order_on_sct(f):
    for x in INPUTS:
        want = jax.hessian(_on_jnp(f))(jnp.asarray(x).ravel()[:4])
        np.testing.assert_allclose(ad.engine("sct").hessian(f)(x.ravel()[:4]), want, **TOL)
