"""Probe 11 (review of this stop's vocabulary): float32 inputs of ``histogram``, ``gradient``, ``polyder`` and
``polyint`` keep float32, as JAX's.

Each mixed a float64 NumPy constant into a float32 computation, and NumPy promoted the result to float64:
``histogram``'s bin steps (its edges, its weighted counts and density), ``gradient``'s spacing made an array from
a Python number (the default 1.0 too), ``polyder``'s falling factorials and ``polyint``'s divisors and default
constant ``k = 0.0``; on every engine, with no error (and ``vjp`` then refused a float32 cotangent). The constants
are now in the input's float dtype (float64 for an integer input, as JAX's), and a Python number (``range``'s
ends, a spacing, ``k``) is weak. Checked against JAX (float32 with its own tolerance), several seeds: the dtype,
the value and the VJP on overloading and SCT.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def histogram_weighted(np_):
    def f(a, w):
        counts, edges = np_.histogram(a, bins=4, weights=w, density=True)
        return counts * edges[1:]
    return f


def histogram_range(np_):
    def f(a, w):
        return np_.histogram(a, bins=3, range=(-1, 1.5), weights=w)[0] * w[:3]
    return f


def gradient_spacings(np_):
    def f(a, w):
        return np_.gradient(a, 0.5) + np_.gradient(w) + np_.polyder(a, 2)[:1] * np_.polyint(w, 2, k=1.5)[-1]
    return f


def integral_default(np_):
    def f(a, w):
        return np_.polyint(a) + np_.polyder(np_.polyint(w, 2))[-1]
    return f


def weighted_fit(np_):  # vander's float64 powers (test_probe11_review3_vander.py)
    def f(a, w):
        return np_.polyfit(a, w, 2, w=w) + np_.sum(np_.vander(a, 3, increasing=True), axis=0)
    return f


@pytest.mark.parametrize("case", [histogram_weighted, histogram_range, gradient_spacings, integral_default,
                                  weighted_fit])
@pytest.mark.parametrize("engine", ["overloading", "sct"])
def test_float32_stays_float32_as_jax(case, engine):
    f, f_jax = case(anp), case(jnp)
    for seed in range(2):
        rng = np.random.default_rng(seed)
        a, w = rng.normal(size=6).astype(np.float32), rng.uniform(0.5, 2.0, size=6).astype(np.float32)
        y_jax, pullback_jax = jax.vjp(f_jax, jnp.asarray(a), jnp.asarray(w))
        assert y_jax.dtype == np.float32
        y, pullback = ad.engine(engine).vjp(f, a, w)
        assert np.result_type(y) == np.float32
        np.testing.assert_allclose(y, y_jax, rtol=2e-5, atol=1e-6)
        g = rng.normal(size=y_jax.shape).astype(np.float32)
        for ours, theirs in zip(pullback(g), pullback_jax(jnp.asarray(g))):
            assert np.result_type(ours) == np.float32
            np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_integer_inputs_are_float64_as_jax():
    ints = np.array([3, 1, 4, 1, 5])
    for ours, theirs in [(anp.histogram(ints, 3)[1], jnp.histogram(ints, 3)[1]),
                         (anp.gradient(ints), jnp.gradient(ints)), (anp.polyder(ints), jnp.polyder(ints)),
                         (anp.polyint(ints), jnp.polyint(ints))]:
        assert np.result_type(ours) == theirs.dtype == np.float64
        np.testing.assert_allclose(ours, theirs, rtol=1e-15)
