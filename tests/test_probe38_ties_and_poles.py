"""Values and derivatives at ties, poles and empty inputs, as JAX's (float64 oracle, the same source under jnp).

- ``linalg.norm`` with ``ord=inf`` (vectors) or ``ord=1``/``inf`` (matrices) of an all-zero input: JAX takes the
  max with ``initial=0``, which ties with a max of 0 and takes half the derivative; every engine gave twice JAX's.
- ``polygamma`` of an even order at its poles (0, -1, ...) and at -inf is nan in JAX; SciPy's -inf was taken.
- ``trapezoid`` of a constant spacing is JAX's ``dx (sum(y) - (y_0 + y_n) / 2)``: an infinite tangent at an end
  makes nan there (inf before).
- ``copysign`` is in both operands' dtype (float64 for ``copysign(2.0, x32)`` before; JAX's and NumPy's float32).
- ``logsumexp`` of no terms is -inf (NumPy's ValueError from ``max`` before).
"""

from __future__ import annotations

import types
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-14)
ENGINES = ["overloading", "sct", "elemental"]


def vector_inf(x):
    return anp.linalg.norm(x, ord=anp.inf)


def matrix_one(x):
    return anp.linalg.norm(anp.reshape(x, (2, 2)), ord=1)


def matrix_inf(x):
    return anp.linalg.norm(anp.reshape(x, (2, 2)), ord=anp.inf)


def rows_inf(x):
    return anp.sum(anp.linalg.norm(anp.reshape(x, (2, 2)), ord=anp.inf, axis=1))


def vector_norm_inf(x):
    return anp.linalg.vector_norm(x, ord=anp.inf)


def matrix_norm_one(x):
    return anp.linalg.matrix_norm(anp.reshape(x, (2, 2)), ord=1)


def vector_minus_inf(x):
    return anp.linalg.norm(x, ord=-anp.inf)


NORMS = [vector_inf, matrix_one, matrix_inf, rows_inf, vector_norm_inf, matrix_norm_one, vector_minus_inf]
POINTS = [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0], [1.0, -1.0, 0.5, 1.0]]


def jax_of(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("f", NORMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", POINTS)
def test_max_norms_at_zero_split_with_jax_s_initial(engine, f, x):
    x, eng, ref = np.array(x), ad.engine(engine), jax_of(f)
    np.testing.assert_allclose(eng.grad(f)(x), jax.grad(ref)(x), **TOL)
    t = np.cos(x) + 0.25
    np.testing.assert_allclose(eng.jvp(f, (x,), (t,))[1], jax.jvp(ref, (x,), (t,))[1], **TOL)
    np.testing.assert_allclose(eng.vjp(f, x)[1](1.7)[0], jax.vjp(ref, x)[1](1.7)[0], **TOL)


def digamma_(x):
    return anp.digamma(x)


def trigamma(x):
    return anp.polygamma(1, x)


def tetragamma(x):
    return anp.polygamma(2, x)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_polygamma_values_at_poles_and_infinities_are_jax_s(n):
    x = np.array([0.0, -1.0, -2.0, -0.5, 1.0, 3.0, np.inf, -np.inf])
    ours = anp.polygamma(n, x)
    np.testing.assert_allclose(ours, jax.scipy.special.polygamma(n, jnp.asarray(x)), rtol=1e-12, equal_nan=True)
    assert ours.dtype == np.float64 and anp.polygamma(n, x.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("f", [digamma_, trigamma, tetragamma], ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [0.0, -1.0, -2.5, 1.5])
def test_polygamma_derivatives_at_poles_are_jax_s(engine, f, x):
    eng = ad.engine(engine)
    ref = lambda v: jax.scipy.special.polygamma({digamma_: 0, trigamma: 1, tetragamma: 2}[f], v)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_allclose(eng.grad(f)(x), jax.grad(ref)(x), rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(eng.hessian(f)(x), jax.hessian(ref)(x), rtol=1e-12, equal_nan=True)


def trapezoid_sqrt(x):
    return anp.trapezoid(anp.sqrt(anp.abs(x)))


def trapezoid_spaced(x):
    return anp.trapezoid(anp.reshape(x * x, (2, 2)), dx=0.5, axis=0)


@pytest.mark.parametrize("engine", ENGINES[:2])
@pytest.mark.parametrize("f, x", [(trapezoid_sqrt, [0.0, 1.0, 0.0]), (trapezoid_sqrt, [0.5, 1.0, 2.0]),
                                  (trapezoid_spaced, [0.3, -1.2, 2.0, 0.7])], ids=["pole", "smooth", "spaced"])
def test_trapezoid_is_jax_s_formula(engine, f, x):
    x, eng, ref = np.array(x), ad.engine(engine), jax_of(f)
    t = np.cos(x) + 0.25
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours, ours_dot = eng.jvp(f, (x,), (t,))
        theirs, theirs_dot = jax.jvp(ref, (x,), (t,))
    np.testing.assert_allclose(ours, theirs, **TOL)
    np.testing.assert_allclose(ours_dot, theirs_dot, equal_nan=True, **TOL)


def test_trapezoid_with_sample_points_is_numpy_s():
    y, x = np.array([1.0, 2.0, 4.0, 3.0]), np.array([0.0, 1.0, 3.0, 3.5])
    np.testing.assert_allclose(anp.trapezoid(y, x=x), np.trapezoid(y, x=x), rtol=1e-14)
    np.testing.assert_allclose(anp.trapezoid(y), np.trapezoid(y), rtol=1e-14)


X32 = np.float32([1.0, -1.0])
X64 = np.array([-1.0, 1.0])


@pytest.mark.parametrize("a, b", [(2.0, X32), (2, X32), (X32, X64), (X32, 2.0), (X64, X32), (X32, np.array([-1, 1])),
                                  (np.array([1, 2]), np.array([-1, 1]))])
def test_copysign_dtype_and_value_are_jax_s(a, b):
    ours = anp.copysign(a, b)
    theirs = jnp.copysign(jnp.asarray(a) if isinstance(a, np.ndarray) else a, jnp.asarray(b)
                          if isinstance(b, np.ndarray) else b)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("shape, axis", [((0,), None), ((0, 3), 0), ((2, 0), 1)])
def test_logsumexp_of_no_terms_is_minus_inf(shape, axis):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = anp.logsumexp(np.zeros(shape), axis=axis)
    np.testing.assert_array_equal(ours, jax.nn.logsumexp(jnp.zeros(shape), axis=axis))
