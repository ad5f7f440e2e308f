"""The reductions' rules in their fast forms (issue 14 item 5), against their general forms and JAX.

* ``max`` / ``min``: on NumPy, where every reduced slice holds the result exactly once (no tie, no
  nan) and slices are long, the pull-back writes the cotangent at the result's positions and the
  JVP reads the tangent there (``rules.reductions._positions``). Everywhere else (ties, nan, short
  slices, JAX arrays, a non-finite cotangent or tangent) a mask and a count do it, the count only
  where some slice has a tie. Both forms give the same numbers, bitwise, and JAX's.
* ``logsumexp``: the pull-back is ``exp(x - ans)`` while every |ans| <= 64 and the max-shifted
  softmax beyond, where ``ans + log(n)`` rounds to ``ans`` (the weights kept at 1e20 and 1e76).
* ``mean``: the cotangent is divided before it is spread.

Second derivatives through each form (forward over reverse, reverse over reverse, on the
overloading engine, SCT over SCT and SCT on boxes) agree with JAX's.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp
from adcompare import primitives as p
from adcompare.rules import reductions as red

# (shape, axis, keepdims): slices long enough for the positions form, axes trailing or not
LONG = [((4, 40), 1, False), ((40, 4), 0, True), ((6, 20, 5), 1, False), ((6, 20, 5), (0, 2), True),
        ((6, 20, 5), None, False), ((3, 4, 33), -1, True), ((50,), 0, False)]
JAX_FN = {"max": jnp.max, "min": jnp.min}


def _x(shape, seed, dtype=np.float64):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _general(monkeypatch):
    """Turn the positions form off: every call takes the mask and the count."""
    monkeypatch.setattr(red, "_POSITIONS_MIN_SLICE", 10 ** 12)


def _rules(prim, x, axis, keepdims, g, t):
    ans = prim(x, axis=axis, keepdims=keepdims)
    return ans, prim.vjps[0](ans, x, axis=axis, keepdims=keepdims)(g), \
        prim.jvps[0](t, ans, x, axis=axis, keepdims=keepdims)


def _jax(name, x, axis, keepdims, g, t):
    fn = lambda v: JAX_FN[name](v, axis=axis, keepdims=keepdims)  # noqa: E731
    bar = jax.vjp(fn, jnp.asarray(x))[1](jnp.asarray(g))[0]
    return bar, jax.jvp(fn, (jnp.asarray(x),), (jnp.asarray(t),))[1]


def _equal(a, b) -> bool:
    """Same shape, dtype and values (nan where nan; -0.0 equals 0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=True))


@pytest.mark.parametrize("shape, axis, keepdims", LONG)
def test_positions_form_fires_on_long_slices_without_ties(shape, axis, keepdims):
    x = _x(shape, 0)
    for prim in (p.max_p, p.min_p):
        idx = red._positions(prim(x, axis=axis), x, axis)
        assert idx is not None and len(idx) == x.ndim
        assert np.array_equal(x[idx], np.ravel(prim(x, axis=axis)))  # in the result's order


def test_positions_form_does_not_fire_where_it_may_not():
    x = _x((4, 40), 1)
    tied = x.copy()
    tied[2, 7] = tied[2, 30] = tied[2].max() + 1.0
    nan = x.copy()
    nan[1, 3] = np.nan
    for value, axis in [(tied, 1), (nan, 1), (x, 0), (x.T, 1), (jnp.asarray(x), 1), (_x((3, 5), 2), None)]:
        assert red._positions(p.max_p(value, axis=axis), value, axis) is None, (value, axis)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("shape, axis, keepdims", LONG)
def test_positions_form_matches_the_mask_form_and_jax(name, shape, axis, keepdims, monkeypatch):
    prim = getattr(p, f"{name}_p")
    for seed in range(3):
        for dtype in (np.float64, np.float32):
            x = _x(shape, seed, dtype)
            rng = np.random.default_rng(50 + seed)
            g = rng.normal(size=np.shape(prim(x, axis=axis, keepdims=keepdims))).astype(dtype)
            t = rng.normal(size=shape).astype(dtype)
            fast = _rules(prim, x, axis, keepdims, g, t)
            bar_jax, dot_jax = _jax(name, x, axis, keepdims, g, t)
            with monkeypatch.context() as m:
                _general(m)
                general = _rules(prim, x, axis, keepdims, g, t)
            assert _equal(fast[1], general[1]) and _equal(fast[2], general[2])
            assert _equal(fast[1], bar_jax) and _equal(fast[2], dot_jax)


@pytest.mark.parametrize("name", ["max", "min"])
def test_ties_nan_and_short_slices_as_jax(name):
    prim = getattr(p, f"{name}_p")
    x = _x((5, 40), 3)
    best = x.max(axis=1) if name == "max" else x.min(axis=1)
    x[0, [3, 17, 39]] = best[0]  # a three-way tie
    x[1, [0, 1]] = best[1]
    x[4, 8] = np.nan
    for value, axis in [(x, 1), (x, None), (x, 0), (x[:, :3], 1)]:
        for keepdims in (False, True):
            ans = prim(value, axis=axis, keepdims=keepdims)
            g = np.linspace(-1.0, 2.0, np.size(ans)).reshape(np.shape(ans))
            t = np.linspace(0.5, 1.5, value.size).reshape(value.shape)
            got = _rules(prim, value, axis, keepdims, g, t)
            want = _jax(name, value, axis, keepdims, g, t)
            assert _equal(got[1], want[0]), (axis, keepdims)
            # a tie's tangents are summed, in an order of its own: to within an ulp or two
            assert np.asarray(got[2]).shape == want[1].shape
            assert np.allclose(got[2], want[1], rtol=1e-15, atol=0, equal_nan=True), (axis, keepdims)


@pytest.mark.parametrize("name", ["max", "min"])
def test_non_finite_cotangent_and_tangent_as_jax(name, monkeypatch):
    """JAX's pull-back multiplies by the mask (inf * 0 = nan beside the result); the positions form
    hands such a cotangent to the mask form. JAX's JVP selects (an inf tangent beside the result
    does not reach it), as both forms do."""
    prim = getattr(p, f"{name}_p")
    x = _x((3, 40), 4)
    assert red._positions(prim(x, axis=1), x, 1) is not None
    g = np.array([np.inf, -1.0, np.nan])
    t = _x((3, 40), 5)
    t[1, 0 if np.argmax(x[1]) else 1] = np.inf  # at a position that does not hold the result
    t[2, 0 if np.argmin(x[2]) else 1] = np.nan
    got = _rules(prim, x, 1, False, g, t)
    want = _jax(name, x, 1, False, g, t)
    with monkeypatch.context() as m:
        _general(m)
        general = _rules(prim, x, 1, False, g, t)
    assert np.isnan(np.asarray(want[0])).any() and np.isfinite(np.asarray(want[1])).all()
    for ours in (got, general):
        assert _equal(ours[1], want[0]) and _equal(ours[2], want[1])


def _program(x):
    return anp.sum(anp.max(x, axis=1) ** 2) + anp.sum(anp.min(x * x, axis=(0, 2)) ** 3) \
        + anp.max(anp.sin(x))


def _program_jax(x):
    return jnp.sum(jnp.max(x, axis=1) ** 2) + jnp.sum(jnp.min(x * x, axis=(0, 2)) ** 3) + jnp.max(jnp.sin(x))


ENGINES = [("overloading", {}), ("sct", {}), ("sct", {"higher": "boxes"})]


@pytest.mark.parametrize("name, options", ENGINES)
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_second_order_through_max_and_min_as_jax(name, options, backend):
    eng = ad.engine(name, **options)
    # The kept positions fire on NumPy only (slices of 16 or more); on JAX a small input covers the
    # mask form, and keeps JAX's eager Hessian (one column per element) short.
    shape = (4, 16, 4) if backend == "numpy" else (3, 8, 3)
    for seed in range(2):
        x = _x(shape, seed)
        if seed == 1:
            x[2, 4, :] = x[2, 7, :] = x[2].max() + 0.5  # ties along axis 1 in every column of block 2
        xb = x if backend == "numpy" else jnp.asarray(x)
        want = np.asarray(jax.hessian(_program_jax)(jnp.asarray(x)))
        assert np.allclose(eng.grad(_program)(xb), jax.grad(_program_jax)(jnp.asarray(x)), rtol=1e-13, atol=1e-14)
        for mode in ("fwd-rev", "rev-rev"):
            got = np.asarray(eng.hessian(_program, mode=mode)(xb))
            assert np.allclose(got, want, rtol=1e-12, atol=1e-13), (mode, seed)


# --------------------------------------------------------------------------
# logsumexp


SCALES = [0.0, 1.0, 30.0, 63.0, 70.0, 1e3, 1e20, 1e76, -1e76]


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("axis, keepdims", [(None, False), (1, False), (0, True), ((0, 1), True)])
def test_logsumexp_rules_at_every_magnitude_as_jax(scale, axis, keepdims):
    """exp(x - ans) below |ans| = 64, the max-shifted softmax above; both JAX's numbers."""
    for seed in range(3):
        rng = np.random.default_rng(seed)
        x = scale + rng.normal(size=(3, 40))
        ans = p.logsumexp_p(x, axis=axis, keepdims=keepdims)
        g = rng.normal(size=np.shape(ans))
        t = rng.normal(size=x.shape)
        fn = lambda v: jsp.logsumexp(v, axis=axis, keepdims=keepdims)  # noqa: E731
        bar = p.logsumexp_p.vjps[0](ans, x, axis=axis, keepdims=keepdims)(g)
        dot = p.logsumexp_p.jvps[0](t, ans, x, axis=axis, keepdims=keepdims)
        bar_jax = jax.vjp(fn, jnp.asarray(x))[1](jnp.asarray(g))[0]
        dot_jax = jax.jvp(fn, (jnp.asarray(x),), (jnp.asarray(t),))[1]
        assert np.shape(bar) == x.shape and np.shape(dot) == np.shape(ans)
        assert np.allclose(bar, bar_jax, rtol=1e-12, atol=1e-300)
        assert np.allclose(dot, dot_jax, rtol=1e-12, atol=1e-14 * np.max(np.abs(t)))


def test_logsumexp_forms_agree_where_both_are_exact(monkeypatch):
    """Below the bound the exp(x - ans) form and the max-shifted form agree to a few ulps."""
    for scale in (0.0, 10.0, 60.0, -60.0):
        x = scale + _x((4, 50), 7)
        for axis in (None, 1):
            ans = p.logsumexp_p(x, axis=axis)
            g = np.ones(np.shape(ans))
            fast = p.logsumexp_p.vjps[0](ans, x, axis=axis)(g)
            with monkeypatch.context() as m:
                m.setattr(red, "_ANS_EXACT", -1.0)
                exact = p.logsumexp_p.vjps[0](ans, x, axis=axis)(g)
            assert np.allclose(fast, exact, rtol=2 ** -46, atol=0)


def test_logsumexp_keeps_its_weights_under_jit():
    """Under jit nothing is concrete: the max-shifted form, which holds at any magnitude."""
    eng = ad.engine("overloading")
    x = jnp.asarray(1e76 + np.array([0.0, 0.5, -0.25]))
    got = jax.jit(eng.grad(anp.logsumexp))(x)
    assert np.allclose(got, jax.grad(jsp.logsumexp)(x), rtol=1e-12)
    assert np.allclose(got, 1 / 3, rtol=1e-12)


def _lse_program(x):
    return anp.sum(anp.logsumexp(x * x, axis=1) ** 2) + anp.logsumexp(anp.sin(x))


def _lse_program_jax(x):
    return jnp.sum(jsp.logsumexp(x * x, axis=1) ** 2) + jsp.logsumexp(jnp.sin(x))


@pytest.mark.parametrize("name, options", ENGINES)
@pytest.mark.parametrize("scale", [1.0, 9.0])
def test_second_order_through_logsumexp_as_jax(name, options, scale):
    """scale 9: some |ans| above 64 (x * x reaches 81 and beyond), so both forms are differentiated."""
    eng = ad.engine(name, **options)
    for seed in range(2):
        x = scale * _x((3, 20), seed)
        want = np.asarray(jax.hessian(_lse_program_jax)(jnp.asarray(x)))
        for mode in ("fwd-rev", "rev-rev"):
            got = np.asarray(eng.hessian(_lse_program, mode=mode)(x))
            assert np.allclose(got, want, rtol=1e-11, atol=1e-11 * np.max(np.abs(want))), (mode, seed)


# --------------------------------------------------------------------------
# mean


@pytest.mark.parametrize("g, shape, axis, keepdims", [
    (1.0, (3, 4), None, False), (np.float32(2.0), (3, 4), None, False), (np.arange(4.0), (3, 4), 0, False),
    (np.ones((3, 1), np.float32), (3, 4), 1, True), (np.arange(6.0).reshape(2, 3), (2, 70, 3), 1, False),
    (np.array([1 + 2j, 3 - 1j]), (2, 5), 1, False)])
def test_mean_pull_back_as_jax(g, shape, axis, keepdims):
    dtype = np.result_type(g)
    x = _x(shape, 0).astype(dtype if dtype.kind in "fc" else np.float64)
    ans = p.mean_p(x, axis=axis, keepdims=keepdims)
    bar = p.mean_p.vjps[0](ans, x, axis=axis, keepdims=keepdims)(g)
    want = jax.vjp(lambda v: jnp.mean(v, axis=axis, keepdims=keepdims), jnp.asarray(x))[1](jnp.asarray(g))[0]
    assert np.shape(bar) == shape and np.asarray(bar).dtype == want.dtype
    assert np.allclose(bar, want, rtol=1e-15, atol=0)
