"""Probe 37: ``anp.pad`` with differentiated ``constant_values``, as JAX differentiates them.

An array of constant values, or a tuple or list holding a differentiated value, lost its derivative on every
engine (``_p.primal`` of it was read): the gradient for ``c`` in ``pad(x, 2, constant_values=c)`` was zero with
no error. The values now pass through the vocabulary (``asarray``, ``broadcast_to``, indexing), cast to ``x``'s
dtype as JAX casts them. Checked against JAX on the same source, values and dtypes too.
"""

from __future__ import annotations

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import adcompare as ad
import adcompare.numpy as anp

jax.config.update("jax_enable_x64", True)
TOL = dict(rtol=1e-12, atol=1e-12)
RNG = np.random.default_rng(37)
X, C, M = RNG.normal(size=3), RNG.normal(size=2), RNG.normal(size=(2, 3))


def array_of_values(x, c):
    return anp.sum(anp.pad(x, 2, constant_values=c) * anp.arange(7.0))


def one_value(x, c):
    return anp.sum(anp.pad(x, (1, 2), constant_values=c[1]) * anp.arange(6.0))


def tuple_with_a_differentiated_value(x, c):
    return anp.sum(anp.pad(x, 2, constant_values=(x[0] * c[0], 3.0)) ** 2)


def pairs_per_axis(x, c):
    m = anp.reshape(anp.concatenate([x, x * c[0]]), (2, 3))
    return anp.sum(anp.pad(m, ((1, 0), (2, 1)), constant_values=((c[0], c[1]), (x[1], 2.0))) * anp.arange(18.0)
                   .reshape(3, 6))


PROGRAMS = [array_of_values, one_value, tuple_with_a_differentiated_value, pairs_per_axis]


def _oracle(f):
    return types.FunctionType(f.__code__, {**f.__globals__, "anp": jnp}, f.__name__)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", ["overloading", "sct"])
def test_differentiated_constant_values(f, name):
    eng, fj = ad.engine(name), _oracle(f)
    for x, c in [(X, C), (X[::-1] * 2.0, C + 1.0)]:
        got = eng.value_and_grad(f, argnums=(0, 1))(x, c)
        want = jax.value_and_grad(fj, argnums=(0, 1))(jnp.asarray(x), jnp.asarray(c))
        np.testing.assert_allclose(got[0], want[0], **TOL)
        for g, w in zip(got[1], want[1]):
            np.testing.assert_allclose(g, w, **TOL)
        t = (np.cos(x), np.sin(c))
        np.testing.assert_allclose(eng.jvp(f, (x, c), t)[1], jax.jvp(fj, (x, c), t)[1], **TOL)


@pytest.mark.parametrize("values", [np.array([2.0, 5.0]), (1.5, np.float64(2.5)), [[1.0, 2.0], [3.0, 4.0]]],
                         ids=["array", "tuple", "pairs"])
def test_float32_keeps_its_dtype(values):
    m = M.astype(np.float32)
    got, want = anp.pad(m, 1, constant_values=values), jnp.pad(m, 1, constant_values=np.asarray(values))
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)
