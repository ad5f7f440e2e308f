"""The NumPy fast paths of SCT's runtime helpers (issue 14 item 5): getitem's cotangent written
into fresh zeros or added in place (:func:`adcompare.primitives.index_add_into`, the view it adds
into), ``getitem_bar_into``, ``unbroadcast`` and ``add_bar``. Each case that takes a fast path and
each that misses it is compared against JAX's VJP of the same indexing, or the plain sum."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare.numpy as anp
from adcompare import primitives as p
from adcompare import rules
from adcompare.engines.sct import SCTEngine
from adcompare.engines.sct.emit import accumulate, runtime

TOL = 1e-13

# (shape of x, index): integers, slices (strided and reversed), a newaxis, an ellipsis, and
# integer arrays (with a repeat: np.add.at)
INDICES = [((5,), 2), ((5,), -1), ((5, 4), (1, 2)), ((5, 4), (slice(1, None), slice(1, None))),
           ((5, 4), (slice(None, None, 2), 3)), ((5, 4), slice(None, None, -1)), ((5, 4), (None, 2)),
           ((3, 4, 2), (Ellipsis, 1)), ((3, 4, 2), (Ellipsis, 1, 0)), ((5,), np.array([0, 2, 2])),
           ((5, 4), (np.array([1, 1]), slice(None))), ((5, 4), 1)]


def jax_bar(g, xshape, idx):
    """JAX's cotangent of x for y = x[idx] (the oracle)."""
    _, pull = jax.vjp(lambda x: x[idx], jnp.zeros(xshape))
    return np.asarray(pull(jnp.asarray(g))[0])


def cotangent(rng, xshape, idx, scalar: bool):
    ys = np.zeros(xshape)[idx].shape
    return np.float64(rng.normal()) if scalar and ys == () else rng.normal(size=ys)


@pytest.mark.parametrize("xshape, idx", INDICES)
@pytest.mark.parametrize("seed", [0, 1])
def test_index_add_fresh_and_in_place_match_jax(xshape, idx, seed):
    rng = np.random.default_rng(seed)
    for scalar in (True, False):
        g = cotangent(rng, xshape, idx, scalar)
        fresh = rules.getitem_vjp_numpy(g, idx, xshape)
        np.testing.assert_allclose(fresh, jax_bar(g, xshape, idx), rtol=TOL, atol=TOL)
        into = rng.normal(size=xshape)
        want = into + jax_bar(g, xshape, idx)
        out = rules.getitem_vjp_into(g, idx, into)
        assert out is into
        np.testing.assert_allclose(out, want, rtol=TOL, atol=TOL)


def test_a_number_added_over_a_region_in_place():
    into = np.zeros((4, 3))
    p.index_add_into(2.5, (slice(1, 3), slice(None)), into)
    want = np.zeros((4, 3))
    want[1:3] = 2.5
    np.testing.assert_array_equal(into, want)


def test_a_cotangent_of_another_shape_is_added_as_numpy_broadcasts_it():
    into = np.zeros((4, 3))
    g = np.arange(3.0)  # not the view's shape: NumPy's ``+=``, broadcasting
    p.index_add_into(g, slice(0, 2), into)
    np.testing.assert_array_equal(into, np.stack([g, g, np.zeros(3), np.zeros(3)]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_first_contribution_of_any_float_dtype(dtype):
    g = np.arange(1.0, 4.0, dtype=dtype)
    x = np.zeros((2, 3), dtype)
    out = accumulate.getitem_bar_into(g, runtime.shape_of(x), 1, 0.0)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.stack([np.zeros(3, dtype), g]))


def test_a_complex_cotangent_is_not_added_into_a_real_array_in_place():
    into = np.ones(3)
    out = accumulate.getitem_bar_into(np.array(2.0 + 1.0j), np.zeros(3), 1, into)
    assert out is not into and out.dtype == np.complex128
    np.testing.assert_array_equal(out, [1.0, 3.0 + 1.0j, 1.0])
    np.testing.assert_array_equal(into, np.ones(3))


def test_a_float32_accumulator_takes_a_float64_array_out_of_place():
    into = np.ones(3, np.float32)
    out = accumulate.getitem_bar_into(np.array([2.0]), np.zeros(3), slice(0, 1), into)
    assert out is not into and out.dtype == np.float64
    np.testing.assert_array_equal(out, [3.0, 1.0, 1.0])


def test_in_place_only_when_owned_for_array_cotangents():
    x = np.zeros((3, 3))
    held = np.ones((3, 3))
    other = held
    out = accumulate.getitem_bar_into(np.ones(2), x, (slice(1, None), 0), held)
    assert out is not held and other[1, 0] == 1.0 and out[1, 0] == 2.0
    owned = np.ones((3, 3))
    out = accumulate.getitem_bar_into(np.ones(2), x, (slice(1, None), 0), owned)
    assert out is owned and out[1, 0] == 2.0 and out[0, 0] == 1.0


@pytest.mark.parametrize("g, like", [
    (np.float64(2.0), runtime.shape_of(1.0)), (np.float64(2.0), np.array(3.0)), (np.float64(2.0), 1.0),
    (np.ones((2, 3)), runtime.shape_of(np.zeros((2, 3)))), (np.ones((2, 3)), np.zeros((1, 3))),
    (np.ones((2, 3)), np.array(1.0)), (np.ones((2, 3)), runtime.shape_of(1.0)), (np.ones((2, 3)), 1.0),
    (np.ones((2, 3)), np.zeros(3)), (np.ones((2, 3)), runtime.shape_of(np.zeros((2, 1))))])
def test_unbroadcast_sums_to_the_operands_shape(g, like):
    got = runtime.unbroadcast(g, like)
    want = rules.unbroadcast(g, np.shape(like) if not isinstance(like, runtime.Shaped) else like.shape)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)


def test_add_bar_of_the_placeholder_is_a_new_array():
    b = np.arange(3.0)
    out = runtime.add_bar(0.0, b)
    assert out is not b
    np.testing.assert_array_equal(out, b)
    assert runtime.add_bar(0.0, np.ones(2, np.float32)).dtype == np.float32  # the placeholder keeps the dtype


def minors(a):
    total = 0.0
    for j in range(a.shape[1]):
        total = total + a[0, j] * anp.sum(anp.concatenate([a[1:, :j], a[1:, j + 1:]], axis=1) ** 2)
    return total


def minors_jax(a):
    total = 0.0
    for j in range(a.shape[1]):
        total = total + a[0, j] * jnp.sum(jnp.concatenate([a[1:, :j], a[1:, j + 1:]], axis=1) ** 2)
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_program_that_accumulates_slices_and_elements_matches_jax(seed, dtype):
    a = np.random.default_rng(seed).normal(size=(4, 5)).astype(dtype)
    eng = SCTEngine()
    tol = 1e-5 if dtype == np.float32 else TOL
    for _ in range(2):
        got = eng.grad(minors)(a)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, jax.grad(minors_jax)(a), rtol=tol, atol=tol)
    y_bar = dtype(1.5)  # of the output's dtype, as JAX requires
    _, pull = eng.vjp(minors, a)
    np.testing.assert_allclose(pull(y_bar)[0], pull(y_bar)[0], rtol=0, atol=0)  # a second pull-back: the same
