"""The reverse sweep's ``unbroadcast(g, like)``: its fast paths against the general path.

:func:`adcompare.engines.sct.emit.runtime.unbroadcast` answers the common cases first (a scalar's
share of a scalar, shapes that agree, a NumPy array summed to a scalar with ``np.add.reduce``, which
is what ``ndarray.sum`` calls); every other case takes the general path (the rule table's
``unbroadcast`` down to ``like``'s shape). Checked over Python floats, NumPy float64 and float32
scalars, 0-d arrays, arrays of several shapes and dtypes, kept shapes (``Shaped``) and JAX arrays:
the same value, type and dtype as the general path, ``g`` itself where nothing is summed, and the
error on a tuple or list. End to end: gradients through scalar and broadcasting arithmetic against
JAX (float64, several seeds).
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct.emit import runtime
from adcompare.engines.sct.emit.runtime import Shaped, shape_of, unbroadcast
from adcompare.primitives import shape


def general(g, like):
    """What unbroadcast answers with no fast path."""
    return runtime.unbroadcast_general(g, like)


def _gs(rng):
    return [1.5, 0.0, np.float64(2.5), np.float32(1.25), np.asarray(3.0), rng.normal(size=4),
            rng.normal(size=(3, 4)), rng.normal(size=(3, 1)), rng.normal(size=(2, 3, 4)).astype(np.float32),
            rng.normal(size=(1, 4)), jnp.asarray(rng.normal(size=(3, 4))), jnp.asarray(2.0)]


def _likes(rng):
    return [0.5, np.float64(1.0), runtime._SCALAR, Shaped(()), Shaped((4,)), Shaped((3, 4)), Shaped((1, 4)),
            Shaped((3, 1)), np.asarray(1.0), rng.normal(size=4), rng.normal(size=(3, 4)),
            shape_of(rng.normal(size=(2, 3, 4))), jnp.asarray(1.0), jnp.ones(4)]


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_paths_answer_as_the_general_path(seed):
    rng = np.random.default_rng(seed)
    for g, like in itertools.product(_gs(rng), _likes(rng)):
        if type(g) is float and g != 0.0 and shape(like) != ():
            continue  # cannot occur: a Python float cotangent is a scalar's, or the placeholder 0.0 (the contract)
        got, want = unbroadcast(g, like), general(g, like)
        assert type(got) is type(want), (g, like)
        assert np.shape(got) == np.shape(want)
        if hasattr(want, "dtype"):
            assert got.dtype == want.dtype
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        if want is g:
            assert got is g  # nothing summed: the cotangent itself, no copy


def test_a_sum_to_a_scalar_is_ndarray_sum_bit_for_bit():
    rng = np.random.default_rng(3)
    for n in (1, 7, 128, 1000, 100_003):
        g = rng.normal(size=n) * 10.0 ** rng.integers(-8, 8, size=n)
        for like in (runtime._SCALAR, 1.0, np.float64(1.0), np.asarray(0.0)):
            out = unbroadcast(g, like)
            assert type(out) is np.float64 and out == g.sum()
        g32 = g.astype(np.float32)
        out = unbroadcast(g32, runtime._SCALAR)
        assert type(out) is np.float32 and out == g32.sum()
    g = rng.normal(size=(5, 6))
    np.testing.assert_array_equal(unbroadcast(g, Shaped((1, 6))), g.sum(axis=0, keepdims=True))
    np.testing.assert_array_equal(unbroadcast(g, Shaped((6,))), g.sum(axis=0))


@pytest.mark.parametrize("g", [(1.0, 2.0), [np.ones(2)]])
def test_containers_are_refused(g):
    with pytest.raises(TypeError, match="tuple, list or dict"):
        unbroadcast(g, runtime._SCALAR)
    with pytest.raises(TypeError, match="tuple, list or dict"):
        unbroadcast(np.ones(2), g)


def _f(x, y, s):
    a = x * s + y
    b = anp.sum(a * x) * s
    for i in range(3):
        b = 0.5 * b + anp.sum(x[i] * anp.cos(b) - y[i])
    return b + anp.sum(anp.sin(x) / (2.0 + y * y))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_through_scalars_and_broadcasting(seed):
    rng = np.random.default_rng(seed)
    for x, y, s in [(rng.normal(size=4), rng.normal(size=4), float(rng.normal())),
                    (rng.normal(size=4), rng.normal(size=(3, 4)), np.float64(rng.normal())),
                    (rng.normal(size=(3, 1)), rng.normal(size=(3, 5)), np.asarray(rng.normal()))]:
        got = ad.engine("sct").grad(_f, argnums=(0, 1, 2))(x, y, s)
        want = jax.grad(_f, argnums=(0, 1, 2))(jnp.asarray(x), jnp.asarray(y), jnp.asarray(s))
        for a, b, v in zip(got, want, (x, y, s)):
            assert np.shape(a) == np.shape(v)
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)
