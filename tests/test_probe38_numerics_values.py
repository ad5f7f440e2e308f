"""Values of ``trapezoid``, ``cov``/``corrcoef``, ``isclose``/``allclose`` and the order comparisons, as JAX's
(float64 oracle; derivatives of the same source under ``jnp``).

- ``trapezoid(y, x=x, axis=a)`` with an ``x`` of more than one dimension takes its differences along ``axis`` (that
  axis moved last with ``y``'s, broadcast together, as JAX's); ``diff(x)`` along the last axis was taken.
- ``cov``/``corrcoef`` of a 1-d input is one variable whatever ``rowvar`` says, and a ``y`` is handled as ``m`` (a
  one-row ``y`` is not transposed): a 1-d ``m`` with ``rowvar=False`` gave an all-nan matrix, ``y`` a
  concatenate error.
- ``isclose``: an infinity is close only to an equal one (``1`` and ``inf`` were close), integers in a float.
- ``greater``/``less``/``greater_equal``/``less_equal`` compare the values themselves: ``sign(x1 - x2)`` wrapped on
  unsigned and narrow integers and refused bools.
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
TOL = dict(rtol=1e-12, atol=1e-14)
RNG = np.random.default_rng(38)


def jax_of(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)


def same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype, want.shape, want.dtype)
    if got.dtype == bool:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, **TOL)


def agree(f, x, engines=("overloading", "sct")):
    ref, t = jax_of(f), np.cos(3.0 * x) + 0.5
    for name in engines:
        eng = ad.engine(name)
        np.testing.assert_allclose(eng.grad(f)(x), jax.grad(ref)(x), **TOL)
        np.testing.assert_allclose(eng.jvp(f, (x,), (t,))[1], jax.jvp(ref, (x,), (t,))[1], **TOL)


# -- trapezoid with a multi-dimensional x -------------------------------------------------------------------------

TRAPEZOID = [((2, 2), (2, 2), 0), ((3,), (2, 3), -1), ((4,), (3, 4), -1), ((3, 3), (3, 3), 0),
             ((2, 3, 4), (2, 3, 4), 1), ((2, 3, 4), (2, 3, 4), 0), ((2, 3, 4), (3, 4), -2), ((3, 4), (2, 3, 4), 0),
             ((2, 3), (2, 1), 0)]


@pytest.mark.parametrize("ys, xs, axis", TRAPEZOID)
def test_trapezoid_of_a_grid_x_takes_its_differences_along_axis(ys, xs, axis):
    y, x = RNG.normal(size=ys), RNG.normal(size=xs)
    same(anp.trapezoid(y, x=x, axis=axis), jnp.trapezoid(y, x=x, axis=axis))


def test_trapezoid_of_the_prober_s_cases():
    Y, XC = np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[0.0, 0.5], [1.0, 2.5]])
    same(anp.trapezoid(Y, x=XC, axis=0), np.array([2.0, 7.0]))
    x = np.array([[0.0, 3.0, 4.0], [1.0, 2.0, 5.0]])
    same(anp.trapezoid(np.array([1.0, 4.0, 2.0]), x=x), np.array([10.5, 11.5]))
    y = np.arange(9.0).reshape(3, 3)
    same(anp.trapezoid(y, x=y ** 2, axis=0), jnp.trapezoid(y, x=y ** 2, axis=0))


def trapezoid_columns(v):
    return anp.sum(anp.sin(anp.trapezoid(anp.reshape(v[:9], (3, 3)), x=anp.reshape(v[9:], (3, 3)), axis=0)))


def trapezoid_rows_of_x(v):
    return anp.prod(anp.trapezoid(v[:3], x=anp.reshape(v[3:], (2, 3))))


def trapezoid_middle_axis(v):
    return anp.sum(anp.trapezoid(anp.reshape(v[:12], (2, 3, 2)), x=anp.reshape(v[12:], (3, 2)) ** 2, axis=-2) ** 2)


@pytest.mark.parametrize("f, n", [(trapezoid_columns, 18), (trapezoid_rows_of_x, 9), (trapezoid_middle_axis, 18)],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_trapezoid_of_a_grid_x_differentiates_as_jax(f, n):
    agree(f, RNG.normal(size=n))


# -- cov and corrcoef: a 1-d input is one variable ----------------------------------------------------------------

X1 = np.array([0.9, -0.3, 0.2, 1.3])
M = RNG.normal(size=(3, 2))
COV = [("cov", (X1,), dict(rowvar=False)), ("cov", (X1, X1 ** 2), dict(rowvar=False)),
       ("cov", (X1,), dict(rowvar=False, bias=True)), ("cov", (M, np.array([[1.0, 3.0, 2.0]])), dict(rowvar=False)),
       ("cov", (np.float32(X1),), dict(rowvar=False)),
       ("cov", (M, np.array([[1.0, 3.0, 2.0]])), dict(rowvar=False, bias=True)),
       ("corrcoef", (X1, X1 ** 2), dict(rowvar=False)), ("corrcoef", (X1,), dict(rowvar=False)),
       ("corrcoef", (M, np.array([[1.0, 3.0, 2.0]])), dict(rowvar=False)), ("cov", (np.zeros((2, 0)),), {})]


@pytest.mark.parametrize("name, args, kwargs", COV, ids=[f"{c[0]}-{i}" for i, c in enumerate(COV)])
def test_cov_of_one_dimensional_inputs_and_y_as_jax(name, args, kwargs):
    same(getattr(anp, name)(*args, **kwargs), getattr(jnp, name)(*args, **kwargs))


def test_cov_of_a_vector_is_its_variance():
    same(anp.cov(X1, rowvar=False), np.float64(0.5091666666666667))


@pytest.mark.parametrize("name", ["cov", "corrcoef"])
def test_cov_of_a_vector_and_a_row_as_numpy_s(name):
    """(JAX promotes the vector to a row first, whose ``rowvar=False`` transposition it then cannot join.)"""
    same(getattr(anp, name)(X1, X1[None] ** 2, rowvar=False), getattr(np, name)(X1, X1[None] ** 2, rowvar=False))


W = np.array([[1.0, -2.0], [0.5, 3.0]])
W3 = np.array([[1.0, 0.2, -1.0], [0.5, 2.0, 0.3], [-0.7, 0.1, 1.5]])
W4 = np.arange(16.0).reshape(4, 4) % 5 - 1.5


def cov_of_a_column_vector(v):
    return anp.cov(v, rowvar=False) * 3.0


def cov_pair_of_vectors(v):
    return anp.sum(anp.cov(v, v ** 3, rowvar=False) * W)


def corrcoef_pair_of_vectors(v):
    return anp.sum(anp.corrcoef(v, anp.sin(v), rowvar=False) * W)


def cov_with_a_row_y(v):
    return anp.sum(anp.cov(anp.reshape(v[:6], (3, 2)), y=anp.reshape(v[6:], (1, 3)), rowvar=False) * W3)


def corrcoef_with_a_row_y(v):
    return anp.sum(anp.corrcoef(anp.reshape(v[:9], (3, 3)), anp.reshape(v[9:], (1, 3)), rowvar=False) * W4)


@pytest.mark.parametrize("f, n", [(cov_of_a_column_vector, 4), (cov_pair_of_vectors, 5), (corrcoef_pair_of_vectors, 5),
                                  (cov_with_a_row_y, 9), (corrcoef_with_a_row_y, 12)],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_cov_and_corrcoef_of_vectors_differentiate_as_jax(f, n):
    agree(f, RNG.normal(size=n))


# -- isclose and allclose: infinities -----------------------------------------------------------------------------

INF, NAN = np.inf, np.nan
CLOSE = [(1.0, INF, {}), (INF, -INF, {}), (1e308, INF, {}), (0.0, -INF, {}),
         (np.array([1.0, INF, -INF, NAN]), np.array([INF, INF, INF, NAN]), {}),
         (np.array([1.0, INF, NAN]), np.array([INF, -INF, NAN]), dict(equal_nan=True)),
         (np.float32([1.0, INF]), np.float32([INF, 2.0]), {}), (np.uint8([3, 250]), np.uint8([250, 3]), dict(atol=10)),
         (np.int8([-100]), np.int8([100]), dict(atol=60)), (jnp.array([1.0, INF]), jnp.array([INF, INF]), {})]


@pytest.mark.parametrize("a, b, kwargs", CLOSE)
def test_isclose_infinities_only_to_an_equal_one(a, b, kwargs):
    got = anp.isclose(a, b, **kwargs)
    same(got, jnp.isclose(a, b, **kwargs))
    assert isinstance(got, jax.Array) == isinstance(a, jax.Array)


@pytest.mark.parametrize("a, b, kwargs", [([1.0, 2.0], [INF, 2.0], {}), ([INF, 2.0], [-INF, 2.0], {}),
                                          (np.uint8([3]), np.uint8([250]), dict(atol=10)), ([1.0, NAN], [INF, NAN],
                                                                                           dict(equal_nan=True))])
def test_allclose_infinities(a, b, kwargs):
    got = anp.allclose(a, b, **kwargs)
    assert type(got) is bool and got == bool(jnp.allclose(jnp.asarray(a), jnp.asarray(b), **kwargs)) and not got


# -- greater, less, greater_equal, less_equal: no differences ---------------------------------------------------

COMPARED = [(np.uint8([3, 250, 7]), np.uint8([5, 3, 7])), (np.int8([-100, 100, 5]), np.int8([100, -100, 5])),
            (np.array([True, False, True]), np.array([False, True, True])), (np.uint8([3, 250]), 5),
            (np.int64([2 ** 62, -2 ** 62]), np.int64([-2 ** 62, 2 ** 62])), (jnp.uint8([3, 250]), jnp.uint8([250, 3]))]


@pytest.mark.parametrize("name", ["greater", "less", "greater_equal", "less_equal"])
@pytest.mark.parametrize("x1, x2", COMPARED)
def test_order_comparisons_of_integers_and_bools_as_jax(name, x1, x2):
    got = getattr(anp, name)(x1, x2)
    same(got, getattr(jnp, name)(x1, x2))
    assert isinstance(got, jax.Array) == isinstance(x1, jax.Array)


U1, U2 = np.uint8([3, 250, 7, 1]), np.uint8([5, 3, 7, 0])
I1, I2 = np.int8([-100, 100, 0, 3]), np.int8([100, -100, 0, 4])


def signs_by_comparisons(x):
    keep = anp.logical_and(anp.greater(x, 0.5), anp.less_equal(U1, U2))
    return anp.sum(anp.where(keep, anp.sin(x), anp.negative(x)))


def squares_by_comparisons(x):
    keep = anp.logical_or(anp.greater_equal(x, anp.mean(x)), anp.less(I1, I2))
    return anp.sum(anp.where(keep, anp.multiply(x, x), anp.multiply(0.25, x)))


@pytest.mark.parametrize("engine", ["overloading", "sct", "elemental"])
@pytest.mark.parametrize("f", [signs_by_comparisons, squares_by_comparisons], ids=lambda f: f.__name__)
def test_comparisons_of_active_values_and_integers_differentiate_as_jax(engine, f):
    agree(f, np.array([0.3, 0.9, -0.2, 1.4]), engines=(engine,))
