"""Probe 11 (JAX's lax_numpy_test.py ``testDiff`` options adapted): ``anp.diff``'s ``prepend`` and ``append``.

They were missing: the overloading engine stopped with Python's "diff() got an unexpected keyword argument
'prepend'", SCT with "a call of np_.diff that does not match its signature". They are joined to the array along
``axis`` first, a scalar as one slice of the array's other lengths, as NumPy and JAX do; an active one is
differentiated. Checked against JAX in float64 on every engine, several seeds: the value and the VJP (for each
argument).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


# one source for every engine and for JAX (anp's names run on JAX's tracers; el.diff is anp.diff)
def scalar_ends(x, y):
    return anp.multiply(anp.diff(x, prepend=0.5, append=2.0), anp.sum(y))


def active_ends(x, y):
    return anp.diff(x, n=2, axis=0, prepend=y, append=anp.sin(y))


SHAPES = {scalar_ends: ((4, 3), (2,)), active_ends: ((4, 3), (1, 3))}


@functools.cache
def _jax(case, seed):
    xs = [np.random.default_rng(seed + k).normal(size=s) for k, s in enumerate(SHAPES[case])]
    y_jax, f_vjp = jax.vjp(jax.jit(case), *map(jnp.asarray, xs))
    g = np.random.default_rng(10 + seed).normal(size=y_jax.shape)
    return xs, y_jax, g, f_vjp(jnp.asarray(g))


@pytest.mark.parametrize("engine", ["overloading", "sct", "elemental"])
@pytest.mark.parametrize("case", SHAPES, ids=lambda c: c.__name__)
def test_diff_prepend_append_as_jax(case, engine):
    for seed in range(2):
        xs, y_jax, g, bars_jax = _jax(case, seed)
        y, f_vjp = ad.engine(engine).vjp(case, *xs)
        np.testing.assert_allclose(y, y_jax, rtol=1e-12)
        for bar, bar_jax in zip(f_vjp(g), bars_jax):
            np.testing.assert_allclose(bar, bar_jax, rtol=1e-10, atol=1e-13)
