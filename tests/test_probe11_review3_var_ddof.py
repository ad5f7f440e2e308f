"""Probe 11 (review of this stop's dtype and edge changes): ``var`` / ``std`` with ``ddof`` equal to the count.

JAX computes ``where(N - ddof > 0, total / (N - ddof), nan)``: the value is nan, the JVP zero, and the VJP the
division's of a zero cotangent, which is nan where ``N == ddof`` (0 / 0) and zero past it. The vocabulary's
``nan + 0 * total`` gave a zero VJP at ``N == ddof`` (JAX: nan), on every engine, with no error: a gradient step
went on from a nan loss as though nothing happened. It is JAX's composition now. Checked against JAX in float64
on every engine, several seeds: the value, the JVP and the VJP, at ``ddof == N`` and past it.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def spread(np_, ddof):
    def f(x):
        return np_.add(np_.var(x, axis=0, ddof=ddof), np_.std(x, axis=-1, keepdims=True, ddof=ddof - 1))
    return f


@pytest.mark.parametrize("engine", ["overloading", "sct", "elemental"])
@pytest.mark.parametrize("ddof", [3, 4])
def test_var_std_at_the_count_as_jax(engine, ddof):
    f, f_jax = spread(el if engine == "elemental" else anp, ddof), spread(jnp, ddof)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's 0 / 0 inside the branch where discards
        for seed in range(2):
            rng = np.random.default_rng(seed)
            x, t = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
            y, y_dot = ad.engine(engine).jvp(f, (x,), (t,))
            y_jax, y_dot_jax = jax.jvp(f_jax, (jnp.asarray(x),), (jnp.asarray(t),))
            np.testing.assert_allclose(y, y_jax, rtol=1e-12)
            np.testing.assert_allclose(y_dot, y_dot_jax, rtol=1e-12)
            g = rng.normal(size=y_jax.shape)
            x_bar = ad.engine(engine).vjp(f, x)[1](g)[0]
            np.testing.assert_allclose(x_bar, jax.vjp(f_jax, jnp.asarray(x))[1](jnp.asarray(g))[0], rtol=1e-12)
