"""Probe 11 (review of this stop's vocabulary): ``anp.correlate(a, v)`` where ``v`` is the longer array.

NumPy (and JAX) then give ``correlate(v, a)`` reversed. The wrapper computed ``convolve(v[::-1], a)`` reversed,
which is ``correlate(a, v)`` reversed, not NumPy's: ``correlate([1, 10, 100], [1, ..., 7])`` came out
``[100, 210, ..., 7]`` for NumPy's ``[7, 76, ..., 100]`` in every mode (and with an even-length shorter array in
``'same'`` mode a different window, so the gradient was wrong too), on every engine, with no error. It is
``convolve(v, a[::-1])`` reversed now. Checked against JAX in float64 on overloading and SCT,
several seeds, every mode and both parities of the shorter length: the value, the VJP and the JVP.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def shorter_first(np_, mode):
    def f(a, v):
        return np_.correlate(a, v, mode=mode)
    return f


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("m", [3, 4])
def test_correlate_shorter_first_as_jax(engine, mode, m):
    f, f_jax = shorter_first(anp, mode), shorter_first(jnp, mode)
    for seed in range(2):
        rng = np.random.default_rng(seed)
        a, v, ta, tv = rng.normal(size=m), rng.normal(size=7), rng.normal(size=m), rng.normal(size=7)
        y_jax, vjp_jax = jax.vjp(f_jax, jnp.asarray(a), jnp.asarray(v))
        np.testing.assert_allclose(f(a, v), y_jax, rtol=1e-12)
        g = rng.normal(size=y_jax.shape)
        y, pullback = ad.engine(engine).vjp(f, a, v)
        np.testing.assert_allclose(y, y_jax, rtol=1e-12)
        for ours, theirs in zip(pullback(g), vjp_jax(jnp.asarray(g))):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)
        _, y_dot = ad.engine(engine).jvp(f, (a, v), (ta, tv))
        np.testing.assert_allclose(y_dot, jax.jvp(f_jax, (a, v), (ta, tv))[1], rtol=1e-12)

