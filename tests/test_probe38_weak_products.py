"""A Python number in ``dot``, ``matmul`` or ``einsum`` is weakly typed, as in JAX: ``dot(2.0, x32)`` is float32.

NumPy's products are not ufuncs: they take a Python number as a float64 (or int64) array, so a float32 program
that scaled by ``anp.dot(2.0, x)`` came out float64, in its value and in every engine's derivatives. The oracle
is ``jnp`` (float64 enabled), dtype and value.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
X32 = np.float32([[1.0, 2.0], [3.0, 4.0]])
I32 = np.int32([1, 2])
CASES = {"dot(2.0, x32)": lambda m: m.dot(2.0, X32), "dot(x32, 2.0)": lambda m: m.dot(X32, 2.0),
         "einsum(',ij->ij', 2.5, x32)": lambda m: m.einsum(",ij->ij", 2.5, X32),
         "dot(2.0, i32)": lambda m: m.dot(2.0, I32),
         "dot(x32, x32)": lambda m: m.dot(X32, X32), "dot(2.0, 3.0)": lambda m: m.dot(2.0, 3.0)}


def test_an_integer_product_keeps_the_array_s_integer_dtype():
    assert anp.dot(2, I32).dtype == np.int32  # (jnp.dot(2, i32) itself fails under x64; JAX's lattice gives int32)
    np.testing.assert_array_equal(anp.dot(2, I32), 2 * I32)


@pytest.mark.parametrize("name", CASES)
def test_a_python_number_in_a_product_is_weak(name):
    ours, theirs = CASES[name](anp), CASES[name](jnp)
    assert np.asarray(ours).dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def scaled(x):
    return anp.dot(2.0, x) * x


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_derivatives_keep_float32(engine):
    y, y_dot = ad.engine(engine).jvp(scaled, (X32,), (X32,))
    ref, ref_dot = jax.jvp(lambda x: jnp.dot(2.0, x) * x, (X32,), (X32,))
    assert y.dtype == y_dot.dtype == ref.dtype == ref_dot.dtype == np.float32
    np.testing.assert_allclose(y_dot, ref_dot, rtol=1e-6)
