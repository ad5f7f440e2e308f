"""Cotangents of slices that tile an array are joined in one step (issue 14 item 5).

SCT's reverse sweep built ``sigmoids_bar`` (lstm's gates, read as ``sigmoids[:b]``,
``sigmoids[b:2 * b]``, ``sigmoids[2 * b:]``) as zeros with one slice's cotangent written in and
the others added, per layer and step. Where the slices are written to tile the axis
(``emit/tiles.py``), the sweep now keeps the pieces and ``getitem_bar_tiled`` concatenates them
(the rule table's ``getitem_vjp_tiled``) when a guard checked at run time holds: the bounds are
ints, ordered and within the array, and each piece is an array of its slice's shape, all of one
dtype; otherwise the same statements' sums, in their order. Checked: the helper against those
statements (bitwise on the fast path; every way the guard fails), the code SCT generates for
lstm, and gradients through slices against JAX (float64, several seeds), with bounds that pass
the guard and bounds that fail it (unordered, negative, beyond the array, NumPy integers).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct.emit.accumulate import getitem_bar_into, getitem_bar_tiled
from adcompare.engines.sct.emit.runtime import Shaped, getitem_bar
from adcompare.workloads.lstm import lstm_segment

SCT = ad.engine("sct")


def _statements(x, bounds, order, gs):
    """What the reverse sweep did before: the first piece (in ``order``) into zeros, the others added."""
    cuts = (None,) + tuple(bounds) + (None,)
    out = None
    for k in order:
        idx = slice(cuts[k], cuts[k + 1], None)
        out = getitem_bar(gs[k], x, idx) if out is None else getitem_bar_into(gs[k], x, idx, out)
    return out


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shape,bounds", [((42,), (14, 28)), ((9,), (0, 9)), ((10,), (3, 3)),
                                          ((5, 3), (2,)), ((6, 2, 2), (1, 4))])
@pytest.mark.parametrize("kept", [False, True])  # the value itself, or its shape's stand-in
def test_tiled_pieces_are_the_statements_sums_bitwise(seed, shape, bounds, kept):
    rng = np.random.default_rng(seed)
    cuts = (0,) + bounds + (shape[0],)
    gs = [rng.normal(size=(cuts[k + 1] - cuts[k],) + shape[1:]) for k in range(len(bounds) + 1)]
    x = rng.normal(size=shape) if kept else Shaped(shape)
    for order in (tuple(range(len(gs))), tuple(reversed(range(len(gs))))):
        got = getitem_bar_tiled(x, bounds, order, *gs)
        want = _statements(x, bounds, order, gs)
        assert got.dtype == want.dtype and got.shape == shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", ["unordered", "negative", "beyond", "numpy_int", "zero_piece", "broadcast",
                                  "dtypes", "short", "list"])
def test_a_guard_that_fails_takes_the_statements_sums(case):
    rng = np.random.default_rng(7)
    x, bounds = Shaped((12,)), (4, 8)
    gs = [rng.normal(size=4), rng.normal(size=4), rng.normal(size=4)]
    if case == "unordered":  # x[:8], x[8:4] (empty), x[4:]: overlapping slices
        bounds, gs = (8, 4), [rng.normal(size=8), np.zeros(0), rng.normal(size=8)]
    elif case == "negative":
        bounds, gs = (-8, -4), gs
    elif case == "beyond":  # x[:4], x[4:20], x[20:]: Python clamps the last two
        bounds, gs = (4, 20), [rng.normal(size=4), rng.normal(size=8), np.zeros(0)]
    elif case == "numpy_int":
        bounds = (np.int64(4), np.int64(8))
    elif case == "zero_piece":  # the placeholder of a cotangent nothing contributed to
        gs[1] = 0.0
    elif case == "broadcast":  # a piece that broadcasts over its slice
        gs[2] = rng.normal(size=(1,))
    elif case == "dtypes":
        gs[0] = gs[0].astype(np.float32)
    elif case == "short":  # a piece that does not fit its slice: both raise
        gs[1] = rng.normal(size=3)
        with pytest.raises(ValueError):
            _statements(x, bounds, (2, 1, 0), gs)
        with pytest.raises(ValueError):
            getitem_bar_tiled(x, bounds, (2, 1, 0), *gs)
        return
    elif case == "list":  # a list's cotangent: no array at all
        x, gs = [1.0] * 12, [list(g) for g in gs]
    for order in ((0, 1, 2), (2, 1, 0), (1, 2, 0)):
        want = _statements(x, bounds, order, gs)
        got = getitem_bar_tiled(x, bounds, order, *gs)
        if case == "list":
            assert got == want
        else:
            assert np.asarray(got).dtype == np.asarray(want).dtype
            np.testing.assert_array_equal(got, want)


def test_lstm_joins_its_gates_cotangents():
    text = SCT.source(lstm_segment, "reverse", argnums=(0, 1))
    assert "getitem_bar_tiled(sigmoids, (b, 2 * b), (2, 1, 0), forget_bar," in text
    assert "getitem_bar_tiled(gates, (3 * b,), (1, 0), _t7_bar," in text
    assert "getitem_bar(outgate_bar, sigmoids" not in text


def split(x, k, m, steps):
    total = 0.0
    for _ in range(steps):
        s = anp.exp(x) * 0.5
        a = s[:k]
        mid = s[k:m]
        c = s[m:]
        total = total + anp.sum(anp.sin(a)) + anp.sum(mid * mid) + anp.sum(anp.cos(c))
        x = anp.tanh(x)
    return total


def rows(w, x):
    s = anp.exp(w)  # (4, 3): row blocks, the first broadcast against x's rows
    top = s[:1]
    rest = s[1:]
    return anp.sum(top * x) + anp.sum(anp.cos(rest) * x[1:])


def partial_tiling(x, k):
    s = anp.exp(x)
    a = s[:k]
    b = s[k:k + 2]  # s[k + 2:] is never read: the slices do not tile s
    return anp.sum(a * a) + anp.sum(anp.sin(b))


def _check(fn, args, argnums):
    got = SCT.grad(fn, argnums=argnums)(*args)
    want = jax.grad(fn, argnums=argnums)(*[jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-10, atol=1e-12)


def test_the_examples_take_the_tiled_form():
    assert "getitem_bar_tiled(" in SCT.source(split, "reverse", argnums=(0,))
    assert "getitem_bar_tiled(" in SCT.source(rows, "reverse", argnums=(0, 1))
    assert "getitem_bar_tiled(" not in SCT.source(partial_tiling, "reverse", argnums=(0,))


@pytest.mark.parametrize("seed,k,m", [(0, 3, 5), (1, 3, 5), (2, 8, 8), (0, 5, 3), (1, -5, -2), (2, 4, 20),
                                      (0, np.int64(2), np.int64(6))])
def test_gradients_through_tiling_slices_match_jax(seed, k, m):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=8)
    kj, mj = int(k), int(m)
    got = SCT.grad(split, argnums=0)(x, k, m, 2)
    want = jax.grad(split, argnums=0)(jnp.asarray(x), kj, mj, 2)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", range(2))
def test_gradients_of_row_blocks_and_partial_tilings_match_jax(seed):
    rng = np.random.default_rng(seed)
    _check(rows, (rng.normal(size=(4, 3)), rng.normal(size=(4, 3))), (0, 1))
    _check(partial_tiling, (rng.normal(size=9), 3), (0,))


def test_second_order_through_tiling_slices_matches_jax():  # the sweep run on tangents: the general path
    w = np.random.default_rng(4).normal(size=(4, 3))
    got = SCT.hessian(rows, argnums=0)(w, w)
    want = jax.hessian(rows, argnums=0)(jnp.asarray(w), jnp.asarray(w))
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-10, atol=1e-12)
