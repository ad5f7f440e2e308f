"""concatenate's joint pull-back along axis 0 cuts the cotangent by plain slices (issue 14 item 5).

SCT's forward sweep makes concatenate's joint pull-back once per call (lstm's gates, ode's
right-hand side), and ``rules.shapes._concatenate_regions`` finds every operand's block. Along
axis 0 it now gives each block as a bare ``slice`` (one walk, no index tuples), which names the
same positions as the per-operand rule's region, a one-element tuple; any other axis (1, -1,
None) takes the general walk. Checked: the regions against the per-operand rule's and the joint
pull-back bitwise against the per-operand pull-backs, for mixed active and inactive operands and
several ranks; and SCT's and the overloading engine's gradients through concatenations along
axis 0, 1, -1 and None against JAX (float64, several seeds).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.rules import shapes as rs

SHAPES = [[(1,), (99,)], [(14,), (14,), (14,), (14,)], [(2, 3), (1, 3), (4, 3)], [(0,), (3,), (2,)]]


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("active", ["all", "some"])
def test_regions_along_axis_0_name_the_per_operand_blocks(shapes, active):
    rng = np.random.default_rng(len(shapes))
    xs = [rng.normal(size=s) for s in shapes]
    act = tuple(True for _ in xs) if active == "all" else tuple(i % 2 == 1 for i in range(len(xs)))
    regions = rs._concatenate_regions(act, xs, 0)
    assert all(type(r) is slice for r, a in zip(regions, act) if a)  # the cheap form (a tuple before)
    ans = np.concatenate(xs)
    g = rng.normal(size=ans.shape)
    joint = p.concatenate_p.vjp(act, ans, *xs, axis=0)(g)
    for i, (x, a) in enumerate(zip(xs, act)):
        if not a:
            assert regions[i] is None and joint[i] is None
            continue
        assert np.array_equal(g[regions[i]], g[rs._concatenate_region(i, xs, 0)])
        own = p.concatenate_p.vjps[i](ans, *xs, axis=0)(g)
        assert joint[i].shape == x.shape and np.array_equal(joint[i], own)


def test_other_axes_keep_the_general_regions():
    xs = [np.ones((2, 3)), np.ones((2, 4))]
    for axis in (1, -1):
        regions = rs._concatenate_regions((True, True), xs, axis)
        assert regions == [(slice(None), slice(0, 3)), (slice(None), slice(3, 7))]


def _programs():
    def rhs(x, y):  # ode's right-hand side, repeated as a loop
        for _ in range(3):
            y = y + 0.1 * anp.concatenate([x[:1], x[1:] * anp.sin(y[:-1])])
        return anp.sum(y * y)

    def gates(w, u):  # lstm's four gates in one product
        z = anp.concatenate([u, anp.tanh(u), u, u * u]) * w
        b = len(u)
        return anp.sum(anp.tanh(z[:b]) * z[b:2 * b] + z[2 * b:3 * b] * anp.sin(z[3 * b:]))

    def rows(a, c):  # 2-D along axis 0, one operand a constant
        return anp.sum(anp.tanh(anp.concatenate([a, c, a * a], axis=0)) * 1.5)

    def columns(a, c):  # 2-D along axes 1 and -1: the general walk
        m = anp.concatenate([a, c * a], axis=1)
        return anp.sum(anp.sin(anp.concatenate([m, a], axis=-1)))

    def flat(a, c):  # axis=None: raveled operands
        return anp.sum(anp.concatenate([a, c * a], axis=None) ** 2)

    return [(rhs, lambda r: (r.uniform(size=6), r.uniform(size=6))),
            (gates, lambda r: (r.normal(size=20), r.normal(size=5))),
            (rows, lambda r: (r.normal(size=(2, 3)), r.normal(size=(1, 3)))),
            (columns, lambda r: (r.normal(size=(2, 3)), r.normal(size=(2, 3)))),
            (flat, lambda r: (r.normal(size=(2, 3)), r.normal(size=(2, 3))))]


@pytest.mark.parametrize("engine", ["sct", "overloading"])
@pytest.mark.parametrize("case", range(5))
def test_gradients_through_concatenate_match_jax(engine, case):
    fn, make = _programs()[case]
    eng = ad.engine(engine)
    for seed in range(3):
        args = make(np.random.default_rng(seed))
        got = eng.grad(fn, argnums=(0, 1))(*args)
        want = jax.grad(fn, argnums=(0, 1))(*map(jnp.asarray, args))
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, np.asarray(w), rtol=1e-10, atol=1e-12)


def test_one_pull_back_per_lengths_shared_by_calls():
    rng = np.random.default_rng(7)
    act = (True, False, True)
    a, b, c = rng.normal(size=3), rng.normal(size=2), rng.normal(size=4)
    first = p.concatenate_p.vjp(act, None, a, b, c, axis=0)
    again = p.concatenate_p.vjp(act, None, rng.normal(size=3), rng.normal(size=2), rng.normal(size=4), axis=0)
    assert again is first  # the same lengths: the same regions, one pull-back
    other = p.concatenate_p.vjp(act, None, a, c, b, axis=0)  # other lengths: its own regions
    assert other is not first
    g = rng.normal(size=9)
    got, want = other(g), (g[:3], None, g[7:])
    assert np.array_equal(got[0], want[0]) and got[1] is None and np.array_equal(got[2], want[2])
    got = first(g)
    assert np.array_equal(got[0], g[:3]) and got[1] is None and np.array_equal(got[2], g[5:])
    rows = p.concatenate_p.vjp((True, True), None, rng.normal(size=(2, 3)), rng.normal(size=(1, 3)), axis=0)
    g2 = rng.normal(size=(3, 3))
    assert [r.tolist() for r in rows(g2)] == [g2[:2].tolist(), g2[2:].tolist()]
    # JAX operands are not keyed: each call makes its own, with the same cuts (other axes are
    # keyed too since issue 14's det work: tests/test_sct16_det_concatenate.py)
    ja = p.concatenate_p.vjp(act, None, jnp.asarray(a), jnp.asarray(b), jnp.asarray(c), axis=0)
    assert ja is not first and np.array_equal(np.asarray(ja(jnp.asarray(g))[2]), g[5:])


def test_stack_shares_a_pull_back_per_axis():
    rng = np.random.default_rng(8)
    xs = [rng.normal(size=(2, 3)) for _ in range(3)]
    one = p.stack_p.vjp((True,) * 3, None, *xs, axis=1)
    assert p.stack_p.vjp((True,) * 3, None, *xs, axis=1) is one
    g = rng.normal(size=(2, 3, 3))
    assert all(np.array_equal(v, g[:, i]) for i, v in enumerate(one(g)))
    last = p.stack_p.vjp((True,) * 3, None, *xs, axis=-1)  # a negative axis depends on the rank: not kept
    assert all(np.array_equal(v, g[:, :, i]) for i, v in enumerate(last(g)))
