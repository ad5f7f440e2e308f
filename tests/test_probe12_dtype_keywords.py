"""Probe 12 (dtypes): NumPy's ufunc keywords and the constants' ``dtype=``, as JAX's ``jnp`` takes them.

* ``anp.add(x, y, out=z)``, ``anp.sin(x, dtype=...)``, ``where=`` failed inside the primitive with its internal
  name (``binary.<locals>.impl() got an unexpected keyword argument 'out'``). JAX's ``jnp`` refuses them too
  (``out=None`` aside), so they are refused, by name, at the user's line (SCT adds its note with the line).
* ``anp.zeros(3, dtype=...)``, ``ones``, ``zeros_like``, ``ones_like`` had no ``dtype=``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

X = np.array([0.5, 1.5, 2.5])


def written_out(x):
    return anp.sum(anp.add(x, x, out=np.empty(3)))


def cast_sine(x):
    return anp.sum(anp.sin(x, dtype=np.float32))


def masked_product(x):
    return anp.sum(anp.multiply(x, x, where=x > 1.0))


@pytest.mark.parametrize("engine", ["overloading", "sct", None])
@pytest.mark.parametrize("f, keyword", [(written_out, "out"), (cast_sine, "dtype"), (masked_product, "where")])
def test_ufunc_keywords_are_refused_by_name(engine, f, keyword):
    line = f.__code__.co_firstlineno + 1
    with pytest.raises(TypeError, match=rf"got the keyword {keyword}=") as info:
        ad.engine(engine).grad(f)(X) if engine else f(X)
    where = str(info.value) + "".join(getattr(info.value, "__notes__", []))
    assert f"test_probe12_dtype_keywords.py:{line}" in where or f"line {line}" in where


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_out_none_is_taken_as_jax(engine):
    def f(x):
        return anp.sum(anp.multiply(x, x, out=None))
    np.testing.assert_allclose(ad.engine(engine).grad(f)(X), jax.grad(lambda x: jnp.sum(x * x))(X), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.bool_])
def test_constants_take_dtype(dtype):
    x32 = X.astype(np.float32)
    for ours, theirs in [(anp.zeros(3, dtype=dtype), jnp.zeros(3, dtype=dtype)),
                         (anp.ones((2, 1), dtype), jnp.ones((2, 1), dtype)),
                         (anp.zeros_like(x32, dtype=dtype), jnp.zeros_like(x32, dtype=dtype)),
                         (anp.ones_like(X, dtype=dtype), jnp.ones_like(X, dtype=dtype))]:
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_constant_like_an_active_value_takes_dtype(engine):
    def f(x):
        return x * anp.ones_like(x, dtype=np.float32) + anp.sum(anp.zeros_like(x, dtype=np.int32))

    def f_jax(x):
        return x * jnp.ones_like(x, dtype=np.float32) + jnp.sum(jnp.zeros_like(x, dtype=np.int32))

    y, y_dot = ad.engine(engine).jvp(f, (X,), (X,))
    want, want_dot = jax.jvp(f_jax, (X,), (X,))
    assert y.dtype == want.dtype and y_dot.dtype == want_dot.dtype
    np.testing.assert_allclose(y, want, rtol=1e-14)
    np.testing.assert_allclose(y_dot, want_dot, rtol=1e-14)
