"""Probe 18: a lambda with ``*args`` (``lambda *d, f=loss: f(*d, batch)``, as a driver closes a loss over its data).

SCT finds a lambda's source by its parameters, and listed a lambda's ``*args`` before its keyword-only ones, where
Python's code keeps ``*args`` after them: no lambda with both (``*d, loss=_loss``) ever matched, and SCT refused it
as "a function without source code". Found by probe 18's training-loop programs (vjp of a loss
restricted to its differentiated arguments).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)


def _loss(w, b, x):
    return anp.sum(anp.tanh(x @ w + b) ** 2)


def _loss_jax(w, b, x):
    return jnp.sum(jnp.tanh(x @ w + b) ** 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vjp_of_a_varargs_lambda(seed):
    rng = np.random.default_rng(seed)
    w, b, x = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 3))
    eng = ad.engine("sct")
    f = lambda *d, loss=_loss: loss(*d, x)  # noqa: E731
    f_jax = lambda *d, loss=_loss_jax: loss(*d, jnp.asarray(x))  # noqa: E731
    y, pullback = eng.vjp(f, w, b)
    y_ref, pullback_ref = jax.vjp(f_jax, jnp.asarray(w), jnp.asarray(b))
    np.testing.assert_allclose(y, y_ref, rtol=1e-12)
    for got, want in zip(pullback(1.3), pullback_ref(1.3)):
        np.testing.assert_allclose(got, want, rtol=1e-10)
