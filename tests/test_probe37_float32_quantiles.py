"""Probe 37: dtypes as JAX's: ``quantile``, ``percentile`` and ``matrix_power(a, 0)`` of float32 arrays, and
``zeros_like``/``ones_like`` of integer and boolean arrays.

The interpolation weight (from ``q``, a float64 array once packed) and ``matrix_power``'s identity (float64)
promoted a float32 array's result to float64, under every engine and in plain evaluation, while the gradient
was float32; JAX (and NumPy for a Python ``q``) keep float32. ``zeros_like`` and ``ones_like`` of an integer or
boolean array were float64; NumPy's and JAX's keep its dtype. Checked against JAX (dtypes) and NumPy (values).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
X = np.random.default_rng(37).normal(size=(3, 5)).astype(np.float32)


@pytest.mark.parametrize("method", ["linear", "midpoint", "lower", "nearest"])
@pytest.mark.parametrize("q", [0.37, np.float64(0.5), np.array([0.2, 0.9])], ids=["float", "float64", "array"])
@pytest.mark.parametrize("name", ["quantile", "percentile", "nanquantile"])
@pytest.mark.parametrize("axis", [None, 1])
def test_dtype_and_value_as_jax(name, q, method, axis):
    q = q * 100 if name == "percentile" else q
    got = getattr(anp, name)(X, q, axis=axis, method=method)
    assert got.dtype == getattr(jnp, name)(X, q, axis=axis, method=method).dtype == np.float32
    # values against NumPy's (jnp.percentile's midpoint at a whole position takes the next value, as its
    # quantile does not; NumPy's and adcompare's take the value there)
    np.testing.assert_allclose(got, getattr(np, name)(X, q, axis=axis, method=method), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("eng", ["overloading", "sct", "elemental"])
def test_value_and_gradient_dtypes_under_the_engines(eng):
    x = X[0]
    value, grad = ad.engine(eng).value_and_grad(lambda v: anp.percentile(v, 37.0))(x)
    want_value, want_grad = jax.value_and_grad(lambda v: jnp.percentile(v, 37.0))(x)
    assert value.dtype == want_value.dtype == np.float32 and grad.dtype == want_grad.dtype == np.float32
    np.testing.assert_allclose(grad, want_grad, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_matrix_power_zero_keeps_the_dtype(dtype):
    a = (np.arange(9).reshape(3, 3) + 1).astype(dtype)
    got, want = anp.linalg.matrix_power(a, 0), jnp.linalg.matrix_power(a, 0)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("x", [np.arange(4), np.array([True, False]), np.arange(6.0, dtype=np.float32), 3, True],
                         ids=["int", "bool", "float32", "python-int", "python-bool"])
def test_zeros_and_ones_like_keep_the_dtype(x):
    for name in ("zeros_like", "ones_like"):
        got, want = getattr(anp, name)(x), getattr(jnp, name)(x)
        assert np.result_type(got) == want.dtype, name
        np.testing.assert_array_equal(got, want)
