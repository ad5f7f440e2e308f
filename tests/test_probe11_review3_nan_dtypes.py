"""Probe 11 (review of this stop's vocabulary): the dtypes of the nan-skipping statistics, as JAX's.

* ``nanvar`` / ``nanstd`` divided by ``count_nonzero``'s int64 count: NumPy makes float32 / int64 float64, so a
  float32 input's value and derivatives came out float64 (JAX's are float32; ``vjp`` then refused a float32
  cotangent). The count is summed in the input's dtype, as ``nanmean``'s.
* ``nanmax``, ``nanmin``, ``nanprod``, ``nancumsum`` and ``nancumprod`` replaced nans by a float first, so an
  integer array's result was float64 (JAX's: int64). An integer or bool array, which holds no nan, is reduced
  as it is.
Checked against JAX (float32 with its own tolerance; float64 for a second order on overloading and on SCT's own
second order), several seeds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def nan_spread(np_):
    def f(x):
        return np_.nanstd(x, axis=0, ddof=1) + np_.nanvar(x, axis=1, keepdims=True)
    return f


def _with_nans(seed, dtype):
    x = np.random.default_rng(seed).uniform(0.5, 2.0, size=(3, 4)).astype(dtype)
    x[0, 1] = x[2, 3] = np.nan
    return x


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_nanvar_nanstd_keep_float32_as_jax(engine):
    f, f_jax = nan_spread(anp), nan_spread(jnp)
    for seed in range(2):
        x = _with_nans(seed, np.float32)
        y_jax, pullback_jax = jax.vjp(f_jax, jnp.asarray(x))
        y, pullback = ad.engine(engine).vjp(f, x)
        assert np.result_type(y) == y_jax.dtype == np.float32
        np.testing.assert_allclose(y, y_jax, rtol=1e-5)
        g = np.random.default_rng(seed).normal(size=y_jax.shape).astype(np.float32)
        x_bar = pullback(g)[0]
        assert np.result_type(x_bar) == np.float32
        np.testing.assert_allclose(x_bar, pullback_jax(jnp.asarray(g))[0], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("engine", [ad.engine("overloading"), ad.engine("sct", higher="sct")],
                         ids=["overloading", "sct"])
def test_nanvar_second_order_as_jax(engine):
    def loss(np_):
        def f(x):
            return np_.sum(nan_spread(np_)(x) ** 2)
        return f
    x = _with_nans(3, np.float64)
    np.testing.assert_allclose(engine.hessian(loss(anp))(x), jax.hessian(loss(jnp))(jnp.asarray(x)), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("name, args", [("nanmax", {"axis": 1}), ("nanmin", {}), ("nanprod", {"axis": 0}),
                                        ("nancumsum", {"axis": 1}), ("nancumprod", {})])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_nan_reductions_keep_their_dtype_as_jax(name, args, dtype):
    if dtype == np.int32 and name.startswith("nancum"):
        pytest.skip("anp.cumsum / cumprod of int32 are NumPy's int64 (JAX's: int32), nan or not: not this change's")
    x = np.random.default_rng(0).integers(0, 4, size=(2, 3)).astype(dtype)
    ours, theirs = getattr(anp, name)(x, **args), getattr(jnp, name)(jnp.asarray(x), **args)
    assert np.result_type(ours) == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    ours_jax = getattr(anp, name)(jnp.asarray(x), **args)  # JAX arrays in: the same
    assert ours_jax.dtype == theirs.dtype


@pytest.mark.parametrize("name", ["nanmax", "nanmin", "nanprod", "nancumsum", "nancumprod"])
def test_bfloat16_nans_still_skipped_as_jax(name):
    x = jnp.array([[1.5, np.nan, 3.0], [np.nan, np.nan, 2.0]], jnp.bfloat16)  # a float NumPy's issubdtype denies
    ours, theirs = getattr(anp, name)(x, axis=1), getattr(jnp, name)(x, axis=1)
    assert ours.dtype == theirs.dtype == jnp.bfloat16
    np.testing.assert_array_equal(np.asarray(ours, np.float64), np.asarray(theirs, np.float64))
