"""One float64 element's cotangent is added by Python's sum, not a ufunc (issue 14 item 5).

``rules.getitem_vjp_into`` added a cotangent into a one-element view as ``view[...] = view + g``
(~0.8 us: a ufunc call and an assignment); ode's right-hand side reads ``x[:1]`` four times per
step. Where the view and the cotangent are float64 (a Python float, a NumPy float64, or a
one-element float64 array), the view is now filled with ``view.item() + g``: the same IEEE sum.
Checked bitwise against NumPy's in-place sum (``primitives.index_add_into``) for signed zeros,
infinities, NaN, subnormals and large magnitudes and for each kind of cotangent; the other dtypes
keep their route; a cotangent that does not fit still raises, and a read-only accumulator is
left unwritten (``getitem_bar_into`` then makes the ordinary sum); ode's gradient against JAX.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import primitives as p
from adcompare import rules
from adcompare.engines.sct.emit.accumulate import getitem_bar_into
from adcompare.workloads import get

S = slice
VALUES = [0.0, -0.0, 1.5, -2.25, np.inf, -np.inf, np.nan, 5e-324, -1e-310, 1e308, 1e-16, 3.0000000000000004]
PLACES = [((5,), (S(None, 1),)), ((5,), S(3, 4)), ((3, 4), (S(1, 2), S(2, 3))), ((2, 1, 3), (0, S(None), S(2, None)))]


def _kinds(v: float, ndim: int):
    return [v, np.float64(v), np.array(v), np.full((1,), v), np.full((1,) * ndim, v)]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # NumPy's reference sums warn;
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # Python's sums do not
@pytest.mark.parametrize("xshape, idx", PLACES)
def test_float64_elements_take_the_same_sums_bitwise(xshape, idx):
    ndim = np.zeros(xshape)[idx].ndim
    for start_value in VALUES:
        for v in VALUES:
            for g in _kinds(v, ndim):
                fast = np.full(xshape, 7.0)
                fast[idx] = start_value
                general = fast.copy()
                assert rules.getitem_vjp_into(g, idx, fast) is fast
                p.index_add_into(g, idx, general)
                np.testing.assert_array_equal(fast, general)  # equal_nan; signed zeros below
                assert np.array_equal(np.signbit(fast), np.signbit(general))


@pytest.mark.parametrize("dtype, gtype", [(np.float32, np.float32), (np.complex128, np.complex128),
                                          (np.complex128, np.float64), (np.float64, np.float32)])
def test_other_dtypes_keep_numpys_sums(dtype, gtype):
    rng = np.random.default_rng(3)
    for _ in range(5):
        fast = rng.normal(size=4).astype(dtype)
        general = fast.copy()
        g = np.asarray(rng.normal(size=1)).astype(gtype)
        rules.getitem_vjp_into(g, S(2, 3), fast)
        p.index_add_into(g, S(2, 3), general)
        assert fast.dtype == dtype
        np.testing.assert_array_equal(fast, general)


def test_a_cotangent_that_does_not_fit_raises_and_read_only_is_left_alone():
    into = np.zeros(4)
    with pytest.raises(ValueError):
        rules.getitem_vjp_into(np.ones(0), S(None, 1), into)
    with pytest.raises(ValueError):
        rules.getitem_vjp_into(np.ones(2), S(None, 1), into)
    frozen = np.arange(4.0)
    frozen.flags.writeable = False
    with pytest.raises(ValueError):
        rules.getitem_vjp_into(np.array([2.5]), S(1, 2), frozen)
    np.testing.assert_array_equal(frozen, np.arange(4.0))
    out = getitem_bar_into(np.array([2.5]), frozen, S(1, 2), frozen)  # the ordinary sum instead
    np.testing.assert_array_equal(out, [0.0, 3.5, 2.0, 3.0])
    np.testing.assert_array_equal(frozen, np.arange(4.0))


@pytest.mark.parametrize("seed", range(3))
def test_ode_gradient_matches_jax(seed):
    w = get("ode")
    x, lower, steps = w.inputs("small", seed=seed)
    got = ad.engine("sct").grad(w.natural, argnums=0)(x, lower, steps)
    want = jax.grad(w.natural, argnums=0)(jnp.asarray(x), jnp.asarray(lower), steps)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-10, atol=1e-12)
