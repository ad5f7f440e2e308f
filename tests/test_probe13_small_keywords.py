"""Probe 13 (small): max/min over no element with ``initial=``, ``promote_integers=`` and ``argsort(dtype=)``.

``anp.max(empty, initial=v)`` (and min, and an axis of length zero) failed inside NumPy's max ("zero-size array to
reduction operation maximum which has no identity"); jnp returns ``initial`` in every entry, and its derivative is
the identity on ``initial``. ``anp.sum``/``prod`` refused ``promote_integers=`` and ``anp.argsort`` refused
``dtype=``, both of which jnp takes. Checked against JAX in float64 on every engine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

ENGINES = [("overloading", {}), ("sct", {}), ("sct", {"higher": "boxes"}), ("elemental", {})]


# one source for every engine and for JAX (anp's names run on JAX's tracers)
def over_nothing(i, x):
    empty = anp.getitem(anp.multiply(x, 0.0), slice(0, 0))  # an empty array that is a differentiated value
    top = anp.max(empty, initial=i)
    low = anp.min(anp.reshape(empty, (2, 0)), axis=1, initial=anp.multiply(i, i))
    kept = anp.max(anp.reshape(empty, (0, 3)), axis=0, initial=anp.sin(i), keepdims=True)
    return anp.add(anp.add(top, anp.sum(low)), anp.sum(anp.multiply(kept, kept)))


@pytest.mark.parametrize("name,options", ENGINES)
def test_max_min_over_no_element_is_initial(name, options):
    eng = ad.engine(name, **options)
    for seed in range(3):
        i = float(np.random.default_rng(seed).normal())
        x = np.random.default_rng(seed + 10).normal(size=4)
        value, grads = eng.value_and_grad(over_nothing, argnums=(0, 1))(i, x)
        want, want_grads = jax.value_and_grad(over_nothing, argnums=(0, 1))(i, jnp.asarray(x))
        np.testing.assert_allclose(value, want, rtol=1e-12)
        np.testing.assert_allclose(grads[0], want_grads[0], rtol=1e-12)
        np.testing.assert_allclose(grads[1], want_grads[1], rtol=1e-12, atol=0)


def test_max_min_over_no_element_values_and_shapes():
    for args in [((0,), {}), ((2, 0), {"axis": 1}), ((0, 3), {"axis": 0, "keepdims": True}), ((0, 3), {"axis": 1})]:
        shape, kw = args
        for fn in ("max", "min"):
            got = getattr(anp, fn)(np.zeros(shape), initial=2.5, **kw)
            want = getattr(jnp, fn)(jnp.zeros(shape), initial=2.5, **kw)
            assert np.shape(got) == want.shape, (fn, shape, kw)
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.bool_, np.float32, np.float64])
@pytest.mark.parametrize("fn", ["sum", "prod"])
def test_promote_integers_as_jnp(fn, dtype):
    x = np.ones((2, 3), dtype)
    for promote in (True, False):
        got = getattr(anp, fn)(x, axis=1, promote_integers=promote)
        want = getattr(jnp, fn)(jnp.asarray(x), axis=1, promote_integers=promote)
        assert np.asarray(got).dtype == want.dtype, (fn, dtype, promote)
        np.testing.assert_array_equal(got, want)
    got = getattr(anp, fn)(x, dtype=np.int16, promote_integers=False)
    assert np.asarray(got).dtype == np.int16


@pytest.mark.parametrize("name,options", ENGINES[:3])
def test_promote_integers_inside_a_derivative(name, options):
    def f(x):
        n = anp.sum(anp.asarray([1, 2, 3], dtype=np.int8), promote_integers=False)
        return anp.multiply(anp.prod(anp.sin(x), promote_integers=False), n)
    x = np.array([0.3, 0.7, 1.1])
    np.testing.assert_allclose(ad.engine(name, **options).grad(f)(x), jax.grad(f)(jnp.asarray(x)), rtol=1e-12)


def test_argsort_dtype_as_jnp():
    x = np.array([[3.0, 1.0, 2.0, 1.0], [0.5, -1.0, 0.5, 4.0]])
    for kw in ({}, {"descending": True}, {"axis": None}, {"axis": 0}):
        for dtype in (np.int32, np.int16, None):
            got = anp.argsort(x, dtype=dtype, **kw)
            want = jnp.argsort(jnp.asarray(x), dtype=dtype, **kw)
            assert np.asarray(got).dtype == want.dtype, (kw, dtype)
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fn", ["sum", "prod"])
def test_integer_dtype_keyword_is_the_result_dtype(fn):
    x = np.arange(1, 5, dtype=np.int8)
    for dtype in (np.int16, np.uint8, np.int64, np.float32, np.bool_):
        for promote in (True, False):
            got = getattr(anp, fn)(x, dtype=dtype, promote_integers=promote)
            want = getattr(jnp, fn)(jnp.asarray(x), dtype=dtype, promote_integers=promote)
            assert np.asarray(got).dtype == want.dtype, (fn, dtype, promote)
            np.testing.assert_array_equal(got, want)
