"""``np.matrix`` operands and inputs are refused by name on every engine (primitives/masked.py).

NumPy reads ``*`` and ``**`` of a matrix as matrix products and keeps its reductions 2-D; JAX and the rules read
them elementwise. Found by the review of stop 18's rank proofs: SCT's gradient of ``sum(m * m)`` for a matrix ``m``
was [[8, 12], [8, 12]] with NumPy's value 54, where the gradient of sum(m @ m) is [[7, 11], [9, 13]], no error (the
overloading engine failed inside NumPy with "matrix.sum() got an unexpected keyword argument 'keepdims'"). The
refusal names the matrix and the way out; np.asarray of it runs and agrees with JAX.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
M = np.matrix([[1.0, 2.0], [3.0, 4.0]])


def squared(x):
    return anp.sum(x * x)


def times_constant(x, m):
    return anp.sum(m * x) + anp.sum(anp.sin(x))


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_a_differentiated_matrix_is_refused(engine):
    for run in (lambda: ad.engine(engine).grad(squared)(M), lambda: ad.engine(engine).jvp(squared, (M,), (M,))):
        with pytest.raises(TypeError, match=r"(argument 0|primal\[0\]) is a NumPy matrix \(np\.matrix\).*np\.asarray"):
            run()


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_a_constant_matrix_operand_is_refused(engine):
    x = np.array([[0.5, 1.0], [2.0, -1.0]])
    with pytest.raises(TypeError, match=r"multiply: a NumPy matrix operand \(np\.matrix\)"):
        ad.engine(engine).grad(times_constant)(x, M)


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("seed", range(3))
def test_its_array_runs_and_agrees_with_jax(engine, seed):
    x = np.random.default_rng(seed).normal(size=(2, 2))
    expected = jax.grad(lambda y: jnp.sum(jnp.asarray(M) * y) + jnp.sum(jnp.sin(y)))(jnp.asarray(x))
    got = ad.engine(engine).grad(times_constant)(x, np.asarray(M))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
