"""Derivatives made by an engine, met again at a third level or called inside transformed code (nest3 probe).

Since keywords were packed for a ``**kw`` parameter (``front.normalize.var_keywords``), SCT packed them
for the engine-made derivative's own ``**kwargs`` too: ``grad(grad(grad(f)))(x)`` bound the middle
derivative's keywords into ``{"kwargs": {}}`` and called ``f(..., kwargs={})`` (TypeError), and a call of
``e.grad(f, 1)`` inside a differentiated lambda passed its generated code ``kwargs={}`` (TypeError).
Keywords are now bound to the innermost function (``programs.build``) and packed only for generated code
(``transform._keywords``). JAX (float64) is the oracle.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
from adcompare import numpy as anp

jax.config.update("jax_enable_x64", True)
XS = [0.7, -1.3, 2.1]


def f(x, y):
    return anp.sin(x * y) * x


def f_jax(x, y):
    return jnp.sin(x * y) * x


def scaled(x, s=1.0, **kw):
    return anp.sin(x * s) * x * kw.get("t", 1.0)


def scaled_jax(x, s=1.0, **kw):
    return jnp.sin(x * s) * x * kw.get("t", 1.0)


@pytest.mark.parametrize("x", XS)
def test_third_order_of_a_plain_function(x):
    e = ad.engine("sct")
    want = jax.grad(jax.grad(jax.grad(f_jax)))(x, 1.5)
    np.testing.assert_allclose(e.grad(e.grad(e.grad(f)))(x, 1.5), want, rtol=1e-10)


@pytest.mark.parametrize("x", XS)
def test_third_order_with_keywords(x):
    e = ad.engine("sct")
    want = jax.grad(jax.grad(jax.grad(scaled_jax)))(x, s=2.0, t=3.0)
    np.testing.assert_allclose(e.grad(e.grad(e.grad(scaled)))(x, s=2.0, t=3.0), want, rtol=1e-10)


@pytest.mark.parametrize("x", XS)
def test_engine_made_derivative_called_in_a_lambda(x):
    e = ad.engine("sct")
    want = jax.grad(lambda a: jax.grad(f_jax, 1)(a, a) * a)(x)
    np.testing.assert_allclose(e.grad(lambda a: e.grad(f, 1)(a, a) * a)(x), want, rtol=1e-10)
    want = jax.jvp(lambda a: jax.grad(scaled_jax)(a * a, s=2.0, t=3.0), (x,), (1.0,))[1]
    np.testing.assert_allclose(e.jvp(lambda a: e.grad(scaled)(a * a, s=2.0, t=3.0), (x,), (1.0,))[1], want, rtol=1e-10)
    want = jax.grad(lambda a: jax.grad(scaled_jax)(a * a, s=2.0, t=3.0))(x)
    np.testing.assert_allclose(e.grad(lambda a: e.grad(scaled)(a * a, s=2.0, t=3.0))(x), want, rtol=1e-10)
