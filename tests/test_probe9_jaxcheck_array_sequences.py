"""``anp.concatenate(x)`` and ``anp.stack(x)`` of an array ``x`` (its rows are the sequence, as in NumPy and
JAX) on the SCT engine, first and second order; ``anp.floor_divide`` in code SCT transforms.

SCT's reverse sweep handed back a list of the rows' cotangents for the array ``x``, and crashed with "the
cotangents of one value do not fit together (a list of 2, a ndarray) ... please report this"; its second
order (forward over the gradient program, and the transposes of reverse over reverse) did the same. The rows'
cotangents are stacked back into an array. ``anp.floor_divide`` (a constant, as JAX's, derivative zero) was
transformed from its own source and refused as "a **kwargs parameter ... in function 'floor_divide'" of
adcompare/numpy; it is a constant of the vocabulary now, like ``floor``. Checked against JAX in float64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

W = np.arange(6.0)


def concatenated(x):
    return anp.sum(anp.sin(anp.concatenate(x)) * W)


def concatenated_jax(x):
    return jnp.sum(jnp.sin(jnp.concatenate(x)) * W)


def stacked(x):
    return anp.sum(anp.sin(anp.stack(x, axis=1) * x.T))


def stacked_jax(x):
    return jnp.sum(jnp.sin(jnp.stack(x, axis=1) * x.T))


def concatenated_3d(x):
    return anp.sum(anp.tanh(anp.concatenate(x, axis=1)) ** 2)


def concatenated_3d_jax(x):
    return jnp.sum(jnp.tanh(jnp.concatenate(x, axis=1)) ** 2)


CASES = [(concatenated, concatenated_jax, (2, 3)), (stacked, stacked_jax, (2, 3)),
         (concatenated_3d, concatenated_3d_jax, (2, 3, 2))]


@pytest.mark.parametrize("f,f_jax,shape", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_and_jvp(f, f_jax, shape, seed):
    eng = ad.engine("sct")
    rng = np.random.RandomState(seed)
    x, t = rng.randn(*shape), rng.randn(*shape)
    np.testing.assert_allclose(eng.grad(f)(x), jax.grad(f_jax)(x), rtol=1e-10, atol=1e-12)
    y, y_dot = eng.jvp(f, (x,), (t,))
    np.testing.assert_allclose(y_dot, jax.jvp(f_jax, (x,), (t,))[1], rtol=1e-10, atol=1e-12)
    g32 = eng.grad(f)(x.astype(np.float32))
    assert g32.dtype == np.float32


@pytest.mark.parametrize("f,f_jax,shape", CASES[:2])
@pytest.mark.parametrize("mode", ["fwd-rev", "rev-rev"])
def test_hessian(f, f_jax, shape, mode):
    x = np.random.RandomState(2).randn(*shape)
    got = ad.engine("sct").hessian(f, mode=mode)(x)
    np.testing.assert_allclose(got, jax.hessian(f_jax)(x), rtol=1e-10, atol=1e-12)


def floor_divided(x):
    return anp.sum(anp.floor_divide(x, 0.3) * x + x * x)


@pytest.mark.parametrize("seed", [0, 1])
def test_floor_divide_is_a_constant_in_sct_code(seed):
    x = np.random.RandomState(seed).randn(4) * 3.0
    want = jax.grad(lambda x: jnp.sum(jnp.floor_divide(x, 0.3) * x + x * x))(x)
    np.testing.assert_allclose(ad.engine("sct").grad(floor_divided)(x), want, rtol=1e-12)
    y, y_dot = ad.engine("sct").jvp(anp.floor_divide, (x, 0.3), (x, 1.0))
    np.testing.assert_array_equal(y, np.floor_divide(x, 0.3))
    np.testing.assert_array_equal(y_dot, np.zeros(4))
