"""Probe 11 (autograd's test_numpy.py / JAX's lax_numpy_test.py reductions adapted): ``var`` and ``std`` over an
empty axis, and ``nanmean`` of float32, against JAX.

* ``var`` / ``std`` counted the elements of a reduction as ``size(x) // size(reduced)``: where the kept axes are
  empty (``var(x, axis=-1, keepdims=True)`` of a (0, 3) array) that divided by zero, and every engine stopped
  with Python's bare "integer division or modulo by zero". The count is now the product of the reduced axes'
  lengths (0 there). Where no degree of freedom is left (``N - ddof <= 0``) the value is nan with a zero
  derivative, as JAX's (``ddof`` past ``N`` gave NumPy's inf or a negative variance before).
* ``nanmean`` divided the float sum by ``count_nonzero``'s int64 count: NumPy makes float32 / int64 float64, so
  a float32 input's nanmean, its JVP and VJP came out float64 (JAX's are float32, and ``vjp`` then refused a
  float32 cotangent). The count is summed in the input's dtype.
Checked against JAX (float64, and float32 with its own tolerance) on every engine, several seeds.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = ["overloading", "sct", "elemental"]


def var_last(np_):
    def f(x):
        return np_.var(x, axis=-1, keepdims=True)
    return f


def std_first(np_):
    def f(x):
        return np_.std(x, axis=0, ddof=1)
    return f


def var_past_ddof(np_):
    def f(x):
        return np_.var(x, axis=0, ddof=3)
    return f


def nanmean_rows(np_):
    def f(x):
        return np_.nanmean(x, axis=1)
    return f


def _check(case, x, engine, rtol):
    f = case(el if engine == "elemental" else anp)
    f_jax = case(jnp)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's mean of an empty slice, as JAX's value: nan
        for seed in range(2):
            t = np.asarray(np.random.default_rng(seed).normal(size=x.shape), dtype=x.dtype)
            y, y_dot = ad.engine(engine).jvp(f, (x,), (t,))
            y_jax, y_dot_jax = jax.jvp(f_jax, (jnp.asarray(x),), (jnp.asarray(t),))
            assert np.result_type(y) == y_jax.dtype and np.result_type(y_dot) == y_dot_jax.dtype
            np.testing.assert_allclose(y, y_jax, rtol=rtol)
            g = np.asarray(rng.normal(size=y_jax.shape), dtype=y_jax.dtype)
            x_bar = ad.engine(engine).vjp(f, x)[1](g)[0]
            x_bar_jax = jax.vjp(f_jax, jnp.asarray(x))[1](jnp.asarray(g))[0]
            assert np.result_type(x_bar) == x_bar_jax.dtype
            np.testing.assert_allclose(x_bar, x_bar_jax, rtol=rtol)
            if y_jax.size and not np.isnan(y_jax).any():
                np.testing.assert_allclose(y_dot, y_dot_jax, rtol=rtol)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case, shape", [(var_last, (0, 3)), (std_first, (2, 0)), (std_first, (0, 3)),
                                         (var_past_ddof, (2, 3))],
                         ids=["var-(0, 3)", "std-(2, 0)", "std-(0, 3)", "var-ddof-past-n"])
def test_var_std_without_degrees_of_freedom_as_jax(case, shape, engine):
    _check(case, np.random.default_rng(2).normal(size=shape), engine, 1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_nanmean_keeps_float32_as_jax(engine):
    x = np.random.default_rng(1).uniform(0.5, 2.0, size=(3, 4)).astype(np.float32)
    x[0, 1] = x[2, 3] = np.nan
    _check(nanmean_rows, x, engine, 1e-6)
