"""getitem's NumPy pull-backs take cheaper routes with the same values (issue 14 item 5, det).

``index_add_numpy`` (index_add's NumPy implementation: getitem's first contribution, fresh zeros
with ``g`` written at ``idx``) tells basic from advanced indexing by what the zeros give for ``idx``
(a view, one element, or a copy for integer and boolean arrays) instead of walking ``idx``, and
takes float64 numbers without ``result_dtype``; ``rules.getitem_vjp_into`` adds a non-contiguous
view that is a line (one axis longer than 1: a minor's column) as its 1-D view instead of by copies.

Checked: each route against JAX's ``.at[idx].add`` and bitwise against NumPy's own in-place sum
(``primitives.index_add_into``), for integer tuples with negative indices, basic slices with steps,
``None`` and ``Ellipsis``, 0-d and repeated integer arrays (repeats still accumulate), boolean masks,
numbers and arrays of several dtypes; lines of every orientation with strided cotangents, and the
cotangents that do not fit a line still raise; that nothing written through a fast path aliases
the cotangent or a value the user holds; and SCT's and the overloading engine's first and second
derivatives through these reads against JAX. Which route is taken is checked without timing:
``_basic`` and ``result_dtype`` are not called, and a line is summed without a copy of its size.
"""

from __future__ import annotations

import tracemalloc

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare import rules
from adcompare.primitives import shapes as ps
from adcompare.workloads import get

S = slice
# (shape of x, idx): every kind of index getitem's pull-back meets
INDICES = [
    ((5, 4), (0, 3)),
    ((5, 4), (-1, -2)),  # negative integers
    ((4,), -3),
    ((1, 1), (0, 0)),  # det's 1x1 minors
    ((5, 4), (S(1, None), S(None, 2))),
    ((5, 4), (S(None, None, -2), S(3, 0, -1))),  # negative steps
    ((5, 4), (Ellipsis, -1)),
    ((5, 4), (None, S(1, 3))),
    ((2, 3, 4), (1, Ellipsis, S(1, None, 2))),
    ((5, 4), (np.array([0, 2, 0, 0]),)),  # repeats: each one adds
    ((5, 4), (np.array([-1, 1, -1]), np.array([3, 0, 3]))),  # repeated pairs, negative
    ((5, 4), (S(1, 4), np.array([2, 2]))),  # basic and advanced mixed
    ((5, 4), (np.array(2), np.array(-1))),  # 0-d integer arrays: one element
    ((6,), np.array([True, False, True, True, False, False])),  # a boolean mask
    ((3, 4), (np.array([[True, False, True, False]] * 3),)),
    ((4,), ()),
]


def _jax_add(g, shape, idx, dtype):
    return np.asarray(jnp.zeros(shape, dtype).at[idx].add(jnp.asarray(g, dtype)))


def _cotangents(rng, vshape, dtype):
    """Cotangents for a read of shape ``vshape``: an array, and for one element numbers too."""
    g = rng.normal(size=vshape)
    if np.issubdtype(dtype, np.complexfloating):
        g = g + 1j * rng.normal(size=vshape)
    out = [np.asarray(g).astype(dtype)]
    if vshape == ():
        out += [dtype(g)] + ([float(g)] if dtype is np.float64 else [])
    return out


@pytest.mark.parametrize("xshape, idx", INDICES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_first_contribution_matches_jax_and_numpys_sum(xshape, idx, dtype):
    for seed in (0, 1, 2):
        rng = np.random.default_rng(seed)
        gs = _cotangents(rng, np.zeros(xshape)[idx].shape, dtype)
        if seed == 0 and dtype is not np.float32:  # the oracle once (the numbers are the array's value);
            want = _jax_add(gs[0], xshape, idx, dtype)  # every seed and dtype against NumPy's own sum
            np.testing.assert_allclose(rules.getitem_vjp_numpy(gs[0], idx, xshape), want, rtol=1e-14, atol=1e-14)
        for g in gs:
            got = rules.getitem_vjp_numpy(g, idx, xshape)
            assert got.shape == xshape and got.dtype == dtype
            np.testing.assert_array_equal(got, p.index_add_into(g, idx, np.zeros(xshape, dtype)))
            np.testing.assert_array_equal(got, rules.getitem_vjp_numpy(gs[0], idx, xshape))
            # through the primitive (the engines' route, boxes aside), the same value
            np.testing.assert_array_equal(p.index_add_p(g, idx=idx, shape=xshape), got)


@pytest.mark.parametrize("xshape, idx", INDICES)
def test_accumulating_matches_jax_and_numpys_sum(xshape, idx):
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        start = rng.normal(size=xshape)
        for g in _cotangents(rng, np.zeros(xshape)[idx].shape, np.float64):
            fast, general = start.copy(), start.copy()
            assert rules.getitem_vjp_into(g, idx, fast) is fast
            p.index_add_into(g, idx, general)
            np.testing.assert_array_equal(fast, general)
            if seed == 0:
                np.testing.assert_allclose(fast, start + _jax_add(g, xshape, idx, np.float64), rtol=1e-14, atol=1e-14)


def test_repeated_indices_accumulate_from_zeros_and_into_a_buffer():
    g = np.array([1.0, 2.0, 4.0, 8.0])
    idx = (np.array([1, 1, 3, 1]),)
    np.testing.assert_array_equal(rules.getitem_vjp_numpy(g, idx, (5,)), [0.0, 11.0, 0.0, 4.0, 0.0])
    into = np.ones(5)
    rules.getitem_vjp_into(g, idx, into)
    np.testing.assert_array_equal(into, [1.0, 12.0, 1.0, 5.0, 1.0])
    # one number at a repeated index: added once per repeat, as JAX does
    np.testing.assert_array_equal(rules.getitem_vjp_numpy(2.5, idx, (5,)), _jax_add(2.5, (5,), idx, np.float64))


LINES = [  # (shape of into, idx): non-contiguous views with one axis longer than 1
    ((3, 3), (S(1, None), S(None, 1))),  # a minor's column
    ((6, 6), (S(1, None), S(4, 5))),
    ((5, 4), (S(None, None, 2), S(2, 3))),  # a stepped column
    ((4, 5), (S(1, 2), S(None, None, 2))),  # a stepped row, 2-D
    ((3, 4, 5), (S(1, 2), S(None), S(3, 4))),  # 3-D: the middle axis
    ((6, 5), (S(5, 0, -2), S(-2, -1))),  # negative steps
]


@pytest.mark.parametrize("xshape, idx", LINES)
@pytest.mark.parametrize("how", ["same", "strided", "reversed"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_lines_take_numpys_sums_and_jaxs(xshape, idx, how, dtype):
    for seed in (0, 1, 2):
        rng = np.random.default_rng(seed)
        start = rng.normal(size=xshape).astype(dtype)
        vshape = np.zeros(xshape)[idx].shape
        assert not np.zeros(xshape)[idx].flags.c_contiguous and max(vshape) == np.prod(vshape) > 1
        big = rng.normal(size=tuple(3 * d for d in vshape)).astype(dtype)
        g = {"same": big[tuple(S(0, d) for d in vshape)].copy(),
             "strided": big[tuple(S(0, 3 * d, 3) for d in vshape)],
             "reversed": big[tuple(S(d - 1, None, -1) for d in vshape)]}[how]
        keep = g.copy()
        fast, general = start.copy(), start.copy()
        assert rules.getitem_vjp_into(g, idx, fast) is fast
        p.index_add_into(g, idx, general)
        np.testing.assert_array_equal(fast, general)
        if seed == 0:
            tol = 1e-5 if dtype is np.float32 else 1e-14
            np.testing.assert_allclose(fast, start + _jax_add(g, xshape, idx, dtype), rtol=tol, atol=tol)
        np.testing.assert_array_equal(g, keep)  # the cotangent is read, never written


@pytest.mark.parametrize("g", [np.ones((1, 2)), np.ones((2,)), np.ones((1, 2, 1)), np.ones((2, 1, 1))])
def test_a_cotangent_that_does_not_fit_a_line_raises_as_numpy_does(g):
    idx = (S(1, None), S(None, 1))  # a (2, 1) column of a (3, 3)
    want = np.zeros((3, 3))
    try:
        want[idx] += g
    except ValueError:
        into = np.zeros((3, 3))
        with pytest.raises(ValueError):
            rules.getitem_vjp_into(g, idx, into)
        np.testing.assert_array_equal(into, np.zeros((3, 3)))
        return
    into = np.zeros((3, 3))
    rules.getitem_vjp_into(g, idx, into)
    np.testing.assert_array_equal(into, want)


@pytest.mark.parametrize("g", [np.ones(1), 2.5, np.ones((1, 1))])
def test_a_broadcast_cotangent_into_a_line_adds_everywhere(g):
    idx = (S(1, None), S(None, 1))
    into = np.zeros((4, 3))
    rules.getitem_vjp_into(g, idx, into)
    want = np.zeros((4, 3))
    want[idx] += g
    np.testing.assert_array_equal(into, want)


def test_a_read_only_buffer_is_left_unwritten_on_the_line_route():
    ro = np.ones((3, 3))
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        rules.getitem_vjp_into(np.full((2, 1), 2.0), (S(1, None), S(None, 1)), ro)
    np.testing.assert_array_equal(ro, np.ones((3, 3)))


def test_fresh_zeros_never_alias_the_cotangent():
    for idx, g in [((S(1, None), S(1, None)), np.arange(4.0).reshape(2, 2)), ((0, 1), np.float64(3.0)),
                   ((S(None),), np.arange(3.0).reshape(3, 1)[:, 0])]:
        shape = (3, 3) if idx != (S(None),) else (3,)
        keep = np.copy(g)
        out = rules.getitem_vjp_numpy(g, idx, shape)
        assert not np.shares_memory(out, g)
        out += 100.0  # a later contribution added into the buffer in place
        np.testing.assert_array_equal(g, keep)


def test_routes_by_what_the_index_gives_not_by_walking_it(monkeypatch):
    """float64 numbers skip ``result_dtype`` (~0.5 us) and no index is walked by ``_basic``."""
    def refuse(*args):
        raise AssertionError("walked")
    monkeypatch.setattr(ps, "_basic", refuse)
    monkeypatch.setattr(ps, "result_dtype", refuse)
    for g, idx in [(1.5, (0, 2)), (np.float64(-2.0), (-1, 0)), (np.ones((2, 2)), (S(1, None), S(None, 2))),
                   (np.ones(3), (np.array([0, 0, 1]), 1))]:
        got = ps.index_add_numpy(g, idx, (3, 3))
        np.testing.assert_array_equal(got, _jax_add(g, (3, 3), idx, np.float64))


def test_a_line_is_summed_in_place_without_a_copy_of_its_size():
    """A column of 2,000 float64 (16 kB) of a (2001, 3): the copy route allocated 16 kB or more."""
    into = np.zeros((2001, 3))
    g = np.arange(4000.0).reshape(2000, 2)[:, :1]  # a strided column, as a concatenation's cut
    idx = (S(1, None), S(1, 2))
    rules.getitem_vjp_into(g, idx, into)  # warm
    tracemalloc.start()
    try:
        rules.getitem_vjp_into(g, idx, into)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8000
    np.testing.assert_array_equal(into[1:, 1], 2 * g[:, 0])
    assert not into[:, 0].any() and not into[0].any() and not into[:, 2].any()


def _minor_sums(a):
    """Reads of every kind det makes (scalars, columns, blocks, concatenations), and repeats."""
    total = a[0, 0] * a[-1, -1]
    for j in range(a.shape[1]):
        m = anp.concatenate([a[1:, :j], a[1:, j + 1:]], axis=1)
        total = total + a[0, j] * anp.sum(anp.sin(m)) + anp.sum(a[1:, j:j + 1] * a[1:, -1:])
    return total + anp.sum(a[np.array([0, 2, 0]), np.array([1, 1, 1])] ** 2)


_det3 = get("det").natural


@pytest.mark.parametrize("fn", [_minor_sums, _det3])
def test_gradients_and_hessians_through_the_fast_paths_match_jax(fn):
    grad_oracle, hess_oracle = jax.jit(jax.grad(fn)), jax.jit(jax.hessian(fn))
    engines = [ad.engine("sct"), ad.engine("overloading")]
    seconds = [ad.engine("sct", higher="sct"), ad.engine("overloading")]
    for seed in (0, 1, 2):
        a = np.random.default_rng(seed).normal(size=(3, 3))
        keep = a.copy()
        want = np.asarray(grad_oracle(jnp.asarray(a)))
        for eng in engines:
            got = eng.grad(fn)(a)
            np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)
            assert not np.shares_memory(got, a)
        want_h = np.asarray(hess_oracle(jnp.asarray(a)))
        for eng in seconds:
            np.testing.assert_allclose(eng.hessian(fn)(a), want_h, rtol=1e-10, atol=1e-11)
        np.testing.assert_array_equal(a, keep)  # the user's input is never written


def test_a_cotangent_the_user_holds_is_left_alone():
    def f(x):
        return anp.concatenate([x[1:, :1], x[1:, 2:]], axis=1) * x[0, 1]

    x = np.random.default_rng(4).normal(size=(3, 3))
    ct = np.random.default_rng(5).normal(size=(2, 2))
    keep = ct.copy()
    want = jax.vjp(f, jnp.asarray(x))[1](jnp.asarray(ct))[0]
    for eng in (ad.engine("sct"), ad.engine("overloading")):
        _, pull = eng.vjp(f, x)
        first = pull(ct)[0]
        np.testing.assert_allclose(first, want, rtol=1e-12, atol=1e-13)
        np.testing.assert_array_equal(ct, keep)
        again = pull(ct)[0]  # a second pull-back: nothing left over from the first
        np.testing.assert_array_equal(again, first)
        assert not np.shares_memory(first, again) and not np.shares_memory(first, ct)
