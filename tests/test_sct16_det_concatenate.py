"""concatenate's joint pull-back is shared along any axis, not axis 0 alone (issue 14 item 5, det).

det's minors are ``anp.concatenate([a[1:, :j], a[1:, j + 1:]], axis=1)``: SCT's forward sweep
made a new pull-back (a walk over the operands' shapes and a new closure) on each of its ~7,000
calls, as only axis 0 was keyed. The key (``rules.shapes._concatenate_key``) now holds the
active operands, the axis, the operands' rank (a negative axis counts from it) and their lengths
along the axis, for NumPy operands of one rank and an ``int`` axis; anything else (JAX arrays,
lists, operands of mixed ranks, an axis that is not an ``int``) makes its own pull-back as
before. Checked: the shared pull-back is taken and not taken where it should be, its cuts
bitwise against the per-operand rules', a negative axis at two ranks with equal lengths not
confused, and gradients of det and of column concatenations by SCT (first order, and second
order by SCT's own transform) against JAX float64 on several seeds, on NumPy and float32 inputs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.workloads.det import det

jax.config.update("jax_enable_x64", True)


def _per_operand(act, ans, xs, axis, g):
    return [p.concatenate_p.vjps[i](ans, *xs, axis=axis)(g) if a else None for i, a in enumerate(act)]


@pytest.mark.parametrize("axis", [1, -1, 2, -2])
def test_other_axes_share_one_pull_back_per_lengths(axis):
    rng = np.random.default_rng(3)
    act = (True, False, True)
    shapes = [(2, 3, 4), (2, 3, 4), (2, 3, 4)]
    ax = axis % 3
    shapes = [s[:ax] + (k,) + s[ax + 1:] for s, k in zip(shapes, (1, 2, 3))]
    xs = [rng.normal(size=s) for s in shapes]
    ans = np.concatenate(xs, axis=axis)
    first = p.concatenate_p.vjp(act, ans, *xs, axis=axis)
    again = p.concatenate_p.vjp(act, ans, *[rng.normal(size=s) for s in shapes], axis=axis)
    assert again is first  # taken: the same lengths, rank and axis
    swapped = [xs[2], xs[1], xs[0]]
    other = p.concatenate_p.vjp(act, ans, *swapped, axis=axis)
    assert other is not first  # not taken: other lengths
    g = rng.normal(size=ans.shape)
    for pull, ops in ((first, xs), (other, swapped)):
        got, want = pull(g), _per_operand(act, ans, ops, axis, g)
        for x, a, b in zip(ops, got, want):
            assert (a is None) == (b is None)
            if a is not None:
                assert a.shape == x.shape and np.array_equal(a, b)


def test_a_negative_axis_at_two_ranks_is_not_confused():
    rng = np.random.default_rng(4)
    act = (True, True)
    two = [rng.normal(size=(3, 2)), rng.normal(size=(3, 5))]  # axis -1 is axis 1
    three = [rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 5))]  # axis -1 is axis 2: same lengths
    p2 = p.concatenate_p.vjp(act, None, *two, axis=-1)
    p3 = p.concatenate_p.vjp(act, None, *three, axis=-1)
    assert p2 is not p3
    g3 = rng.normal(size=(2, 3, 7))
    got = p3(g3)
    assert np.array_equal(got[0], g3[..., :2]) and np.array_equal(got[1], g3[..., 2:])
    g2 = rng.normal(size=(3, 7))
    got = p2(g2)
    assert np.array_equal(got[0], g2[:, :2]) and np.array_equal(got[1], g2[:, 2:])
    one = [rng.normal(size=2), rng.normal(size=5)]  # 1-D where 2-D was seen: axis -1 is axis 0
    p1 = p.concatenate_p.vjp(act, None, *one, axis=-1)
    assert p1 is not p2 and p1 is not p3
    g1 = rng.normal(size=7)
    got = p1(g1)
    assert np.array_equal(got[0], g1[:2]) and np.array_equal(got[1], g1[2:])
    mixed = p.concatenate_p.vjp(act, None, rng.normal(size=(1, 2)), rng.normal(size=(1, 2, 5)), axis=-1)
    assert mixed not in (p1, p2, p3)  # operands of two ranks: not keyed (NumPy refuses to join them)


def test_operands_that_are_not_one_ranks_numpy_arrays_are_not_keyed():
    rng = np.random.default_rng(5)
    m = rng.normal(size=(2, 3))
    act = (True, True)
    keyed = p.concatenate_p.vjp(act, None, m, m, axis=1)
    assert p.concatenate_p.vjp(act, None, m, m, axis=1) is keyed
    ja = p.concatenate_p.vjp(act, None, jnp.asarray(m), jnp.asarray(m), axis=1)
    assert ja is not keyed and ja is not p.concatenate_p.vjp(act, None, jnp.asarray(m), jnp.asarray(m), axis=1)
    g = rng.normal(size=(2, 6))
    got = ja(jnp.asarray(g))
    assert np.array_equal(np.asarray(got[0]), g[:, :3]) and np.array_equal(np.asarray(got[1]), g[:, 3:])
    lists = p.concatenate_p.vjp(act, None, m.tolist(), m, axis=1)
    assert lists is not p.concatenate_p.vjp(act, None, m.tolist(), m, axis=1)
    axis = np.int64(1)  # not an int: unkeyed, the same cuts
    np_axis = p.concatenate_p.vjp(act, None, m, m, axis=axis)
    assert np_axis is not keyed and np.array_equal(np_axis(g)[1], g[:, 3:])


def _columns(a, c):
    m = anp.concatenate([a[:, :1], c * a, a[:, 1:]], axis=1)
    return anp.sum(anp.sin(anp.concatenate([m, a * a], axis=-1)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_det_and_column_concatenations_match_jax(dtype):
    eng = ad.engine("sct")
    tol = 1e-10 if dtype is np.float64 else 2e-5
    for seed in range(2):
        rng = np.random.default_rng(seed)
        for n in (3, 4):
            a = rng.normal(size=(n, n)).astype(dtype)
            got = eng.grad(det)(a)
            want = jax.grad(det)(jnp.asarray(a, jnp.float64))
            assert got.dtype == dtype
            np.testing.assert_allclose(got, np.asarray(want), rtol=tol, atol=tol)
        a, c = rng.normal(size=(2, 3)).astype(dtype), rng.normal(size=(2, 3)).astype(dtype)
        got = eng.grad(_columns, argnums=(0, 1))(a, c)
        want = jax.grad(_columns, argnums=(0, 1))(jnp.asarray(a, jnp.float64), jnp.asarray(c, jnp.float64))
        for x, w in zip(got, want):
            np.testing.assert_allclose(x, np.asarray(w), rtol=tol, atol=tol)


@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_boxes_through_column_concatenations_match_jax(engine):
    eng = ad.engine(engine)  # overloading: boxes reach the joint pull-back; SCT's default Hessian runs on them
    for seed in range(2):
        rng = np.random.default_rng(seed)
        a, c = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
        got = eng.grad(_columns, argnums=(0, 1))(a, c)
        want = jax.grad(_columns, argnums=(0, 1))(jnp.asarray(a), jnp.asarray(c))
        for x, w in zip(got, want):
            np.testing.assert_allclose(x, np.asarray(w), rtol=1e-10, atol=1e-12)
        m = rng.normal(size=(3, 3))
        np.testing.assert_allclose(eng.hessian(det)(m), np.asarray(jax.hessian(det)(jnp.asarray(m))),
                                   rtol=1e-10, atol=1e-10)


def test_second_order_by_sct_through_det_matches_jax():
    eng = ad.engine("sct", higher="sct")
    for seed in range(2):
        a = np.random.default_rng(seed).normal(size=(3, 3))
        got = eng.hessian(det)(a)
        want = jax.hessian(det)(jnp.asarray(a))
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-10, atol=1e-10)
