"""logsumexp on a tape keeps the forward's exponentials (issue 14 item 5), with JAX's derivatives.

The overloading and elemental engines ask ``logsumexp_p.value_and_vjp``: on a NumPy array it
computes the value as the primitive does (the same numbers, bitwise) and keeps ``e = exp(x - m)``
and its sum s, so the pull-back is ``e * (g / s)``, with no exponential. Checked against JAX
(float64): axis and keepdims variants, magnitudes where the rule's own form switches, -inf, inf
and nan entries, boxes of an outer level (second order, both compositions), and that the
pull-back computes no exponential.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp
from adcompare import primitives as p
from adcompare.oracle import max_error

ENGINES = ("overloading", "elemental")
SHAPES = [((4, 5), None, False), ((4, 5), 1, True), ((4, 5), 0, False), ((2, 3, 4), (0, 2), True), ((6,), 0, False)]


def _weighted(name, w, axis, keepdims):
    """sum(logsumexp(x) * w) in the engine's source form, and JAX's."""
    if name == "elemental":
        ours = lambda x: el.sum(el.multiply(el.logsumexp(x, axis=axis, keepdims=keepdims), w))  # noqa: E731
    else:
        ours = lambda x: anp.sum(anp.logsumexp(x, axis=axis, keepdims=keepdims) * w)  # noqa: E731
    return ours, lambda x: jnp.sum(jsp.logsumexp(x, axis=axis, keepdims=keepdims) * w)


@pytest.mark.parametrize("shape, axis, keepdims", SHAPES)
def test_value_is_the_primitives_bitwise(shape, axis, keepdims):
    x = np.random.default_rng(0).normal(size=shape) * 30.0
    ans, _ = p.logsumexp_p.value_and_vjp((True,), x, axis=axis, keepdims=keepdims)
    expected = p.logsumexp_p(x, axis=axis, keepdims=keepdims)
    assert np.shape(ans) == np.shape(expected) and np.array_equal(ans, expected)


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("shape, axis, keepdims", SHAPES)
def test_gradient_as_jax_at_every_magnitude(name, shape, axis, keepdims):
    eng = ad.engine(name)
    for seed, scale in enumerate((1.0, 100.0, 1e4)):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=shape) * scale
        w = rng.normal(size=np.shape(jsp.logsumexp(x, axis=axis, keepdims=keepdims)))
        ours, theirs = _weighted(name, w, axis, keepdims)
        assert max_error(eng.grad(ours)(x), jax.grad(theirs)(jnp.asarray(x))) < 1e-13


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), inf - inf: NumPy's, as the values say
@pytest.mark.parametrize("name", ENGINES)
def test_non_finite_entries_as_jax(name):
    eng = ad.engine(name)
    ours, theirs = _weighted(name, np.ones(3), 1, False)
    for x in ([[-np.inf, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf], [0.0, 1.0, 2.0]],
              [[np.inf, 1.0, 2.0], [np.nan, 1.0, 0.0], [-np.inf, 3.0, 3.0]]):
        x = np.array(x)
        got, expected = eng.grad(ours)(x), np.asarray(jax.grad(theirs)(jnp.asarray(x)))
        assert np.array_equal(np.isnan(got), np.isnan(expected))
        assert max_error(np.nan_to_num(got), np.nan_to_num(expected)) < 1e-15


@pytest.mark.parametrize("name", ENGINES)
def test_second_order_as_jax(name):
    eng = ad.engine(name)
    for seed, (shape, axis, keepdims) in enumerate(SHAPES[:4]):
        rng = np.random.default_rng(seed)
        x, v = rng.normal(size=shape) * 3.0, rng.normal(size=shape)
        w = rng.normal(size=np.shape(jsp.logsumexp(x, axis=axis, keepdims=keepdims)))
        ours, theirs = _weighted(name, w, axis, keepdims)
        expected = jax.jvp(jax.grad(theirs), (jnp.asarray(x),), (jnp.asarray(v),))[1]
        assert max_error(eng.hvp(ours, (x,), (v,)), expected) < 1e-12
        assert max_error(eng.vjp(eng.grad(ours), x)[1](v)[0], expected) < 1e-12


@pytest.mark.parametrize("name", ENGINES)
def test_the_pull_back_computes_no_exponential(name, monkeypatch):
    x = np.random.default_rng(0).normal(size=(3, 4))
    ours, theirs = _weighted(name, np.ones(3), 1, False)
    _, pullback = ad.engine(name).vjp(ours, x)
    calls = []
    exp = np.exp
    monkeypatch.setattr(np, "exp", lambda *a, **k: calls.append(1) or exp(*a, **k))
    (got,) = pullback(1.0)
    assert not calls
    assert max_error(got, jax.grad(theirs)(jnp.asarray(x))) < 1e-15
