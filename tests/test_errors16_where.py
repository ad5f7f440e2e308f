"""``anp.where(condition)`` alone is NumPy's ``nonzero``: the indices (constants) where ``condition`` holds, as
JAX's ``jnp.where(c)`` is with its size unknown; on every engine, first and second order against JAX. With only
one of ``x`` and ``y`` it raises NumPy's ValueError.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-10, atol=1e-12)
XS = [np.random.default_rng(seed).standard_normal(5) for seed in range(3)]


def natural(x):
    i = anp.where(x > 0.1)
    j = anp.where(anp.reshape(x, (5, 1)) < 0.0)[0]
    return anp.sum(anp.sin(x[i]) * x[i]) + anp.sum(x[j] ** 3)


def elemental(x):
    i = el.where(el.greater(x, 0.1))
    j = el.where(el.less(el.reshape(x, (5, 1)), 0.0))[0]
    return el.add(el.sum(el.multiply(el.sin(el.getitem(x, i)), el.getitem(x, i))),
                  el.sum(el.power(el.getitem(x, j), 3)))


def _reference(z, i, j):
    return jnp.sum(jnp.sin(z[i]) * z[i]) + jnp.sum(z[j] ** 3)


@functools.cache
def wanted(seed: int) -> tuple:
    """JAX's value, gradient, jvp along x and Hessian at ``XS[seed]`` (the indices: constants, found by NumPy)."""
    x = XS[seed]
    i, j = np.where(x > 0.1)[0], np.where(x.reshape(5, 1) < 0.0)[0]
    return _jax_derivatives(x, i, j)


@jax.jit
def _jax_derivatives(x, i, j):
    g = functools.partial(_reference, i=i, j=j)
    return g(x), jax.grad(g)(x), jax.jvp(g, (x,), (x,))[1], jax.hessian(g)(x)


@pytest.mark.parametrize("name, higher", [("overloading", None), ("elemental", None), ("sct", None),
                                          ("sct", "sct")])
def test_where_of_a_condition_alone_is_nonzero(name, higher):
    eng = ad.engine(name, higher=higher) if higher else ad.engine(name)
    f = elemental if name == "elemental" else natural
    for seed, x in enumerate(XS):
        value, grad, tangent, hessian = wanted(seed)
        np.testing.assert_allclose(f(x), value, **TOL)
        np.testing.assert_allclose(eng.grad(f)(x), grad, **TOL)
        np.testing.assert_allclose(eng.jvp(f, (x,), (x,))[1], tangent, **TOL)
        np.testing.assert_allclose(eng.hessian(f)(x), hessian, **TOL)


def test_where_of_a_condition_is_numpys_nonzero():
    x = XS[0].reshape(5, 1)
    for got, want in zip(anp.where(x > 0), np.where(x > 0)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_where_with_only_x_raises_numpys_error(name):
    with pytest.raises(ValueError, match="either both or neither of x and y should be given"):
        ad.engine(name).grad(lambda x: anp.sum(anp.where(x > 0, x)))(XS[0])
    with pytest.raises(ValueError, match="either both or neither of x and y should be given"):
        np.where(XS[0] > 0, XS[0])
