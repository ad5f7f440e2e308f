"""Probe 19: a method of a module-level NumPy array applied to a differentiated value (``X.dot(W)``, course code's
``scores = X.dot(W)`` with ``X`` the data), on the SCT engine.

SCT read ``X.dot`` as a function without source (NumPy's bound method) and refused it, although the same method of
a local array (``X[i].dot(W)``) was already the vocabulary's ``anp.dot``. The array methods the vocabulary has are
now read alike whatever array holds them; the primal calls the vocabulary too, so the generated code also runs when
``W`` is another engine's active value (nesting) or a JAX tracer.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)

X = np.random.RandomState(19).randn(4, 3)
TOL = dict(rtol=1e-10, atol=1e-12)


def scores_loss(w):
    hidden = anp.tanh(X.dot(w))
    return anp.sum(hidden * hidden) + X.sum() * w[0, 1] + anp.sum(X.reshape(3, 4).dot(X.dot(w)))


def scores_loss_jax(w):
    x = jnp.asarray(X)
    hidden = jnp.tanh(x.dot(w))
    return jnp.sum(hidden * hidden) + x.sum() * w[0, 1] + jnp.sum(x.reshape(3, 4).dot(x.dot(w)))


@pytest.mark.parametrize("seed", [0, 1])
def test_constant_array_method_of_active_value(seed):
    rng = np.random.RandomState(seed)
    w, t = rng.randn(3, 2), rng.randn(3, 2)
    sct = ad.engine("sct")
    np.testing.assert_allclose(sct.grad(scores_loss)(w), jax.grad(scores_loss_jax)(w), **TOL)
    for a, b in zip(sct.jvp(scores_loss, (w,), (t,)), jax.jvp(scores_loss_jax, (w,), (t,))):
        np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(sct.hessian(scores_loss)(w), jax.hessian(scores_loss_jax)(w), **TOL)


def test_nested_under_overloading_and_jit():
    w = np.random.RandomState(2).randn(3, 2)
    sct, oo = ad.engine("sct"), ad.engine("overloading")
    want = jax.grad(lambda v: jax.grad(scores_loss_jax)(v)[1, 0])(w)
    np.testing.assert_allclose(oo.grad(lambda v: sct.grad(scores_loss)(v)[1, 0])(w), want, **TOL)
    np.testing.assert_allclose(jax.jit(sct.grad(scores_loss))(jnp.asarray(w)), jax.grad(scores_loss_jax)(w), **TOL)
