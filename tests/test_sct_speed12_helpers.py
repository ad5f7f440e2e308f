"""Cheaper common cases in three helpers SCT's reverse sweep calls per step (issue 14 item 5).

* ``rules.base.spread`` of a float64 number over every axis (a sum to a scalar pulled back: lstm's two
  sums per step, every loss) fills a fresh array at once, before working out the reduced shape.
* ``symbolic.is_symbolic_zero`` answers without a look-up while nothing is marked (first-order code
  that is run: the zero-cotangent guards, ~29 per lstm step).
* concatenate's and stack's joint pull-back cut a NumPy cotangent in a plain loop (no
  comprehension's frame: ode's right-hand side four times per step, lstm's gates and state).

Each keeps its answers: checked bitwise against the general path and through SCT's gradients
against JAX (float64, several seeds); the route checks fail before the change.
"""

from __future__ import annotations

import gc

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct.emit import runtime, symbolic
from adcompare.primitives import concatenate_p, stack_p
from adcompare.rules import base, shapes

SCT = ad.engine("sct")


def _general_spread(g, xshape):
    """What spread gave a number over every axis before: the reduced shape's keepdims, then the fill."""
    out = np.empty(xshape, np.float64 if type(g) is float else g.dtype)
    out.fill(g)
    return out


@pytest.mark.parametrize("xshape", [(), (1,), (14,), (3, 4), (2, 1, 5), (20000,)])
@pytest.mark.parametrize("g", [0.75, np.float64(-2.5), -0.0, np.float64(np.inf), float("nan")])
def test_spread_of_a_float64_number_over_every_axis_is_the_general_fill(xshape, g):
    got = base.spread(g, xshape, None)
    assert type(got) is np.ndarray and got.shape == xshape and got.dtype == np.float64
    if np.prod(xshape) <= base._SPREAD_FRESH_MAX:
        want = _general_spread(g, xshape)
        assert got.flags.writeable and got.flags.owndata
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    else:  # past the threshold: the broadcast view, as before
        want = np.broadcast_to(np.float64(g), xshape)
    np.testing.assert_array_equal(got, want)


def test_spread_of_a_number_over_every_axis_does_not_work_out_the_reduced_shape(monkeypatch):
    def refused(*_):
        raise AssertionError("keepdims_shape called")
    monkeypatch.setattr(base, "keepdims_shape", refused)
    np.testing.assert_array_equal(base.spread(1.5, (3, 2), None), np.full((3, 2), 1.5))
    np.testing.assert_array_equal(base.spread(np.float64(2.0), (4,), None), np.full(4, 2.0))
    with pytest.raises(AssertionError, match="keepdims_shape"):  # any other case works it out, as before
        base.spread(np.float32(2.0), (4,), None)


@pytest.mark.parametrize("g,xshape,axis", [(np.float32(1.5), (3,), None), (np.complex128(1 + 2j), (2, 2), None),
                                           (np.ones(()), (3,), None), (np.ones(3), (3, 2), 1),
                                           (np.ones((1, 2)), (3, 2), 0), (1.5, (3,), 0)])
def test_spread_of_other_cotangents_keeps_its_dtype_and_values(g, xshape, axis):
    got = base.spread(g, xshape, axis)
    keep = base.keepdims_shape(xshape, axis)
    want = np.broadcast_to(np.reshape(np.asarray(g), keep), xshape)
    assert got.shape == xshape and got.dtype == np.asarray(g).dtype
    np.testing.assert_array_equal(got, want)


def test_is_symbolic_zero_while_nothing_is_marked_looks_nothing_up(monkeypatch):
    gc.collect()
    if symbolic._marked:
        pytest.skip("a marked zero from another test is still alive")

    class NoLookUp(dict):
        def get(self, *_):
            raise AssertionError("looked up")
    monkeypatch.setattr(symbolic, "_marked", NoLookUp())
    assert not symbolic.is_symbolic_zero(np.zeros(3))
    assert not symbolic.is_symbolic_zero(np.float64(0.0))
    assert symbolic.is_symbolic_zero(0.0) and symbolic.is_symbolic_zero(None)
    assert not symbolic.is_symbolic_zero(1.0)


def test_is_symbolic_zero_still_tells_a_marked_zero_while_one_lives():
    z = runtime.zeros(np.ones(4))  # marked
    other = np.zeros(4)
    assert symbolic.is_symbolic_zero(z) and not symbolic.is_symbolic_zero(other)
    key = id(z)
    del z
    gc.collect()
    assert key not in symbolic._marked  # dropped when it died: the next array at that address is not one
    assert not symbolic.is_symbolic_zero(other)


def test_the_joint_cut_of_a_numpy_cotangent_makes_no_comprehension_frame():
    frames = [c for c in shapes._cut.__code__.co_consts if hasattr(c, "co_code")]
    assert len(frames) <= 1  # the general path's (boxes, JAX values) alone; the NumPy path loops


@pytest.mark.parametrize("active", [(True, True, True), (True, False, True), (False, True, False)])
def test_joint_pullbacks_cut_views_as_the_per_operand_rules(active):
    rng = np.random.default_rng(3)
    xs = (rng.normal(size=(2, 3)), rng.normal(size=(4, 3)), rng.normal(size=(1, 3)))
    ans = np.concatenate(xs)
    g = rng.normal(size=ans.shape)
    got = concatenate_p.vjp(active, ans, *xs)(g)
    for i, a in enumerate(active):
        if not a:
            assert got[i] is None
            continue
        want = concatenate_p.vjps[i](ans, *xs)(g)
        assert got[i].base is g  # a view, as getitem's implementation gives
        np.testing.assert_array_equal(got[i], want)
    rows = (rng.normal(size=3), rng.normal(size=3), rng.normal(size=3))
    st = np.stack(rows)
    h = rng.normal(size=st.shape)
    got = stack_p.vjp(active, st, *rows)(h)
    for i, a in enumerate(active):
        assert got[i] is None if not a else np.array_equal(got[i], h[i])


def _program(x, w):
    """A concatenation with a constant piece, a stacked state and sums to scalars in a loop."""
    total = 0.0
    y = x
    for _ in range(3):
        z = anp.concatenate([y[:1], w * y[:-1], anp.ones(2)])
        y = anp.tanh(z[:-2]) * 0.5 + y
        s = anp.stack([y, x * y])
        total = total + anp.sum(anp.sin(s)) + anp.sum(z * z) * 0.1
    return total


@pytest.mark.parametrize("seed", range(3))
def test_gradients_through_the_helpers_match_jax(seed):
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=6), rng.normal(size=5)
    got = SCT.grad(_program, argnums=(0, 1))(x, w)
    want = jax.grad(_program, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(w))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-12)
