"""Adversarial review of SCT's symbolic lengths (analysis/lengths.py, emit/specialize.by_lengths).

Programs where a proof of equal shapes could be wrong: length-1 pieces that broadcast against
length-n values (``y * x[:1]``, where n may be 1 at run time), slices with negative or
out-of-range bounds on arrays of 0, 1, 2 and 5 elements, a callee that returns a slice on one
branch and its argument on the other, a parameter sliced before the loop, the same array passed
twice, a callee called by keyword and another through a callee, an integer index from ``range``,
numbers that are Python floats, NumPy scalars or 0-d arrays. Each is checked against JAX (float64,
several seeds) on every size, and the path taken is checked where it matters: the specialization
only where what its proof assumed holds (its guard), the general sweeps elsewhere.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare.engines.sct import transform
from adcompare.engines.sct.emit.specialize import Specialized

jax.config.update("jax_enable_x64", True)
SCT = ad.engine("sct")
SIZES = (0, 1, 2, 5)


def head_broadcast(y, x):
    for _ in range(2):
        y = y * x[:1] + x[0:1] * anp.sin(y)  # x[:1]: length 1 against len(y), which may be 1 too
    return anp.sum(y * y)


def branchy(y, c):
    if c > 0:
        return y[:1]
    return y


def by_branches(y, w):
    for _ in range(3):
        y = y * w + 0.5 * branchy(y, 1.0)  # len(y) or 1: one shape only where len(y) == 1
    return anp.sum(y * y)


def bounds(y, w):
    for _ in range(2):
        y = y * w + anp.concatenate([y[-3:], y[:-3]]) + anp.concatenate([y[5:], y[:5]])
    return anp.sum(y * y)


def sliced_first(y, x):
    x = x[:1]  # the parameter bound again: len(x) on entry, then 1
    for _ in range(2):
        y = y * x + y
    return anp.sum(y * y)


def scaled(a, *, s):
    return a[:-1] * s


def tail(a):
    return a[1:]


def nested(a, b):
    return scaled(tail(a), s=0.5) * b[:1]


def by_callees(y, w):
    for _ in range(2):
        y = anp.concatenate([y[:2], nested(y, w)]) * w + y
    return anp.sum(y * y)


def indexed(y, w):
    for i in range(len(y) - 1):
        y = y * w[i] + w[i:i + 1] * y  # w[i:i + 1] is no literal slice: nothing proven of it
    return anp.sum(y * y)


def grown(y, w):
    for _ in range(2):
        y = anp.concatenate([y, y[:1]]) * w  # a length that changes from trip to trip
    return anp.sum(y * y)


def _which(f, args, argnums):
    """The specialization the forward sweep took (its index), or None for the general sweeps."""
    entry = transform.transform(f, "reverse", argnums, len(args))
    res = entry.functions["fwd"](*args)[1]
    return res[0] if type(res) is Specialized else None


def _lengths_guard(f, argnums):
    return "lengths(" in SCT.source(f, "reverse", argnums=argnums).split("\n")[1]


def _agree(f, args, argnums=(0, 1)):
    """SCT's gradient against JAX's (an error where JAX's is one); the path taken."""
    try:
        want = jax.grad(f, argnums=argnums)(*[jnp.asarray(a) for a in args])
    except (TypeError, ValueError, IndexError):
        with pytest.raises((TypeError, ValueError, IndexError)):
            SCT.grad(f, argnums=argnums)(*args)
        return "error"
    got = SCT.grad(f, argnums=argnums)(*args)
    for a, b in zip(got, want):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-10, atol=1e-10)
    return _which(f, args, argnums)


def _inputs(seed, n, m):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n) * 0.5, rng.uniform(0.5, 1.0, m)


@pytest.mark.parametrize("seed", (0,))
def test_length_one_pieces_broadcast(seed):
    assert _lengths_guard(head_broadcast, (0, 1))
    for n in SIZES:
        for m in sorted({0, 1, n}):
            path = _agree(head_broadcast, _inputs(seed, n, m))
            assert (path == 0) == (m >= 1)  # whatever len(y): x[:1] and x[0:1] have length 1 (given len(x) >= 1)
    bwd = SCT.source(head_broadcast, "reverse", argnums=(0, 1)).split("def head_broadcast_bwd_2")[1]
    assert "unbroadcast(" in bwd.split("\ndef ")[0]  # x[:1]'s cotangent still summed down to length 1


@pytest.mark.parametrize("seed", (0,))
def test_callee_of_two_shapes(seed):
    for n in SIZES:
        y, w = _inputs(seed, n, n)
        for w_ in (w, 0.7):  # w read only elementwise: assumed a number
            path = _agree(by_branches, (y, w_), (0,))
            assert (path == 0) == (n == 1 and type(w_) is float)  # the proof assumed len(y) == 1


@pytest.mark.parametrize("seed", (0,))
def test_slice_bounds_beyond_the_length(seed):
    for n in (0, 1, 2, 3, 5, 6):
        y, w = _inputs(seed, n, n)
        for w_ in (w, np.float64(0.7)):
            path = _agree(bounds, (y, w_), (0,))
            assert (path == 0) == (n >= 5 and np.ndim(w_) == 0)  # y[5:] and y[-3:] as assumed only there


@pytest.mark.parametrize("seed", (0, 1))
def test_parameter_sliced_before_the_loop(seed):
    for n in SIZES:
        for m in sorted({1, 2, n} - {0}):
            path = _agree(sliced_first, _inputs(seed, n, m))
            assert (path == 0) == (m == 1)  # assumed len(x) == 1 on entry
    y, _ = _inputs(seed, 5, 5)
    got = SCT.grad(lambda y: sliced_first(y, y))(y)  # the same array twice
    np.testing.assert_allclose(got, jax.grad(lambda y: sliced_first(y, y))(jnp.asarray(y)), rtol=1e-10)


@pytest.mark.parametrize("seed", (0, 1))
def test_callees_by_keyword_and_through_callees(seed):
    assert _lengths_guard(by_callees, (0, 1))
    for n in SIZES:
        for m in sorted({1, 2, n} - {0}):
            path = _agree(by_callees, _inputs(seed, n, m))
            assert (path == 0) == (n == m >= 2)  # len(y) - 2 + 2 == len(y) == len(w), len(y) >= 2


@pytest.mark.parametrize("seed", (0,))
def test_numbers_and_zero_d_arrays(seed):
    for n in (1, 5):
        y, w = _inputs(seed, n, 1)
        for w_ in (w, w[0], float(w[0]), w.reshape(())):
            _agree(head_broadcast, (y, np.atleast_1d(w_)))
            _agree(by_branches, (y, w_), (0, 1) if np.ndim(w_) == 0 and n == 1 else (0,))
    assert _agree(head_broadcast, (np.float64(0.5).reshape(()), np.ones(2))) in (None, "error")  # y 0-d


@pytest.mark.parametrize("seed", (0,))
def test_index_from_range_and_growing_lengths(seed):
    for n in SIZES:
        y, w = _inputs(seed, n, n)
        assert _agree(indexed, (y, w)) in (None, 0, "error")
        _agree(grown, (y, 0.7), (0,))
    assert not _lengths_guard(grown, (0,))  # len(y) + 1, + 2: never one shape


def test_second_order_through_the_specialization():
    y, w = _inputs(3, 4, 4)
    got = ad.engine("sct", higher="sct").hessian(by_callees, argnums=0)(y, w)
    want = jax.hessian(by_callees, argnums=0)(jnp.asarray(y), jnp.asarray(w))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
