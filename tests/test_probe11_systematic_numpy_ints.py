"""Probe 11 (JAX's lax_numpy_test.py argument kinds adapted): axes, shifts and counts given as NumPy integers
(``np.int64(1)``: what ``np.argmax``, NumPy shape arithmetic or a loop over ``np.arange`` hands a program).

The vocabulary and the rules told an axis from a tuple of axes by ``isinstance(axis, int)``, which a NumPy integer
is not: ``flip``, ``roll``, ``moveaxis``, ``squeeze`` and ``expand_dims`` stopped with Python's bare "'numpy.int64'
object is not iterable" (or "has no len()") on every engine, and ``sum``, ``median`` and ``linalg.norm`` computed
their value and then stopped the same way in their derivative. NumPy's integers are taken as Python's now
(``primitives.INTEGERS``), as NumPy and JAX take them. Checked against JAX in float64 on every engine, several
seeds: the value and the VJP.
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

I0, I1, I2, I3 = np.int64(0), np.int64(1), np.int32(2), np.int64(3)


# one source for every engine and for JAX (anp's names run on JAX's tracers; el's are anp's for these)
def moved(x):
    y = anp.roll(anp.flip(x, I1), I1, axis=I2)
    return anp.squeeze(anp.moveaxis(anp.expand_dims(y, I0), I0, -1), axis=I3)


def reduced(x):
    return anp.add(anp.add(anp.sum(x, axis=I1), anp.median(x, axis=I1)), anp.linalg.norm(x, axis=I1))


@functools.cache
def _jax(case, seed):
    x = np.random.default_rng(seed).normal(size=(2, 3, 4))
    y_jax, f_vjp = jax.vjp(jax.jit(case), jnp.asarray(x))
    g = np.random.default_rng(10 + seed).normal(size=y_jax.shape)
    return x, y_jax, g, f_vjp(jnp.asarray(g))[0]


@pytest.mark.parametrize("engine", ["overloading", "sct", "elemental"])
@pytest.mark.parametrize("case", [moved, reduced], ids=lambda c: c.__name__)
def test_numpy_integer_axes_as_jax(case, engine):
    for seed in range(2):
        x, y_jax, g, bar_jax = _jax(case, seed)
        y, f_vjp = ad.engine(engine).vjp(case, x)
        np.testing.assert_allclose(y, y_jax, rtol=1e-12)
        np.testing.assert_allclose(f_vjp(g)[0], bar_jax, rtol=1e-10, atol=1e-13)
