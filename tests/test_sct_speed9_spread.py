"""A sum's cotangent spread back from one value is a fill, not a broadcasting copy (issue 14 item 5).

``rules.base.spread`` gives a reduction's pull-back a fresh array; where one value is spread (a
sum over every axis: lstm's two sums per step, a loss's final sum) it now fills the array with
it (``ndarray.fill``, ~0.2 us) instead of ``np.copyto`` from the value (~0.6 us for a scalar).
Checked bitwise against the broadcast of that value (signed zeros, inf, nan, float32, complex,
0-d and one-element arrays of several ranks), the other routes unchanged (a partial reduction,
a cotangent that does not fit still raising), and gradients through sums against JAX.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.rules.base import spread

VALUES = [0.25, -0.0, np.float64(np.inf), np.float64(np.nan), np.float64(-3.5), np.float32(0.1),
          np.complex128(1 - 2j), np.array(-0.0), np.array(2.5, np.float32), np.array([[7.25]]),
          np.array([np.nan]), np.array(1e-300 + 1j)]


@pytest.mark.parametrize("g", VALUES, ids=repr)
@pytest.mark.parametrize("xshape", [(5,), (2, 3), (1,), ()])
def test_one_value_spread_is_its_broadcast_bitwise(g, xshape):
    out = spread(g, xshape, None)
    value = np.asarray(g).reshape(())
    want = np.broadcast_to(value, xshape)
    assert type(out) is np.ndarray and out.shape == xshape and out.flags.writeable
    assert out.dtype == (np.float64 if type(g) is float else value.dtype)
    assert out.tobytes() == np.ascontiguousarray(want, dtype=out.dtype).tobytes()


def test_other_routes_unchanged():
    g = np.array([1.0, -2.0])
    assert np.array_equal(spread(g, (2, 3), 1), [[1.0] * 3, [-2.0] * 3])  # a partial sum: copied
    assert np.array_equal(spread(np.array([[1.0, 2.0, 3.0]]), (2, 3), 0), [[1.0, 2.0, 3.0]] * 2)
    with pytest.raises(ValueError):
        spread(np.array([1.0, 2.0, 3.0]), (2, 3), 1)  # does not fit: raises, as before


def sums(w, x):
    total = 0.0
    for _ in range(3):
        x = anp.tanh(w * x)
        total = total + anp.sum(x * x) + anp.sum(anp.exp(x))
    return total


@pytest.mark.parametrize("engine", ["sct", "overloading"])
def test_gradients_through_sums_match_jax(engine):
    grad = ad.engine(engine).grad(sums, argnums=(0, 1))
    for seed in range(3):
        rng = np.random.default_rng(seed)
        w, x = rng.normal(size=6), rng.normal(size=6)
        got = grad(w, x)
        want = jax.grad(sums, argnums=(0, 1))(jnp.asarray(w), jnp.asarray(x))
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-12)


def test_one_value_takes_the_fill(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("np.copyto called for one value")

    monkeypatch.setattr(np, "copyto", refused)
    for g in (0.5, np.float64(0.5), np.array(0.5), np.array([[0.5]])):
        assert np.array_equal(spread(g, (4,), None), [0.5] * 4)
