"""Probe 14 (fix): ``anp.mean(x, where=mask)`` keeps x's float dtype, as jnp's (the count was made in float64).

The oracle for the dtype is ``jax.eval_shape`` of the same ``jnp`` call; the values and the gradients are
JAX's (float64 to 1e-12; float32 and float16 to their own precision). The integer case averages in JAX's
float of them (float32 for int32).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

MASK = np.array([[True, False, True, True], [False, True, True, False], [True, True, True, True]])
TOL = {np.float64: 1e-12, np.float32: 1e-6, np.float16: 2e-3}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int32])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_masked_mean_dtype_and_value_are_jax(dtype, axis):
    x = (np.random.default_rng(3).normal(size=(3, 4)) * 4).astype(dtype)
    got = anp.mean(x, axis=axis, where=MASK)
    expected = jnp.mean(jnp.asarray(x), axis=axis, where=MASK)
    assert np.asarray(got).dtype == jax.eval_shape(lambda v: jnp.mean(v, axis=axis, where=MASK), x).dtype
    tol = TOL.get(dtype, 1e-6)
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(expected, np.float64), rtol=tol, atol=tol)
    on_jax = anp.mean(jnp.asarray(x), axis=axis, where=MASK)
    assert on_jax.dtype == expected.dtype


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masked_mean_gradient_keeps_the_dtype(engine, dtype):
    def f(x):
        return anp.sum(anp.mean(x * x, axis=1, where=MASK))

    def f_jax(x):
        return jnp.sum(jnp.mean(x * x, axis=1, where=MASK))

    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=(3, 4)).astype(dtype)
        got = ad.engine(engine).grad(f)(x)
        expected = jax.grad(f_jax)(jnp.asarray(x))
        assert got.dtype == expected.dtype == dtype
        np.testing.assert_allclose(got, expected, rtol=TOL[dtype], atol=TOL[dtype])


NAMES = ["var", "std", "nanmean", "nanvar", "nanstd"]
ROWS = np.array([[True, False, True, True], [False, True, True, False], [False, False, False, False]])


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the empty row's 0 / 0, nan as JAX's
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32])
def test_masked_statistics_dtype_and_value_are_jax(name, dtype):
    """var/std/nan* took no where= (Python's TypeError); now jnp's, nan where the mask leaves too few."""
    x = (np.random.default_rng(5).normal(size=(3, 4)) * 4).astype(dtype)
    if name.startswith("nan") and dtype != np.int32:
        x[0, 2] = np.nan
    for axis, ddof in ((1, 0), (None, 1)):
        kw = dict(axis=axis, where=ROWS) | ({} if name == "nanmean" else dict(ddof=ddof))
        got = getattr(anp, name)(x, **kw)
        expected = getattr(jnp, name)(jnp.asarray(x), **kw)
        assert np.asarray(got).dtype == jax.eval_shape(lambda v: getattr(jnp, name)(v, **kw), x).dtype
        tol = TOL.get(dtype, 1e-6)
        np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(expected, np.float64), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["var", "nanmean", "nanvar"])  # (std and nanstd are their square roots)
@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_masked_statistics_gradients_are_jax(name, engine):
    kw = dict(axis=1, where=ROWS[:2]) | ({} if name == "nanmean" else dict(ddof=1))

    def f(x):
        return anp.sum(getattr(anp, name)(x * x, **kw))

    def f_jax(x):
        return jnp.sum(getattr(jnp, name)(x * x, **kw))

    for seed in (0, 1):
        x = np.random.default_rng(seed).normal(size=(2, 4))
        np.testing.assert_allclose(ad.engine(engine).grad(f)(x), jax.grad(f_jax)(jnp.asarray(x)), rtol=1e-10)
