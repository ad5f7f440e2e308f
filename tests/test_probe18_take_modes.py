"""Probe 18: ``anp.take(x, idx, mode="wrap" | "clip")``, as periodic stencils and bounded lookups write it.

``anp.take`` had no ``mode=``: the call failed with "take() got an unexpected keyword argument 'mode'" (SCT: "a call
of anp.take that does not match its signature"). It now reads the indices as NumPy's and jnp's ``take`` do (a
negative index clamped to 0 by "clip"); jnp's default "fill" (nan where NumPy raises) is refused by name.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

IDX = np.array([0, 4, -1, 7, 2, -8])


def _periodic_anp(x):
    wrapped = anp.take(x.reshape(2, 3), np.array([[0, 5], [-1, 2]]), axis=1, mode="wrap")
    return anp.sum(anp.take(x, IDX, mode="wrap") * anp.take(x, IDX, mode="clip") ** 2) + anp.sum(anp.sin(wrapped))


def _periodic_jax(x):
    wrapped = jnp.take(x.reshape(2, 3), jnp.array([[0, 5], [-1, 2]]), axis=1, mode="wrap")
    return jnp.sum(jnp.take(x, IDX, mode="wrap") * jnp.take(x, IDX, mode="clip") ** 2) + jnp.sum(jnp.sin(wrapped))


@pytest.mark.parametrize("engine", ["overloading", "sct"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_take_modes_against_jax(engine, seed):
    x, t = np.random.default_rng(seed).normal(size=(2, 6))
    eng = ad.engine(engine)
    f_jax = _periodic_jax
    np.testing.assert_allclose(eng.grad(_periodic_anp)(x), jax.grad(f_jax)(x), rtol=1e-12)
    y, y_dot = eng.jvp(_periodic_anp, (x,), (t,))
    y_ref, y_dot_ref = jax.jvp(f_jax, (x,), (t,))
    np.testing.assert_allclose([y, y_dot], [y_ref, y_dot_ref], rtol=1e-12)


def test_take_values_and_the_fill_mode():
    x = np.arange(6.0) * 10
    for mode in ("wrap", "clip"):
        np.testing.assert_array_equal(anp.take(x, IDX, mode=mode), np.take(x, IDX, mode=mode))
    with pytest.raises(ValueError, match="mode='fill' is not taken"):
        anp.take(x, IDX, mode="fill")
