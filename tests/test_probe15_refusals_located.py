"""Probe 15: refusals from the vocabulary on the tape engines (overloading, elemental) named no user line: a
NotImplementedError (``anp.ravel(x, order="K")``) or a TypeError (a keyword a name does not take) left the user's
code as raised. The tape engines' driver now names the user's innermost line in them (SCT notes its own).
And ``logsumexp`` takes ``b=`` and ``return_sign=`` as jax.nn / jax.scipy.special.logsumexp take them,
composed of existing primitives; equal to JAX in float64 on seeded inputs.
"""

from __future__ import annotations

import functools
import os
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest

import adcompare as ad
import adcompare.elemental as el
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-10, atol=1e-12)
HERE = os.path.basename(__file__)
ENGINES = ["overloading", "sct", "elemental"]


def _text(exc: BaseException) -> str:
    return "\n".join([str(exc), *getattr(exc, "__notes__", ())])


def _vocab(name):
    return el if name == "elemental" else anp


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("kind, call", [
    ("order", lambda v, x: v.sum(v.ravel(x, order="K"))),
    ("keyword", lambda v, x: v.sum(x, no_such_keyword=1)),
    ("logsumexp keyword", lambda v, x: v.logsumexp(x, no_such_keyword=1)),
])
def test_refusals_name_the_users_line(name, kind, call):
    v = _vocab(name)
    with pytest.raises((TypeError, NotImplementedError, ValueError)) as info:
        ad.engine(name).grad(lambda x: call(v, x))(np.ones(3))
    assert HERE in _text(info.value), _text(info.value)


def _cases(v):
    w = np.array([0.5, -1.0, 2.0, 0.0])  # a negative weight, and a zero one (its term left out)
    return [
        lambda x: v.sum(v.logsumexp(x, axis=1, b=np.abs(w) + 0.1)),
        lambda x: v.sum(v.logsumexp(x, axis=1, b=np.array([1.0, 0.0, 3.0, 2.0]), keepdims=True)),
        lambda x: v.sum(v.square(v.logsumexp(v.multiply(x, 0.5), axis=0, b=w, return_sign=True)[0])),
        lambda x: v.logsumexp(x, b=np.array([[1.0], [2.0], [0.5]]), return_sign=True)[0],
    ]


@functools.cache
def _wanted() -> list:
    """JAX's values, gradients and Hessians of the cases at one seeded input (taken once for the engines)."""
    x = np.random.default_rng(0).standard_normal((3, 4))
    cases = _cases(SimpleNamespace(sum=jnp.sum, square=jnp.square, multiply=jnp.multiply, logsumexp=jsp.logsumexp))
    return [(x, g(x), jax.jit(jax.grad(g))(x), jax.jit(jax.hessian(g))(x) if k >= 2 else None)
            for k, g in enumerate(cases)]


@pytest.mark.parametrize("name", ENGINES)
def test_logsumexp_weights_and_sign_against_jax(name):
    eng = ad.engine(name)
    for k, (f, (x, value, grad, hess)) in enumerate(zip(_cases(_vocab(name)), _wanted())):
        np.testing.assert_allclose(f(x), value, **TOL)
        np.testing.assert_allclose(eng.grad(f)(x), grad, **TOL)
        if k >= 2:  # second order where the sign is kept (CI time: the others share its code)
            np.testing.assert_allclose(eng.hessian(f)(x), hess, **TOL)


def test_logsumexp_of_a_negative_sum_is_nan_and_its_sign_minus_one():
    x, b = np.array([[0.0, 1.0], [2.0, -1.0]]), np.array([1.0, -3.0])
    np.testing.assert_allclose(anp.logsumexp(x, axis=1, b=b), jsp.logsumexp(x, axis=1, b=b))  # nan where JAX's
    out, sign = anp.logsumexp(x, axis=1, b=b, return_sign=True)
    want_out, want_sign = jsp.logsumexp(x, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(out, want_out, **TOL)
    np.testing.assert_array_equal(sign, want_sign)


@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_logsumexp_derivative_in_the_weights_against_jax(name):
    """The weights differentiated too, a zero one among them (its term left out, as JAX leaves it)."""
    def f(v, lse):
        return lambda x, b: v.sum(v.square(lse(x, axis=1, b=b, return_sign=True)[0]))
    b = np.array([0.5, 0.0, 2.0, 1.5])
    want = jax.jit(jax.grad(f(jnp, jsp.logsumexp), argnums=(0, 1)))
    for seed in range(2):
        x = np.random.default_rng(seed).standard_normal((3, 4))
        got = ad.engine(name).grad(f(anp, anp.logsumexp), argnums=(0, 1))(x, b)
        for a, w in zip(got, want(x, b)):
            np.testing.assert_allclose(a, w, **TOL)
