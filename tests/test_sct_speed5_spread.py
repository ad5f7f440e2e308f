"""The reductions' pull-back ``rules.base.spread`` on NumPy, and SCT over SCT through it.

``spread(g, xshape, axis)`` gives a small NumPy cotangent as a fresh array (``np.empty`` then a
fill or a broadcasting copy) instead of a read-only ``broadcast_to`` view. Checked: the values,
shape and dtype against the general path (``anp.broadcast_to(anp.reshape(...))``, the path every
non-NumPy or large cotangent still takes) over Python floats, NumPy scalars, 0-d arrays,
float32, complex, keepdims-shaped and axis cotangents; a wrong-sized cotangent raises as it did;
the result owns its memory. SCT transforming its own output takes ``spread`` as a linear
helper with its transpose (``emit/second.py``, ``emit/transposes.py``): second derivatives
(forward over reverse and reverse over reverse, NumPy and JAX arrays) of sums and means over
every axis form agree with JAX, and the second-order program no longer transforms spread's source.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.rules import base

CASES = [
    (1.0, (), None), (np.float64(2.0), (), None), (np.array(3.0), (), None), (1.5, (5,), None),
    (np.float32(2.0), (2, 3), None), (np.complex128(1 + 2j), (4,), 0), (np.ones(3), (3, 4), 1),
    (np.arange(3.0).reshape(3, 1), (3, 4), 1), (np.arange(4.0), (3, 4), 0), (np.ones((1, 1)), (2, 2), None),
    (np.arange(2, dtype=np.float32), (2, 5, 1), (1, 2)), (np.array(2.0), (0, 3), None),
    (np.arange(2.0) + 1j, (2, 3), -1), (np.arange(6.0).reshape(2, 3), (2, 4, 3), 1),
]


def _general(g, xshape, axis):
    return anp.broadcast_to(anp.reshape(g, base.keepdims_shape(xshape, axis)), xshape)


@pytest.mark.parametrize("g, xshape, axis", CASES)
def test_spread_fast_path_matches_the_general_path(g, xshape, axis):
    want, got = _general(g, xshape, axis), base.spread(g, xshape, axis)
    assert type(got) is np.ndarray
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert got.base is None  # a fresh array: nothing else sees a write to it


def test_spread_wrong_size_raises_as_before():
    for g in (np.ones(12), np.ones(2)):
        with pytest.raises(ValueError, match="cannot reshape"):
            _general(g, (3, 4), 1)
        with pytest.raises(ValueError, match="cannot reshape"):
            base.spread(g, (3, 4), 1)
    with pytest.raises(ValueError):  # a scalar where an array cotangent was due: the general path's error
        base.spread(1.0, (3, 4), 1)


def test_spread_large_and_jax_take_the_general_path():
    big = base.spread(np.float64(2.0), (200, 100), None)  # over _SPREAD_FRESH_MAX elements
    assert base._SPREAD_FRESH_MAX < 200 * 100
    assert not big.flags.writeable and big.shape == (200, 100)  # broadcast_to's view, as before
    j = base.spread(jnp.ones(3), (3, 4), 1)
    assert isinstance(j, jax.Array)
    np.testing.assert_array_equal(np.asarray(j), np.ones((3, 4)))


def _f(x):
    return (anp.sum(anp.sin(x)) * anp.mean(x * x, axis=1)[0]
            + anp.sum(anp.exp(x), axis=0, keepdims=True)[0, 1] + anp.mean(anp.cos(x)))


def _f_jax(x):
    return (jnp.sum(jnp.sin(x)) * jnp.mean(x * x, axis=1)[0]
            + jnp.sum(jnp.exp(x), axis=0, keepdims=True)[0, 1] + jnp.mean(jnp.cos(x)))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("mode", ["fwd-rev", "rev-rev"])
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_second_order_through_spread_matches_jax(seed, mode, backend):
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(3, 4))
    xin = jnp.asarray(x) if backend == "jax" else x
    eng = ad.engine("sct")
    np.testing.assert_allclose(np.asarray(eng.hessian(_f, mode=mode)(xin)), jax.hessian(_f_jax)(x),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(eng.grad(_f)(xin)), jax.grad(_f_jax)(x), rtol=1e-13, atol=1e-13)


def test_second_order_program_takes_spread_as_a_helper():
    source = ad.engine("sct").source(_f, "hvp")
    assert "spread" in source and "def spread_jvp" not in source
