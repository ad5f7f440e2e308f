"""Probe 35: NumPy's in-place array methods ``x.sort()`` and ``x.fill(v)`` on the overloading engine's boxes.

Both were refused (AttributeError). They now write in place as NumPy's do, on a NumPy-backed box: every name
and view of the array sees the write (``v = y[1:]`` before ``y.sort()`` reads the sorted values), and the
derivative flows through the sort's gather and ``fill``'s value. Checked against JAX on the program written
functionally, and against NumPy's own run. On a JAX array ``.sort()`` returns the sorted copy, as JAX's, and
``.fill`` is refused (JAX's arrays have none); SCT refuses both by name.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-13)
INPUTS = [np.random.default_rng(seed).uniform(0.1, 0.9, size=4) for seed in (35, 53, 3)]


def sort_inplace(x):
    y = x * 1.0
    v = y[1:]
    y.sort()
    return anp.sum(y * anp.arange(4.0)) + anp.sum(v * v)


def sort_oracle(x):
    y = jnp.sort(x)
    return jnp.sum(y * jnp.arange(4.0)) + jnp.sum(y[1:] ** 2)


def fill_inplace(x):
    y = x * 2.0
    z = y[:2]
    y.fill(x[0])
    return anp.sum(y * x) + anp.sum(z)


def fill_oracle(x):
    y = jnp.full(4, x[0])
    return jnp.sum(y * x) + jnp.sum(y[:2])


@pytest.mark.parametrize("f, oracle", [(sort_inplace, sort_oracle), (fill_inplace, fill_oracle)],
                         ids=["sort", "fill"])
def test_in_place_methods_write_as_numpy(f, oracle):
    eng = ad.engine("overloading")
    for x in INPUTS:
        value, grad = jax.value_and_grad(oracle)(jnp.asarray(x))
        np.testing.assert_allclose(f(x.copy()), value, **TOL)  # NumPy's own run
        got_value, got_grad = eng.value_and_grad(f)(x.copy())
        np.testing.assert_allclose(got_value, value, **TOL)
        np.testing.assert_allclose(got_grad, grad, **TOL)
        np.testing.assert_allclose(eng.hessian(f)(x.copy()), jax.hessian(oracle)(jnp.asarray(x)), **TOL)


def sorted_copy(x):  # a JAX array's .sort(): the sorted array, x left alone
    return anp.sum(x.sort() * anp.arange(4.0)) + anp.sum(x * x)


def test_on_jax_arrays_sort_returns_and_fill_is_refused():
    eng = ad.engine("overloading")
    x = jnp.asarray(INPUTS[0])
    np.testing.assert_allclose(eng.grad(sorted_copy)(x), jax.grad(sorted_copy)(x), **TOL)
    with pytest.raises(AttributeError, match=r"\.fill\(\) of a JAX array"):
        eng.grad(fill_inplace)(x)


@pytest.mark.parametrize("f", [sort_inplace, fill_inplace])
def test_sct_refuses_them_by_name(f):
    with pytest.raises(ad.SCTError, match=r"the in-place array method y\.(sort|fill)\(\)") as info:
        ad.engine("sct").grad(f)(INPUTS[0])
    assert "test_probe35_inplace_methods.py" in str(info.value)
