"""Probe 35: NumPy's ``r_`` and ``c_`` were missing from the vocabulary (``anp.r_``: AttributeError).

``anp.r_[...]`` joins its items along the first axis, ``anp.c_[...]`` along the last with 1-d items as columns;
slices are ``arange``/``linspace`` constants. Checked against NumPy's own on plain arrays (values, shapes,
dtypes), and on the overloading engine against JAX's ``jnp.r_``/``jnp.c_`` on the same source (grad and
Hessian, float64). SCT refuses a differentiated item by name (an index, as it reads ``r_[x, y]``).
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
A, B, M = np.arange(3.0), np.array([7.0, 8.0]), np.arange(6.0).reshape(2, 3)
CALLS = [lambda n: n.r_[A, B], lambda n: n.r_[1, 2, A], lambda n: n.r_[0:5], lambda n: n.r_[1:2:5j, A],
         lambda n: n.r_[M, M], lambda n: n.r_[-1:1:0.5], lambda n: n.r_[[1.5, 2.5], 3],
         lambda n: n.c_[A, A * 2], lambda n: n.c_[1, 2], lambda n: n.c_[M.T, A], lambda n: n.c_[0:3, A],
         lambda n: n.c_[M, M]]


@pytest.mark.parametrize("k", range(len(CALLS)))
def test_plain_values_are_numpys(k):
    want, got = CALLS[k](np), CALLS[k](anp)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def joined(x):
    y = anp.r_[x, anp.sin(x[:2]), 0.5, 0:2]
    z = anp.c_[x, x * x, 1:4]
    return anp.sum(y * y) + anp.sum(anp.tanh(z) * anp.arange(9.0).reshape(3, 3))


def _on_jnp(f):  # the same code with anp read as jnp: JAX's program
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp})


def test_overloading_differentiates_as_jax():
    eng = ad.engine("overloading")
    for seed in (35, 53):
        x = np.random.default_rng(seed).normal(size=3)
        value, grad = jax.value_and_grad(_on_jnp(joined))(jnp.asarray(x))
        got_value, got_grad = eng.value_and_grad(joined)(x)
        np.testing.assert_allclose(got_value, value, **TOL)
        np.testing.assert_allclose(got_grad, grad, **TOL)
        np.testing.assert_allclose(eng.hessian(joined)(x), jax.hessian(_on_jnp(joined))(jnp.asarray(x)), **TOL)


def test_directive_strings_and_sct_are_refused_by_name():
    with pytest.raises(NotImplementedError, match=r"concatenators\.py.*directive strings"):
        anp.r_["0,2", A, B]
    with pytest.raises(ad.SCTError, match="used as an index") as info:
        ad.engine("sct").grad(joined)(np.ones(3))
    assert "test_probe35_concatenators.py" in str(info.value)
