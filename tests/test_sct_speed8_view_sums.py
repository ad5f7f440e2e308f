"""getitem's in-place pull-back takes NumPy's cheaper route into a view, with the same sums (issue 14 item 5).

``rules.getitem_vjp_into`` adds ``g`` into the view ``into[idx]``. NumPy's in-place ufunc costs ~0.7 us
of iterator set-up on a one-element operand or a non-contiguous one of two or more dimensions (det's
minors), so one element is set to ``view + g`` and a small non-contiguous view is summed in a
contiguous copy and copied back. Checked bitwise against ``primitives.index_add_into`` (which adds
in place as NumPy does) and against JAX for each route (one element, non-contiguous views with
contiguous, strided and broadcasting cotangents, steps, negative steps, 3-D, a view above the size
limit, float32 and complex); that a cotangent that does not fit still raises and that a read-only
accumulator is left unwritten on each route; and SCT's gradients through such views against JAX.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare import rules
from adcompare.engines.sct.emit.accumulate import getitem_bar_into
from adcompare.engines.sct.emit.runtime import shape_of
from adcompare.workloads import get

det = get("det").natural

S = slice
CASES = [  # (shape of into, idx, how g is made: "same", "strided" or a shape to broadcast from)
    ((2, 2), (S(1, None), S(1, None)), "same"),  # one element
    ((3, 1, 2), (S(2, 3), 0, S(1, None)), "same"),  # one element, 2-D
    ((4, 1), (S(1, 2),), "same"),  # one element of a 2-D view that is contiguous
    ((2, 2), (S(1, None), S(1, None)), ()),  # one element from a number
    ((5, 5), (S(1, None), S(1, None)), "same"),  # non-contiguous, 2-D
    ((5, 5), (S(1, None), S(None, 2)), "strided"),  # non-contiguous view and cotangent (a cut)
    ((5, 5), (S(1, None), S(None, 2)), (2,)),  # broadcast along rows
    ((5, 5), (S(1, None), S(None, 2)), ()),
    ((6, 5), (S(None, None, -2), S(4, 0, -2)), "same"),  # negative steps
    ((4, 5, 3), (S(1, 3), S(None, None, 2), S(1, None)), "strided"),  # 3-D
    ((70, 70), (S(1, None), S(1, None)), "same"),  # 4,761 elements: above the copy route's limit
    ((6,), S(1, None, 2), "same"),  # 1-D strided: NumPy's fast loop, as before
    ((4, 3), S(1, 3), "same"),  # contiguous rows, as before
]


def _g(rng, vshape, how, dtype):
    if how == "same":
        g = rng.normal(size=vshape)
    elif how == "strided":
        g = rng.normal(size=vshape[:-1] + (vshape[-1] + 3,))[..., 1:1 + vshape[-1]]
        assert not g.flags.c_contiguous
    else:
        g = rng.normal(size=how)
    if np.issubdtype(dtype, np.complexfloating):
        g = g + 1j * rng.normal(size=np.shape(g))
    return g.astype(dtype) if isinstance(g, np.ndarray) else dtype(g)


def _jax_bar(g, xshape, idx, dtype):
    _, pull = jax.vjp(lambda x: x[idx], jnp.zeros(xshape, dtype))
    vshape = np.zeros(xshape)[idx].shape
    return np.asarray(pull(jnp.broadcast_to(jnp.asarray(g), vshape))[0])


@pytest.mark.parametrize("xshape, idx, how", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_each_route_gives_numpys_sums_and_jaxs(xshape, idx, how, dtype):
    for seed in (0, 1, 2):
        rng = np.random.default_rng(seed)
        start = rng.normal(size=xshape).astype(dtype)
        g = _g(rng, np.zeros(xshape)[idx].shape, how, dtype)
        fast, general = start.copy(), start.copy()
        assert rules.getitem_vjp_into(g, idx, fast) is fast
        p.index_add_into(g, idx, general)
        np.testing.assert_array_equal(fast, general)
        if seed == 0:  # the oracle once; every seed against NumPy's own in-place sum, bitwise
            tol = 1e-5 if dtype is np.float32 else 1e-13
            np.testing.assert_allclose(fast, start + _jax_bar(g, xshape, idx, dtype), rtol=tol, atol=tol)


@pytest.mark.parametrize("xshape, idx, g", [
    ((2, 2), (S(1, None), S(1, None)), np.ones((1, 3))),  # one element: view + g grows, and does not fit
    ((2, 2), (S(1, None), S(1, None)), np.ones((1, 1, 1))),  # more dimensions than the view: += refuses
    ((5, 5), (S(1, None), S(1, None)), np.ones((4, 3))),  # non-contiguous
    ((5, 5), (S(1, None), S(None, 2)), np.ones((5, 2))[1:]),  # non-contiguous, a cotangent that fits
])
def test_a_cotangent_that_does_not_fit_raises_and_one_that_fits_adds(xshape, idx, g):
    into = np.zeros(xshape)
    want = np.zeros(xshape)
    try:
        want[idx] += g
    except ValueError:
        with pytest.raises(ValueError):
            rules.getitem_vjp_into(g, idx, into)
        return
    rules.getitem_vjp_into(g, idx, into)
    np.testing.assert_array_equal(into, want)


@pytest.mark.parametrize("xshape, idx", [((2, 2), (S(1, None), S(1, None))), ((5, 5), (S(1, None), S(1, None)))])
def test_a_read_only_accumulator_is_left_unwritten_on_each_route(xshape, idx):
    ro = np.ones(xshape)
    ro.flags.writeable = False
    g = np.full(np.zeros(xshape)[idx].shape, 2.0)
    with pytest.raises(ValueError):
        rules.getitem_vjp_into(g, idx, ro)
    np.testing.assert_array_equal(ro, np.ones(xshape))
    out = getitem_bar_into(g, shape_of(ro), idx, ro)  # the SCT helper: the ordinary sum instead
    want = np.ones(xshape)
    want[idx] += 2.0
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(ro, np.ones(xshape))


def _minors(a):
    """Minors of every kind (views, strided views, concatenations), summed through a loop."""
    total = 0.0
    for j in range(a.shape[1]):
        m = anp.concatenate([a[1:, :j], a[1:, j + 1:]], axis=1)
        total = total + a[0, j] * anp.sum(anp.sin(m) * anp.sum(m[::-1, ::2]))
    return total + anp.sum(a[1:, 1:] * a[:-1, :-1]) + a[-1, -1] * anp.sum(a[::-2, 1::2])


@pytest.mark.parametrize("fn, shape, dtype", [(_minors, (3, 4), np.float64), (det, (3, 3), np.float64),
                                               (det, (4, 4), np.float64), (_minors, (3, 4), np.float32),
                                               (det, (3, 3), np.float32)])
def test_sct_gradients_through_views_match_jax(fn, shape, dtype):
    grad, oracle = ad.engine("sct").grad(fn), jax.jit(jax.grad(fn))  # jit: one compilation, not one per op
    for seed in (0, 1, 2):
        a = np.random.default_rng(seed).normal(size=shape).astype(dtype)
        got, want = grad(a), np.asarray(oracle(jnp.asarray(a)))
        assert got.dtype == want.dtype == dtype
        tol = 2e-5 if dtype is np.float32 else 1e-12
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())
